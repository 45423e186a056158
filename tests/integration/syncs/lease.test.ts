import { afterAll, beforeAll, expect, it } from 'vitest';
import { isCdpError } from '../../../src/errors.js';
import { LeaseStore, syncJobKey } from '../../../src/scheduler/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { SyncHistory } from '../../../src/state/index.js';
import { loadPeople, makeProject, people, type TestProject } from './helpers.js';
import { memoryDestination, memorySyncYaml } from './memory-destination.js';

/**
 * A run from the CLI takes the same lease in the state store as the service's scheduler and a
 * privacy deletion: it never overlaps them, and gives the lease back when done.
 */
let t: TestProject;
beforeAll(async () => {
  t = await makeProject();
  await loadPeople(t.project, people(5));
});
afterAll(async () => t.close());

it('refuses to run while another process holds the sync, runs once it is released, and releases its own lease', async () => {
  const dest = memoryDestination();
  t.writeSync('leased', memorySyncYaml('leased', dest.type));
  const knex = (await t.project.state()).knex;
  const service = new LeaseStore(knex, 'service-on-another-host/1');
  expect(await service.acquire(syncJobKey('leased'), 60_000)).toBe(true);

  const refused = await runSync(t.project, 'leased').then(
    () => null,
    (error: unknown) => error,
  );
  expect(isCdpError(refused) && refused.code).toBe('CONFLICT');
  expect((refused as Error).message).toMatch(/sync leased is already running \(service-on-another-host\/1, since /);
  expect(dest.calls).toEqual([]);

  // The scheduler runs it under the lease it holds.
  expect((await runSync(t.project, 'leased', { leaseHeld: true })).status).toBe('success');
  await service.release(syncJobKey('leased'));

  expect((await runSync(t.project, 'leased', { full: true })).status).toBe('success');
  expect(await knex('scheduler_locks').where({ name: syncJobKey('leased') })).toEqual([]);
});

it('takes over at once from a run of this host whose process is gone (kill -9), not from a live one', async () => {
  const dest = memoryDestination();
  t.writeSync('orphaned', memorySyncYaml('orphaned', dest.type));
  const knex = (await t.project.state()).knex;
  const { hostname } = await import('node:os');
  // A pid that cannot be alive (above the kernel's pid_max).
  const dead = new LeaseStore(knex, `sync-run/${hostname()}/99999999/lost`);
  expect(await dead.acquire(syncJobKey('orphaned'), 60_000)).toBe(true);
  expect((await runSync(t.project, 'orphaned')).status).toBe('success');

  const alive = new LeaseStore(knex, `sync-run/${hostname()}/${process.pid}/busy`);
  expect(await alive.acquire(syncJobKey('orphaned'), 60_000)).toBe(true);
  await expect(runSync(t.project, 'orphaned')).rejects.toThrow(/already running/);
  await alive.release(syncJobKey('orphaned'));
});

it('the lease alone says a sync is running: a second run in the same process is refused by it, naming this process', async () => {
  const dest = memoryDestination();
  t.writeSync('twice', memorySyncYaml('twice', dest.type));
  const knex = (await t.project.state()).knex;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let started!: () => void;
  const holding = new Promise<void>((resolve) => (started = resolve));
  // The first run holds the lease and waits at the start of its history until the second has been refused.
  class GatedHistory extends SyncHistory {
    override async start(...args: Parameters<SyncHistory['start']>): ReturnType<SyncHistory['start']> {
      started();
      await gate;
      return super.start(...args);
    }
  }
  const first = runSync(t.project, 'twice', { history: new GatedHistory(knex) });
  await holding;
  const refused = await runSync(t.project, 'twice').then(
    () => null,
    (error: unknown) => error,
  );
  open();
  expect(isCdpError(refused) && refused.code).toBe('CONFLICT');
  const { hostname } = await import('node:os');
  expect((refused as Error).message).toContain(`sync twice is already running (sync-run/${hostname()}/${process.pid}/`);
  expect((await first).status).toBe('success');
  expect(dest.records.size).toBe(5);
  expect(await knex('scheduler_locks').where({ name: syncJobKey('twice') })).toEqual([]);
});
