import type { Knex } from 'knex';
import type { Migration } from '../types.js';

/**
 * Answers of the probabilistic review queue (docs/probabilistic.md, "Review"): one row per record
 * pair (sides in a canonical order, see MatchReviewStore), the latest answer and who gave it when
 * (every answer is also in the audit log). `match` / `non_match` answers are training labels;
 * `skip` only takes the pair out of the queue. Times are epoch milliseconds.
 */
export const migration: Migration = {
  name: '0621_match_reviews',
  async up(knex: Knex): Promise<void> {
    await knex.schema.createTable('match_reviews', (t) => {
      t.string('source_l', 200).notNullable();
      t.string('record_key_l', 500).notNullable();
      t.string('source_r', 200).notNullable();
      t.string('record_key_r', 500).notNullable();
      t.string('answer', 16).notNullable(); // match | non_match | skip
      t.double('match_probability').nullable(); // the pair's probability when it was answered
      t.string('answered_by', 64).nullable(); // user id
      t.string('answered_by_email', 320).nullable();
      t.bigInteger('answered_at').notNullable();
      t.primary(['source_l', 'record_key_l', 'source_r', 'record_key_r']);
    });
  },
  async down(knex: Knex): Promise<void> {
    await knex.schema.dropTableIfExists('match_reviews');
  },
};
