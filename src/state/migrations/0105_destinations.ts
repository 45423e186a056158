import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Destinations configured through the API. `config` is JSON in which secret fields are references
 * (`{"secret": "<name>"}`) to rows of `secrets`, never plaintext.
 */
export const migration: Migration = {
  name: '0105_destinations',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('destinations', (t) => {
      t.string('name', 100).primary();
      t.string('type', 64).notNullable();
      t.text('config').notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
      t.string('created_by', 320).nullable();
      t.string('updated_by', 320).nullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('destinations');
  },
};
