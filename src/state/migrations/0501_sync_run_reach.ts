import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/** What the vendor made of a run's rows (syncs/reach.ts): JSON {source, received, invalid, matched, audienceSize, matchRate}. */
export const migration: Migration = {
  name: '0501_sync_run_reach',
  async up(knex: Knex): Promise<void> {
    await knex.schema.alterTable('sync_runs', (t) => {
      t.text('reach').nullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.alterTable('sync_runs', (t) => {
      t.dropColumn('reach');
    });
  },
};
