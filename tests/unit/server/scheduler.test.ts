import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AuditLog } from '../../../src/audit/index.js';
import { JobStateStore, LeaseStore, Scheduler } from '../../../src/scheduler/index.js';
import type { StateStore } from '../../../src/state/index.js';
import { fakeJobs, overlaps, sleep, type RunRecord } from './fake-jobs.js';
import { tempProject } from './helpers.js';

const log = pino({ level: 'silent' });
const person = { type: 'user' as const, id: '1', email: 'a@example.com' };

describe('scheduler on the SQLite state store', () => {
  const { project, cleanup } = tempProject();
  let store: StateStore;
  beforeAll(async () => {
    store = await project.state();
  });
  afterAll(cleanup);

  it('leases: one holder at a time; renew, release, and takeover after expiry', async () => {
    const a = new LeaseStore(store.knex, 'A');
    const b = new LeaseStore(store.knex, 'B');
    expect(await a.acquire('job1', 10_000)).toBe(true);
    expect(await b.acquire('job1', 10_000)).toBe(false);
    expect(await a.acquire('job1', 10_000)).toBe(true); // re-entrant for the holder
    expect(await a.renew('job1', 10_000)).toBe(true);
    expect(await b.renew('job1', 10_000)).toBe(false);
    expect((await b.holder('job1'))?.owner).toBe('A');
    await b.release('job1'); // not B's: no effect
    expect((await a.holder('job1'))?.owner).toBe('A');
    await a.release('job1');
    expect(await b.acquire('job1', 50)).toBe(true);
    await sleep(80);
    expect(await a.acquire('job1', 10_000)).toBe(true); // B's lease lapsed
    expect(await b.renew('job1', 10_000)).toBe(false);
    await a.release('job1');
    expect(await store.knex('scheduler_locks').select('*')).toEqual([]);
  });

  it('a fire is claimed once; a paused job claims nothing', async () => {
    const states = new JobStateStore(store.knex);
    await states.ensure('sync:x', '* * * * *', null);
    const t = new Date('2030-01-01T00:00:00Z');
    expect(await states.claimFire('sync:x', t, null)).toBe(true);
    expect(await states.claimFire('sync:x', t, null)).toBe(false);
    expect(await states.claimFire('sync:x', new Date(t.getTime() - 60_000), null)).toBe(false);
    await states.setPaused('sync:x', true);
    expect(await states.claimFire('sync:x', new Date(t.getTime() + 60_000), null)).toBe(false);
    await states.setPaused('sync:x', false);
    expect(await states.claimFire('sync:x', new Date(t.getTime() + 60_000), null)).toBe(true);
  });

  it('run now: runs in the background, refuses a second run while one is going, audits', async () => {
    const runs: RunRecord[] = [];
    const audit = new AuditLog(store.knex);
    const scheduler = new Scheduler({ knex: store.knex, log, audit, jobs: fakeJobs({ owner: 'A', runs, syncs: [{ name: 'manual', schedule: null }], ms: 300 }) });
    // Simultaneous requests in one process: exactly one starts.
    const attempts = await Promise.allSettled(Array.from({ length: 5 }, () => scheduler.runNow('sync:manual', person)));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    await expect(scheduler.runNow('sync:manual', person)).rejects.toMatchObject({ code: 'CONFLICT' });
    await scheduler.idle();
    expect(runs.map((r) => [r.job, r.trigger])).toEqual([['sync:manual', 'manual']]);
    const status = (await scheduler.status()).find((s) => s.key === 'sync:manual')!;
    expect(status).toMatchObject({ running: false, lastStatus: 'success', lastTrigger: 'manual' });
    const entries = (await audit.query({ action: 'sync.run' })).entries;
    expect(entries[0]).toMatchObject({ actor: person, resourceId: 'manual', outcome: 'ok', details: { trigger: 'manual' } });
    await expect(scheduler.runNow('sync:nope', person)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await scheduler.stop();
  });

  it('a failed run is recorded with its error', async () => {
    const runs: RunRecord[] = [];
    const scheduler = new Scheduler({ knex: store.knex, log, jobs: fakeJobs({ owner: 'A', runs, syncs: [{ name: 'broken', schedule: null }], ms: 10, fail: () => true }) });
    await scheduler.runNow('sync:broken', person);
    await scheduler.idle();
    expect((await scheduler.status()).find((s) => s.key === 'sync:broken')).toMatchObject({ lastStatus: 'error', lastError: 'sync:broken failed on purpose' });
    await scheduler.stop();
  });

  it('after a restart, a missed fire runs once (not once per missed tick); paused jobs do not catch up', async () => {
    const states = new JobStateStore(store.knex);
    // As if the service stopped an hour ago with the next fire due 59 minutes ago (59 missed ticks).
    await states.ensure('sync:hourly', '* * * * *', null);
    await states.resetCron('sync:hourly', '* * * * *', new Date(Date.now() - 59 * 60_000));
    await states.ensure('sync:paused', '* * * * *', null);
    await states.resetCron('sync:paused', '* * * * *', new Date(Date.now() - 59 * 60_000));
    await states.setPaused('sync:paused', true);
    const runs: RunRecord[] = [];
    const syncs = [
      { name: 'hourly', schedule: '* * * * *' },
      { name: 'paused', schedule: '* * * * *' },
    ];
    const first = new Scheduler({ knex: store.knex, log, jobs: fakeJobs({ owner: 'A', runs, syncs, ms: 10 }) });
    const second = new Scheduler({ knex: store.knex, log, jobs: fakeJobs({ owner: 'B', runs, syncs, ms: 10 }) });
    await Promise.all([first.start(), second.start()]);
    await Promise.all([first.idle(), second.idle()]);
    expect(runs.map((r) => [r.job, r.trigger])).toEqual([['sync:hourly', 'catch_up']]);
    const state = await states.get('sync:hourly');
    expect(state!.nextFireAt!.getTime()).toBeGreaterThan(Date.now());
    // Starting again: nothing is overdue any more.
    const third = new Scheduler({ knex: store.knex, log, jobs: fakeJobs({ owner: 'C', runs, syncs, ms: 10 }) });
    await third.start();
    await third.idle();
    expect(runs).toHaveLength(1);
    await Promise.all([first.stop(), second.stop(), third.stop()]);
  });

  it('cron fires: two schedulers on one store run each fire once; builds run before the syncs of the same tick', async () => {
    const runs: RunRecord[] = [];
    const syncs = [{ name: 'every_second', schedule: '* * * * * *' }];
    const make = (owner: string) =>
      new Scheduler({ knex: store.knex, log, owner, modelsCron: '*/2 * * * * *', pollMs: 20, jobs: fakeJobs({ owner, runs, syncs, ms: 100, modelsMs: 300 }) });
    const a = make('A');
    const b = make('B');
    await Promise.all([a.start(), b.start()]);
    await sleep(4200);
    await Promise.all([a.stop({ timeoutMs: 5000 }), b.stop({ timeoutMs: 5000 })]);
    const syncRuns = runs.filter((r) => r.job === 'sync:every_second');
    const modelRuns = runs.filter((r) => r.job === 'models');
    expect(syncRuns.length).toBeGreaterThanOrEqual(2);
    expect(modelRuns.length).toBeGreaterThanOrEqual(1);
    expect(overlaps(runs)).toEqual([]);
    // Both processes took part, yet no fire ran twice: at most one run per second per job.
    const seconds = syncRuns.map((r) => Math.floor(r.start / 1000));
    expect(new Set(seconds).size).toBe(seconds.length);
    // Every sync that started while a build was due waited for it: none overlaps a build, not even
    // one cut short by stop() (a sync waiting for it does not start during shutdown).
    for (const build of modelRuns) {
      for (const sync of syncRuns) expect(sync.start >= build.end || sync.end <= build.start, JSON.stringify({ build, sync })).toBe(true);
      // The sync of a finished build's tick ran, right after the build (not skipped).
      if (!build.aborted) expect(syncRuns.some((sync) => sync.start >= build.end && sync.start - build.end < 200)).toBe(true);
    }
    expect(await store.knex('scheduler_locks').select('*')).toEqual([]);
  });

  it('graceful stop: no new runs, the running one finishes its batch, leases are released', async () => {
    const runs: RunRecord[] = [];
    const scheduler = new Scheduler({ knex: store.knex, log, owner: 'S', jobs: fakeJobs({ owner: 'S', runs, syncs: [{ name: 'long', schedule: null }], ms: 60_000 }) });
    await scheduler.runNow('sync:long', person);
    await sleep(50);
    const held = await store.knex('scheduler_locks').where({ name: 'sync:long' }).select('owner');
    expect(held).toHaveLength(1);
    expect(held[0].owner).toMatch(/^S\/\d+$/);
    const started = Date.now();
    await scheduler.stop({ timeoutMs: 5000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(runs[0]).toMatchObject({ aborted: true });
    expect(runs[0]!.end).toBeGreaterThan(0);
    expect(await store.knex('scheduler_locks').select('*')).toEqual([]);
    await expect(scheduler.runNow('sync:long', person)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('pause and resume', async () => {
    const runs: RunRecord[] = [];
    const scheduler = new Scheduler({ knex: store.knex, log, jobs: fakeJobs({ owner: 'P', runs, syncs: [{ name: 'p', schedule: '* * * * * *' }], ms: 10 }) });
    await scheduler.start();
    await scheduler.pause('sync:p', person);
    const pausedAt = runs.length;
    await sleep(2200);
    expect(runs.length).toBe(pausedAt);
    expect((await scheduler.status()).find((s) => s.key === 'sync:p')).toMatchObject({ paused: true, nextFireAt: null });
    await scheduler.resume('sync:p', person);
    await sleep(2200);
    expect(runs.length).toBeGreaterThan(pausedAt);
    await scheduler.stop();
  });
});
