import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Privacy requests (right to erasure, access exports). The person is named only by the SHA-256 of
 * the identifier value: the state store never holds the raw value. `report` is the JSON of what
 * was done (counts, destinations, errors — no raw identifiers). Times are epoch milliseconds.
 */
export const migration: Migration = {
  name: '0400_privacy_requests',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('privacy_requests', (t) => {
      t.string('id', 64).primary();
      t.string('kind', 16).notNullable(); // delete | export
      t.string('id_type', 100).notNullable();
      t.string('value_sha256', 64).notNullable();
      t.string('status', 16).notNullable(); // running | completed | failed
      t.string('requested_by', 320).nullable();
      t.bigInteger('created_at').notNullable();
      t.bigInteger('completed_at').nullable();
      t.text('report').nullable();
      t.index(['created_at'], 'privacy_requests_created_idx');
      t.index(['id_type', 'value_sha256'], 'privacy_requests_subject_idx');
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('privacy_requests');
  },
};
