import type { Knex } from 'knex';

/**
 * One step of the state store's schema. Files are src/state/migrations/NNNN_name.ts, listed in
 * order in src/state/migrations/index.ts; `name` is what the knex_migrations table records, so it
 * never changes once released.
 */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Which engine holds the state: SQL that differs (rare) branches on it. */
export type StateDialect = 'sqlite' | 'pg';
