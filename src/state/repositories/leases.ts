import { hostname } from 'node:os';
import type { Knex } from 'knex';
import { toMs } from '../time.js';

/** Whether a process of this machine is running (EPERM: alive, but another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An owner name `<kind>/<host>/<pid>/<unique>`: lets a dead local holder's lease be taken over. */
export function localOwner(kind: string, unique: string): string {
  return `${kind}/${hostname()}/${process.pid}/${unique}`;
}

export interface LeaseInfo {
  name: string;
  owner: string;
  acquiredAt: Date;
  expiresAt: Date;
}

/**
 * One lease per job in the state store, so at most one run of a job happens at a time even when
 * several `cdp serve` processes share the store. `owner` identifies one run (process id + run
 * number), so two runs in one process exclude each other too. Taking a lease is two single-statement writes,
 * atomic on SQLite and Postgres alike:
 *   1. insert the row if there is none (ON CONFLICT DO NOTHING);
 *   2. UPDATE ... SET owner = me WHERE name = ? AND (owner = me OR expires_at < now).
 * Under Postgres READ COMMITTED a concurrent UPDATE of the same row re-checks the WHERE clause after
 * the other commits, so only one of two racing processes sees 1 updated row. A crashed holder's
 * lease lapses after its TTL; live holders renew it while they work.
 *
 * Times come from each process's clock (epoch ms): processes sharing a store need synced clocks
 * (NTP), with skew well under the lease TTL.
 */
export class LeaseStore {
  constructor(
    private readonly knex: Knex,
    readonly owner: string,
  ) {}

  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    await this.knex('scheduler_locks')
      .insert({ name, owner: this.owner, acquired_at: now, expires_at: now + ttlMs })
      .onConflict('name')
      .ignore();
    const updated = await this.knex('scheduler_locks')
      .where({ name })
      .andWhere((q) => q.where('owner', this.owner).orWhere('expires_at', '<', now))
      .update({ owner: this.owner, acquired_at: now, expires_at: now + ttlMs });
    return updated === 1;
  }

  /** Extends a held lease; false when it was lost (expired and taken by another process). */
  async renew(name: string, ttlMs: number): Promise<boolean> {
    const updated = await this.knex('scheduler_locks')
      .where({ name, owner: this.owner })
      .update({ expires_at: Date.now() + ttlMs });
    return updated === 1;
  }

  async release(name: string): Promise<void> {
    await this.knex('scheduler_locks').where({ name, owner: this.owner }).delete();
  }

  async releaseAll(): Promise<void> {
    await this.knex('scheduler_locks').where({ owner: this.owner }).delete();
  }

  /**
   * Releases the lease when its holder (an owner made by `localOwner`) is a process of this host
   * that is gone (kill -9, a crash): only that exact holder's row. True when released.
   */
  async releaseIfDeadLocal(name: string): Promise<boolean> {
    const holder = await this.holder(name);
    const [, host, pid] = holder?.owner.split('/') ?? [];
    if (!holder || host !== hostname() || !pid || !/^\d+$/.test(pid) || processAlive(Number(pid))) return false;
    await this.knex('scheduler_locks').where({ name, owner: holder.owner }).delete();
    return true;
  }

  /** The live holder of a lease, if any. */
  async holder(name: string): Promise<LeaseInfo | undefined> {
    const row = await this.knex('scheduler_locks')
      .where({ name })
      .first<{ name: string; owner: string; acquired_at: unknown; expires_at: unknown } | undefined>('*');
    if (!row || toMs(row.expires_at) < Date.now()) return undefined;
    return { name: row.name, owner: row.owner, acquiredAt: new Date(toMs(row.acquired_at)), expiresAt: new Date(toMs(row.expires_at)) };
  }
}
