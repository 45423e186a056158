import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';
import { loadPeople, makeProject, people, webhookSyncYaml, type TestProject } from './helpers.js';
import { runCli } from '../../helpers/cli.js';

let t: TestProject;
let hook: FakeWebhook;
beforeAll(async () => {
  t = await makeProject();
  hook = await startWebhook({ keyColumn: 'id', respond: (batch) => (batch.rows.some((r) => r.id === 'p000003') ? { status: 400, body: 'bad row' } : { status: 200 }) });
  await loadPeople(t.project, people(6));
  await t.project.close();
  t.writeSync('to_hook', webhookSyncYaml('to_hook', `${hook.url}/in`, { batchSize: 1 }).replace('from: { model: people }', 'from: { model: people }\nschedule: "0 */6 * * *"'));
});
afterAll(async () => {
  await hook.close();
  await t.close();
});

const cdp = (...args: string[]) => runCli(...args, '--project', t.dir);

it('sync run --dry-run, run, list, status and log', async () => {
  const dry = await cdp('sync', 'run', 'to_hook', '--dry-run');
  expect(dry.code).toBe(0);
  expect(dry.out).toContain('dry run of to_hook (nothing sent): 6 ops: 6 added, 0 changed');
  expect(dry.out).toContain('upsert added    p000000  {"email":"user0@example.com","first_name":"Name0","score":0}');
  expect(hook.requests).toHaveLength(0);

  const run = await cdp('sync', 'run', 'to_hook');
  expect(run.code).toBe(0);
  expect(run.out).toMatch(/partial: sent 6, ok 5, rejected 1, retryable 0 in [\d.]+s \(run [0-9a-f-]{36}\)/);
  expect(run.out).toContain('  1 row rejected: HTTP 400: bad row (p000003)');

  const list = await cdp('sync', 'list');
  expect(list.out).toMatch(/^sync\s+from\s+destination\s+mode\s+schedule\s+last run\s+status\s+ok\s+rejected/);
  expect(list.out).toMatch(/to_hook\s+model people\s+webhook\s+mirror\s+0 \*\/6 \* \* \*\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+partial\s+5\s+1/);

  const status = await cdp('sync', 'status', 'to_hook');
  expect(status.out).toContain('to_hook: model people -> webhook (mirror), schedule "0 */6 * * *"');
  expect(status.out).toContain('rows: 5 ok, 1 rejected, 0 retryable, 0 pending');

  const log = await cdp('sync', 'log', 'to_hook', '--key', 'p000003');
  expect(log.out).toMatch(/p000003\s+upsert\s+rejected\s+HTTP 400: bad row/);
  const none = await cdp('sync', 'log', 'to_hook', '--key', 'nobody');
  expect(none.out).toBe('no log entries for key nobody\n');
});

it('errors are one clear line with a non-zero exit', async () => {
  const missing = await cdp('sync', 'run', 'nope');
  expect(missing.code).toBe(1);
  expect(missing.err).toBe('error: syncs: no sync named "nope" — known syncs: to_hook\n');
  const limit = await cdp('sync', 'log', 'to_hook', '--limit', 'lots');
  expect(limit.code).toBe(1);
  expect(limit.err).toBe('error: --limit must be a positive integer, not lots\n');
});
