import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Alert state (src/alerts): one row per alert that can fire (`failure:<sync>`, `stale:<sync>`...),
 * so the same alert is sent once until it is resolved or changes (another error, another
 * snapshot). Times are epoch milliseconds.
 */
export const migration: Migration = {
  name: '0500_alerts',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('alert_state', (t) => {
      t.string('key', 300).primary();
      t.string('kind', 32).notNullable(); // failure | partial | stale | audience_change
      t.string('sync', 200).notNullable();
      t.boolean('firing').notNullable();
      t.string('fingerprint', 128).notNullable();
      t.text('title').notNullable();
      t.text('link').nullable();
      t.bigInteger('sent_at').notNullable();
      t.bigInteger('resolved_at').nullable();
      t.integer('sends').notNullable().defaultTo(1);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('alert_state');
  },
};
