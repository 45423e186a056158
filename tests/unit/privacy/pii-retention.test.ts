import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logRetentionDays, pruneRunLogs } from '../../../src/privacy/retention.js';
import { Scheduler } from '../../../src/scheduler/index.js';
import { syncTables } from '../../../src/syncs/index.js';
import { SyncHistory } from '../../../src/state/index.js';
import { captureLogger, tempProject, testApp, type TestApp } from '../server/helpers.js';

const DAY = 86_400_000;
const NOW = new Date('2025-06-30T12:00:00Z');
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

/**
 * Raw run logs past `privacy.retentionDays` go, for every sync (running or not): the state store's
 * failed-row log, the row details of old runs, and each warehouse `sync_log_<sync>` table.
 */
describe('run-log retention', () => {
  const { project, cleanup } = tempProject({ privacy: { pii: [], retentionDays: 10 } });
  let t: TestApp;

  beforeAll(async () => {
    t = await testApp(project);
    const w = await project.warehouse();
    await w.execute('CREATE SCHEMA IF NOT EXISTS cdp');
    for (const sync of ['alpha', 'beta']) {
      const log = w.dialect.relation(syncTables('cdp', sync).log);
      await w.execute(`CREATE TABLE ${log} (plan_id VARCHAR, run_id VARCHAR, seq BIGINT, sync_key VARCHAR, op VARCHAR, status VARCHAR, error VARCHAR, attempted_at TIMESTAMP)`);
      for (const [key, days] of [['old@example.com', 30], ['edge@example.com', 11], ['new@example.com', 9], ['today@example.com', 0]] as const) {
        await w.execute(`INSERT INTO ${log} VALUES ('p', 'r', 1, ${w.dialect.literal(key)}, 'upsert', 'rejected', 'bad', ${w.dialect.literal(ago(days))})`);
      }
    }
    const history = new SyncHistory(t.ctx.knex);
    for (const [id, days] of [['old', 30], ['new', 3]] as const) {
      await history.start({ id, sync: 'alpha', destinationType: 'webhook', trigger: 'manual', full: false, startedAt: ago(days), resumedPlan: null });
      await history.update(id, { firstErrors: [{ key: `${id}@example.com`, op: 'upsert', status: 'rejected', error: 'bad email' }] });
      await history.commit({
        sync: 'alpha',
        planId: `plan-${id}`,
        runId: id,
        from: 0,
        to: 1,
        at: ago(days),
        failures: [{ runId: id, sync: 'alpha', planId: `plan-${id}`, seq: 1, key: `${id}@example.com`, op: 'upsert', status: 'rejected', error: 'bad', at: ago(days) }],
      });
    }
    // Plans folded into the state: their commits are gone, so their failures are plain log entries.
    await t.ctx.knex('sync_commits').delete();
  });
  afterAll(async () => {
    await t.ctx.scheduler.stop();
    await cleanup();
  });

  it('the window: CDP_SYNC_LOG_RETENTION_DAYS, else config privacy.retentionDays', () => {
    expect(logRetentionDays(project, {})).toBe(10);
    expect(logRetentionDays(project, { CDP_SYNC_LOG_RETENTION_DAYS: '3' })).toBe(3);
    expect(logRetentionDays(project, { CDP_SYNC_LOG_RETENTION_DAYS: 'soon' })).toBe(10);
  });

  it('deletes rows older than N days in the state store and every warehouse log; newer ones stay', async () => {
    const report = await pruneRunLogs(project, t.ctx.knex, { now: NOW });
    expect(report).toMatchObject({ rowLogEntries: 1, runDetails: 1, warehouseLogs: 2 });
    const w = await project.warehouse();
    for (const sync of ['alpha', 'beta']) {
      const rows = await w.query<{ sync_key: string }>(`SELECT sync_key FROM ${w.dialect.relation(syncTables('cdp', sync).log)} ORDER BY sync_key`);
      expect(rows.map((r) => r.sync_key)).toEqual(['new@example.com', 'today@example.com']);
    }
    const history = new SyncHistory(t.ctx.knex);
    expect((await history.rowLog('alpha')).map((e) => e.key)).toEqual(['new@example.com']);
    // The old run stays as history (status, counts) without its row details.
    expect((await history.run('old'))?.firstErrors).toEqual([]);
    expect((await history.run('new'))?.firstErrors).toHaveLength(1);
    // Idempotent.
    expect(await pruneRunLogs(project, t.ctx.knex, { now: NOW })).toMatchObject({ rowLogEntries: 0, runDetails: 0 });
  });

  it('the service scheduler prunes at start and daily, with no sync running', async () => {
    const { logger } = captureLogger();
    const calls: number[] = [];
    const scheduler = new Scheduler({
      knex: t.ctx.knex,
      log: logger,
      retentionCron: '*/1 * * * * *', // every second, to see it fire
      jobs: {
        listSyncs: async () => [],
        runSync: async () => undefined,
        runModels: async () => undefined,
        pruneRunLogs: async () => calls.push(Date.now()),
      },
    });
    await scheduler.start();
    expect(calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    await scheduler.stop();
    const fired = calls.length;
    expect(fired).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Stopped: no more prunes.
    expect(calls).toHaveLength(fired);
  });

  it('the real job source wires the prune (cdp serve)', async () => {
    const jobs = (t.ctx.scheduler as unknown as { options: { jobs: { pruneRunLogs?: () => Promise<unknown> } } }).options.jobs;
    expect(typeof jobs.pruneRunLogs).toBe('function');
    await expect(jobs.pruneRunLogs!()).resolves.toMatchObject({ warehouseLogs: 2 });
    // Housekeeping, not a job to pause: the schedules list does not show it.
    expect((await request(t.app).get('/api/schedules').set('Authorization', `Bearer ${t.tokens.viewer}`)).body.map((j: { key: string }) => j.key)).toEqual(['models']);
  });
});
