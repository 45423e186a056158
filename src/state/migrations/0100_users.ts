import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/** People who can log in; emails stored lower-cased; password_hash is scrypt (null: token-only user). */
export const migration: Migration = {
  name: '0100_users',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('users', (t) => {
      t.increments('id').primary();
      t.string('email', 320).notNullable().unique();
      t.string('name', 200).nullable();
      t.string('role', 16).notNullable();
      t.string('password_hash', 255).nullable();
      t.boolean('disabled').notNullable().defaultTo(false);
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('users');
  },
};
