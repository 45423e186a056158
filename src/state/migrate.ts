import type { Knex } from 'knex';
import type pg from 'pg';
import { ListMigrationSource } from './migration-source.js';
import type { Migration, StateDialect } from './types.js';

const LOCKED_RETRY_MS = 200;
const LOCKED_TIMEOUT_MS = 60_000;

function migratorConfig(list: readonly Migration[], schema: string | undefined): Knex.MigratorConfig {
  return {
    migrationSource: new ListMigrationSource(list),
    tableName: 'knex_migrations',
    ...(schema ? { schemaName: schema } : {}),
  };
}

/**
 * Brings the store's schema up to date. On Postgres a session advisory lock (held on its own
 * connection) serialises processes, so two services starting together never race on DDL; on
 * SQLite knex's lock table does, and we wait while another process holds it.
 */
export async function migrateToLatest(
  knex: Knex,
  dialect: StateDialect,
  schema: string | undefined,
  list: readonly Migration[],
  key: string,
): Promise<void> {
  const config = migratorConfig(list, schema);
  if (dialect === 'sqlite') {
    // better-sqlite3 is synchronous: a second store in this process waiting on the first one's
    // write lock would block the event loop the first needs to finish. Queue them instead.
    await inProcessQueue(key, () => retryWhileLocked(() => knex.migrate.latest(config)));
    return;
  }
  const lockKey = `cdp_state:${schema ?? ''}`;
  const client = (await knex.client.acquireConnection()) as pg.Client;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replaceAll('"', '""')}"`);
      await retryWhileLocked(() => knex.migrate.latest(config));
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } finally {
    await knex.client.releaseConnection(client);
  }
}

const queues = new Map<string, Promise<unknown>>();

function inProcessQueue<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => undefined);
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

async function retryWhileLocked<T>(work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCKED_TIMEOUT_MS;
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if ((error as Error).name !== 'MigrationLocked' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, LOCKED_RETRY_MS));
    }
  }
}
