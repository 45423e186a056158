import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/** Append-only record of who changed or ran what. */
export const migration: Migration = {
  name: '0103_audit_log',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('audit_log', (t) => {
      t.increments('id').primary();
      t.bigInteger('at').notNullable();
      t.string('actor_type', 16).notNullable();
      t.string('actor_id', 64).nullable();
      t.string('actor_email', 320).nullable();
      t.string('action', 64).notNullable();
      t.string('resource_type', 32).notNullable();
      t.string('resource_id', 255).nullable();
      t.string('outcome', 8).notNullable().defaultTo('ok');
      t.text('details').nullable();
      t.index(['at']);
      t.index(['action']);
      t.index(['resource_type', 'resource_id']);
      t.index(['actor_email']);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('audit_log');
  },
};
