import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp, appContext } from '../../../src/server/index.js';
import { openStateStore, type StateStore } from '../../../src/state/index.js';
import { fakeJobs, overlaps, sleep, type RunRecord } from '../../unit/server/fake-jobs.js';
import { tempProject, TEST_KEY } from '../../unit/server/helpers.js';

const PG = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `t_server_${randomBytes(4).toString('hex')}`;
const log = pino({ level: 'silent' });

/**
 * Two service instances, each with its own connection pool, on one Postgres state store: the
 * lease in the store, not process memory, keeps a sync from running twice at once.
 */
describe('two services on one Postgres state store', () => {
  const stores: StateStore[] = [];
  const temp = tempProject();
  const runs: RunRecord[] = [];
  const syncs = [
    { name: 'slow', schedule: '* * * * * *' },
    { name: 'quick', schedule: '* * * * * *' },
  ];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) stores.push(await openStateStore({ client: 'pg', connection: PG, schema }, temp.project.dir));
  });
  afterAll(async () => {
    for (const store of stores) await store.close();
    const admin = knexFactory({ client: 'pg', connection: PG });
    await admin.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.destroy();
    await temp.cleanup();
  });

  async function service(owner: string, store: StateStore, ms: number) {
    const app = await createApp(temp.project, {
      store,
      logger: log,
      secretKey: TEST_KEY,
      webDir: null,
      jobs: fakeJobs({ owner, runs, syncs, ms, modelsMs: 400 }),
    });
    return { app, ctx: appContext(app) };
  }

  it('never run the same job twice at once: cron fires, run-now races, catch-up', async () => {
    const a = await service('A', stores[0]!, 1500);
    const b = await service('B', stores[1]!, 1500);
    const admin = await a.ctx.users.create({ email: 'admin@example.com', role: 'admin', password: 'password-admin' });
    const token = (await a.ctx.tokens.create(admin.id, 't')).token;

    // 1. Twenty simultaneous "run the pipeline now" requests split over both instances: one 202, the rest 409.
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(i % 2 ? a.app : b.app).post('/api/runs').set('Authorization', `Bearer ${token}`).send({})),
    );
    expect(responses.filter((r) => r.status === 202)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(19);
    expect(responses.find((r) => r.status === 409)!.body.error.code).toBe('CONFLICT');
    await Promise.all([a.ctx.scheduler.idle(), b.ctx.scheduler.idle()]);
    expect(runs.filter((r) => r.job === 'models')).toHaveLength(1);

    // Each instance can run a job when nobody else holds it.
    const user = { type: 'user', id: '1', email: null } as const;
    await a.ctx.scheduler.runNow('sync:quick', user);
    await a.ctx.scheduler.idle();
    await b.ctx.scheduler.runNow('sync:quick', user);
    await b.ctx.scheduler.idle();
    expect(runs.filter((r) => r.job === 'sync:quick').map((r) => r.owner)).toEqual(['A', 'B']);

    // 2. Both schedulers fire every second; runs of `slow` take 1.5 s, so fires land while it runs.
    await Promise.all([a.ctx.scheduler.start(), b.ctx.scheduler.start()]);
    // Meanwhile people press "run now" on both instances.
    for (let i = 0; i < 10; i++) {
      await Promise.allSettled([a.ctx.scheduler.runNow('sync:quick', user), b.ctx.scheduler.runNow('sync:quick', user)]);
      await sleep(400);
    }
    await Promise.all([a.ctx.scheduler.stop({ timeoutMs: 5000 }), b.ctx.scheduler.stop({ timeoutMs: 5000 })]);

    const slow = runs.filter((r) => r.job === 'sync:slow');
    const quick = runs.filter((r) => r.job === 'sync:quick');
    expect(slow.length).toBeGreaterThanOrEqual(2);
    expect(quick.length).toBeGreaterThanOrEqual(5);
    expect(overlaps(runs)).toEqual([]);
    const states = await stores[0]!.knex('scheduler_state').where({ name: 'sync:slow' }).first();
    expect(['success', 'skipped']).toContain(states.last_status);
    expect(await stores[0]!.knex('scheduler_locks').select('*')).toEqual([]);
  });
});
