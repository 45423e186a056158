import { afterAll, beforeAll, expect, it } from 'vitest';
import { isCdpError } from '../../../src/errors.js';
import { LeaseStore, syncJobKey } from '../../../src/scheduler/index.js';
import { runSync } from '../../../src/syncs/index.js';
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
