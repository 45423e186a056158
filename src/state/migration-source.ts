import type { Knex } from 'knex';
import type { Migration } from './types.js';

/** Feeds knex's migrator from the ordered list in code instead of scanning a directory. */
export class ListMigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly list: readonly Migration[]) {
    const seen = new Set<string>();
    for (const m of list) {
      if (seen.has(m.name)) throw new Error(`duplicate state migration name ${m.name}`);
      seen.add(m.name);
    }
  }

  getMigrations(): Promise<Migration[]> {
    return Promise.resolve([...this.list]);
  }

  getMigrationName(migration: Migration): string {
    return migration.name;
  }

  getMigration(migration: Migration): Promise<Knex.Migration> {
    return Promise.resolve({ up: (knex: Knex) => migration.up(knex), down: (knex: Knex) => migration.down(knex) });
  }
}
