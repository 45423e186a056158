import type { Migration } from '../types.js';

/**
 * Sync run history and delivery journal. Times are epoch milliseconds.
 * - sync_runs: one row per `sync run` (counts, first errors, status).
 * - sync_commits: the seq ranges of a plan whose results are committed (the checkpoint a rerun
 *   resumes from); kept until the plan is replaced.
 * - sync_row_log: rows that did not end ok (rejected/retryable, with the vendor's reason),
 *   searchable by key, pruned after N days. Every row of every run is in the warehouse log.
 */
export const migration: Migration = {
  name: '0300_sync_runs',
  async up(knex) {
    await knex.schema.createTable('sync_runs', (t) => {
      t.string('id', 64).primary();
      t.string('sync', 200).notNullable();
      t.string('destination_type', 64).notNullable();
      t.string('trigger', 32).notNullable();
      t.string('status', 32).notNullable(); // running | success | partial | failed | interrupted
      t.boolean('full').notNullable().defaultTo(false);
      t.bigInteger('started_at').notNullable();
      t.bigInteger('finished_at').nullable();
      t.string('resumed_plan', 64).nullable();
      t.bigInteger('planned').notNullable().defaultTo(0);
      t.bigInteger('sent').notNullable().defaultTo(0);
      t.bigInteger('ok').notNullable().defaultTo(0);
      t.bigInteger('rejected').notNullable().defaultTo(0);
      t.bigInteger('retryable').notNullable().defaultTo(0);
      t.bigInteger('retried').notNullable().defaultTo(0);
      t.bigInteger('added').notNullable().defaultTo(0);
      t.bigInteger('changed').notNullable().defaultTo(0);
      t.bigInteger('removed').notNullable().defaultTo(0);
      t.text('held_back').nullable(); // JSON {filter name: rows}
      t.bigInteger('plan_ms').nullable();
      t.text('first_errors').nullable(); // JSON [{key, op, status, error}]
      t.text('error').nullable();
      t.index(['sync', 'started_at'], 'sync_runs_sync_started_idx');
    });
    await knex.schema.createTable('sync_commits', (t) => {
      t.bigIncrements('id').primary();
      t.string('sync', 200).notNullable();
      t.string('plan_id', 64).notNullable();
      t.string('run_id', 64).notNullable();
      t.bigInteger('from_seq').notNullable(); // exclusive
      t.bigInteger('to_seq').notNullable(); // inclusive
      t.bigInteger('at').notNullable();
      t.index(['sync', 'plan_id', 'to_seq'], 'sync_commits_plan_idx');
    });
    await knex.schema.createTable('sync_row_log', (t) => {
      t.bigIncrements('id').primary();
      t.string('run_id', 64).notNullable();
      t.string('sync', 200).notNullable();
      t.string('plan_id', 64).notNullable();
      t.bigInteger('seq').notNullable();
      t.string('key', 512).notNullable();
      t.string('op', 16).notNullable();
      t.string('status', 16).notNullable();
      t.text('error').nullable();
      t.bigInteger('at').notNullable();
      t.index(['sync', 'key'], 'sync_row_log_sync_key_idx');
      t.index(['sync', 'plan_id', 'seq'], 'sync_row_log_plan_idx');
      t.index(['at'], 'sync_row_log_at_idx');
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('sync_row_log');
    await knex.schema.dropTableIfExists('sync_commits');
    await knex.schema.dropTableIfExists('sync_runs');
  },
};
