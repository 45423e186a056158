import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Syncs made through the API/UI (syncs in git live in syncs/*.yaml). `definition` is the sync as
 * JSON with its destination given by the name of a stored destination (table `destinations`).
 */
export const migration: Migration = {
  name: '0107_ui_syncs',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('ui_syncs', (t) => {
      t.string('name', 200).primary();
      t.string('destination', 100).notNullable();
      t.text('definition').notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
      t.string('created_by', 320).nullable();
      t.string('updated_by', 320).nullable();
      t.index(['destination']);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('ui_syncs');
  },
};
