import type { Migration } from '../types.js';

/** Audiences made in the UI (audiences in git live as YAML files in the project instead). */
export const migration: Migration = {
  name: '0200_audiences',
  async up(knex) {
    await knex.schema.createTable('audiences', (t) => {
      t.string('id', 36).primary();
      t.string('name', 200).notNullable().unique();
      /** The definition as JSON text (portable across SQLite and Postgres). */
      t.text('definition').notNullable();
      t.string('created_by', 320).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('audiences');
  },
};
