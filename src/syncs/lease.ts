import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { CdpError } from '../errors.js';
import { logger } from '../logger.js';
import { syncJobKey } from '../scheduler/jobs.js';
import { LeaseStore } from '../state/repositories/leases.js';

const TTL_MS = 60_000;
const OWNER_PREFIX = 'sync-run/';

/**
 * A run killed on this machine (kill -9, a crash) leaves its lease until the TTL lapses: the next
 * run would be refused for up to a minute. When the holder is a sync run of this host whose
 * process is gone, its lease is released at once (only that exact holder's row).
 */
async function releaseIfDead(knex: Knex, leases: LeaseStore, key: string): Promise<boolean> {
  const holder = await leases.holder(key);
  const [host, pid] = holder?.owner.startsWith(OWNER_PREFIX) ? holder.owner.slice(OWNER_PREFIX.length).split('/') : [];
  if (!holder || host !== hostname() || !pid || processAlive(Number(pid))) return false;
  await knex('scheduler_locks').where({ name: key, owner: holder.owner }).delete();
  return true;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
  const leases = new LeaseStore(knex, `${OWNER_PREFIX}${hostname()}/${process.pid}/${randomUUID()}`);
  const key = syncJobKey(sync);
  let acquired = await leases.acquire(key, TTL_MS);
  if (!acquired && (await releaseIfDead(knex, leases, key))) acquired = await leases.acquire(key, TTL_MS);
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
