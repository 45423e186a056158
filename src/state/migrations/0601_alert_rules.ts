import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Alert rules made through the API/UI (rules in git live in cdp.config.ts `alerts`). `scope` is a
 * sync's name or `*` (every sync); `definition` is the rule and its channel as JSON, with secrets
 * (a webhook URL, an SMTP password) only as `{secret: name}` references to the encrypted store.
 */
export const migration: Migration = {
  name: '0601_alert_rules',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('alert_rules', (t) => {
      t.string('name', 100).primary();
      t.string('scope', 200).notNullable();
      t.text('definition').notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
      t.string('created_by', 320).nullable();
      t.string('updated_by', 320).nullable();
      t.index(['scope']);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('alert_rules');
  },
};
