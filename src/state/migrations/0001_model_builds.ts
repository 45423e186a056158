import type { Migration } from '../types.js';

/** Model build history: one row per model built by `cdp run` (or the scheduler). */
export const migration: Migration = {
  name: '0001_model_builds',
  async up(knex) {
    await knex.schema.createTable('model_builds', (t) => {
      t.bigIncrements('id').primary();
      t.string('model', 512).notNullable();
      t.timestamp('started_at', { useTz: true }).notNullable();
      t.timestamp('finished_at', { useTz: true }).notNullable();
      t.bigInteger('rows').nullable();
      t.enu('status', ['success', 'error', 'skipped']).notNullable();
      t.text('error').nullable();
      t.bigInteger('duration_ms').notNullable();
      t.index(['model', 'started_at'], 'model_builds_model_started_idx');
    });
  },
  async down(knex) {
    await knex.schema.dropTable('model_builds');
  },
};
