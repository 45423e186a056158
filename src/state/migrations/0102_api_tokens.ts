import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/** Bearer API tokens, stored as SHA-256; `prefix` is the visible start of the token for lists. */
export const migration: Migration = {
  name: '0102_api_tokens',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('api_tokens', (t) => {
      t.increments('id').primary();
      t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
      t.string('name', 200).notNullable();
      t.string('token_hash', 64).notNullable().unique();
      t.string('prefix', 16).notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('last_used_at').nullable();
      t.bigInteger('expires_at').nullable();
      t.index(['user_id']);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('api_tokens');
  },
};
