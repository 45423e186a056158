import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Scheduler state shared by every `cdp serve` process on one state store:
 * - scheduler_locks: one lease per job (owner + expires_at), taken with a conditional write;
 * - scheduler_state: per job, its cron, paused flag and the last claimed fire time (so each fire
 *   runs once across processes, and a fire missed while no process ran is caught up once).
 */
export const migration: Migration = {
  name: '0106_schedules_locks',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('scheduler_locks', (t) => {
      t.string('name', 255).primary();
      t.string('owner', 128).notNullable();
      t.bigInteger('acquired_at').notNullable();
      t.bigInteger('expires_at').notNullable();
    });
    await knex.schema.createTable('scheduler_state', (t) => {
      t.string('name', 255).primary();
      t.string('cron', 128).nullable();
      t.boolean('paused').notNullable().defaultTo(false);
      t.bigInteger('last_fire_at').nullable();
      t.bigInteger('next_fire_at').nullable();
      t.bigInteger('last_started_at').nullable();
      t.bigInteger('last_finished_at').nullable();
      t.string('last_status', 16).nullable();
      t.text('last_error').nullable();
      t.string('last_trigger', 16).nullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('scheduler_state');
    await knex.schema.dropTableIfExists('scheduler_locks');
  },
};
