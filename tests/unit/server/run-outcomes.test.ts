import { mkdirSync, writeFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runSync } from '../../../src/syncs/index.js';
import { SyncHistory } from '../../../src/state/index.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';
import { buildFixture, fixtureConfig } from './fixture.js';
import { tempProject, testApp, type TestApp } from './helpers.js';

// Status counted by the run's outcome (issue 19, item 7).
const { project, cleanup } = tempProject(fixtureConfig);
let t: TestApp;
let refusing: FakeWebhook;
let reader: string;

function writeSync(name: string, config: string): void {
  writeFileSync(project.path('syncs', `${name}.yaml`), `name: ${name}\nfrom: { audience: everyone }\ndestination:\n  type: webhook\n  config: ${config}\nfields: { email: email }\n`);
}

beforeAll(async () => {
  // Every batch answered 400: the vendor refused every row, the job itself did not throw.
  refusing = await startWebhook({ respond: () => ({ status: 400, body: '{"error":"bad rows"}' }) });
  await buildFixture(project);
  mkdirSync(project.path('syncs'), { recursive: true });
  mkdirSync(project.path('audiences'), { recursive: true });
  writeFileSync(project.path('audiences', 'everyone.yaml'), 'where: { trait: profile_id, op: is_not_null }\n');
  writeSync('refused', `{ url: "${refusing.url}" }`);
  writeSync('no_secret', `{ url: "${refusing.url}", secret: { env: CDP_TEST_MISSING_SECRET_19 } }`);
  t = await testApp(project);
  reader = `Bearer ${t.tokens.viewer}`;
});
afterAll(async () => {
  await t.ctx.scheduler.stop();
  await refusing.close();
  await cleanup();
});

it('a run that delivered none of its rows is partial in the job list, not a success', async () => {
  await t.ctx.scheduler.runNow('sync:refused', { type: 'system', id: null, email: null });
  await t.ctx.scheduler.idle();
  const jobs = await request(t.app).get('/api/schedules').set('Authorization', reader).expect(200);
  const job = (jobs.body as Array<{ key: string; lastStatus: string; lastRunStatus: string; lastRunId: string }>).find((j) => j.key === 'sync:refused')!;
  // The scheduler saw a job that did not throw; the run itself delivered nothing.
  expect(job.lastStatus).toBe('success');
  expect(job.lastRunStatus).toBe('partial');
  const run = await request(t.app).get(`/api/syncs/refused/runs/${job.lastRunId}`).set('Authorization', reader).expect(200);
  expect(run.body.counts.ok).toBe(0);
  expect(run.body.counts.rejected).toBeGreaterThan(0);
});

it('a sync failing before planning records a failed run with the reason', async () => {
  delete process.env.CDP_TEST_MISSING_SECRET_19;
  await expect(runSync(project, 'no_secret', { trigger: 'cli' })).rejects.toThrow(/CDP_TEST_MISSING_SECRET_19/);
  const runs = await new SyncHistory(t.ctx.store.knex).runs('no_secret');
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ status: 'failed', trigger: 'cli', counts: { planned: 0, sent: 0 } });
  expect(runs[0]!.error).toMatch(/CDP_TEST_MISSING_SECRET_19/);
  expect(runs[0]!.finishedAt).not.toBeNull();
  const history = await request(t.app).get('/api/syncs/no_secret/runs').set('Authorization', reader).expect(200);
  expect(history.body.map((r: { status: string }) => r.status)).toEqual(['failed']);
});

it('model builds run outside the service (the CLI, the demo) are the model job’s last run', async () => {
  const models = async () => (await request(t.app).get('/api/schedules').set('Authorization', reader)).body.find((j: { key: string }) => j.key === 'models');
  expect(await models()).toMatchObject({ lastStatus: null, lastFinishedAt: null });
  // What `cdp run` and the demo leave in the state store: a build per model, no scheduler involved.
  const built = new Date();
  await t.ctx.store.modelBuilds.record({ model: 'customers', startedAt: new Date(built.getTime() - 800), finishedAt: built, rows: 3, status: 'success', error: null });
  expect(await models()).toMatchObject({ lastStatus: 'success', lastFinishedAt: built.toISOString(), lastError: null });
  const finishedAt = new Date(built.getTime() + 1000);
  await t.ctx.store.modelBuilds.record({ model: 'customers', startedAt: new Date(finishedAt.getTime() - 500), finishedAt, rows: null, status: 'error', error: 'Binder Error: column x not found' });
  expect(await models()).toMatchObject({ lastStatus: 'error', lastFinishedAt: finishedAt.toISOString(), lastError: 'customers: Binder Error: column x not found' });
});
