import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { CdpError } from '../errors.js';
import { logger } from '../logger.js';
import { syncJobKey } from '../scheduler/jobs.js';
import { LeaseStore, localOwner } from '../state/repositories/leases.js';

const TTL_MS = 60_000;
const OWNER_KIND = 'sync-run';

/** A held sync lease: renewed in the background until released. */
export interface HeldSyncLease {
  release(): Promise<void>;
}

/**
 * Takes the sync's lease in the state store, the same one the service's scheduler and privacy
 * deletions take, so a run from the CLI never overlaps a scheduled run, a "run now" or a deletion
 * of someone in this sync, in this process or another. CONFLICT names who holds it.
 */
export async function takeSyncLease(knex: Knex, sync: string): Promise<HeldSyncLease> {
  const leases = new LeaseStore(knex, localOwner(OWNER_KIND, randomUUID()));
  const key = syncJobKey(sync);
  let acquired = await leases.acquire(key, TTL_MS);
  // A run killed on this machine (kill -9, a crash) would hold its lease until the TTL lapses;
  // when the holder's process is gone, it is released at once.
  if (!acquired && (await leases.releaseIfDeadLocal(key))) acquired = await leases.acquire(key, TTL_MS);
  if (!acquired) {
    const holder = await leases.holder(key);
    throw new CdpError('CONFLICT', `sync ${sync} is already running${holder ? ` (${holder.owner}, since ${holder.acquiredAt.toISOString()})` : ''}`, {
      hint: 'wait for it to finish (a scheduled run in `cdp serve`, a run now, or a privacy deletion)',
    });
  }
  const heartbeat = setInterval(() => {
    leases.renew(key, TTL_MS).catch((error: unknown) => logger.error({ err: error, sync }, 'sync lease renewal failed'));
  }, TTL_MS / 3);
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      await leases.release(key);
    },
  };
}
