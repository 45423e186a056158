import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/** Browser sessions; id is the SHA-256 of the cookie's token. Times are epoch milliseconds. */
export const migration: Migration = {
  name: '0101_sessions',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('sessions', (t) => {
      t.string('id', 64).primary();
      t.integer('user_id').notNullable().references('id').inTable('users').onDelete('CASCADE');
      t.bigInteger('created_at').notNullable();
      t.bigInteger('expires_at').notNullable();
      t.index(['user_id']);
      t.index(['expires_at']);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('sessions');
  },
};
