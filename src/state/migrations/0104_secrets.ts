import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/** Encrypted secrets (AES-256-GCM); key_id is the fingerprint of the key that encrypted them. */
export const migration: Migration = {
  name: '0104_secrets',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('secrets', (t) => {
      t.string('name', 255).primary();
      t.text('ciphertext').notNullable();
      t.string('key_id', 16).notNullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('updated_at').notNullable();
      t.string('updated_by', 320).nullable();
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('secrets');
  },
};
