import type { Knex } from 'knex';
import { z } from 'zod';
import { intColumn } from '../time.js';

export const REVIEW_ANSWERS = ['match', 'non_match', 'skip'] as const;
export type ReviewAnswer = (typeof REVIEW_ANSWERS)[number];

export interface RecordSide {
  source: string;
  recordKey: string;
}

/** A record pair with its sides in canonical order (by source, then record key): the same pair whichever way it is given. */
export interface CanonicalPair {
  left: RecordSide;
  right: RecordSide;
}

export interface MatchReview extends CanonicalPair {
  answer: ReviewAnswer;
  /** The pair's match probability when it was answered (null: not known to the caller). */
  matchProbability: number | null;
  answeredBy: { id: string | null; email: string | null };
  answeredAt: Date;
}

const TABLE = 'match_reviews';

const rowSchema = z.object({
  source_l: z.string(),
  record_key_l: z.string(),
  source_r: z.string(),
  record_key_r: z.string(),
  answer: z.enum(REVIEW_ANSWERS),
  match_probability: z.union([z.number(), z.string()]).nullable(),
  answered_by: z.string().nullable(),
  answered_by_email: z.string().nullable(),
  answered_at: intColumn,
});

export function canonicalPair(a: RecordSide, b: RecordSide): CanonicalPair {
  const before = a.source < b.source || (a.source === b.source && a.recordKey <= b.recordKey);
  return before ? { left: a, right: b } : { left: b, right: a };
}

/** A stable text key of a pair (for maps): sides in canonical order. */
export function pairKey(a: RecordSide, b: RecordSide): string {
  const { left, right } = canonicalPair(a, b);
  return JSON.stringify([left.source, left.recordKey, right.source, right.recordKey]);
}

/**
 * The `match_reviews` table (migration 0621_match_reviews): the latest answer per record pair of
 * the probabilistic review queue. Answering again replaces the answer (the audit log keeps each one).
 */
export class MatchReviewStore {
  constructor(private readonly knex: Knex) {}

  async answer(a: RecordSide, b: RecordSide, answer: ReviewAnswer, by: { id: string | null; email: string | null }, matchProbability: number | null): Promise<MatchReview> {
    const { left, right } = canonicalPair(a, b);
    const where = { source_l: left.source, record_key_l: left.recordKey, source_r: right.source, record_key_r: right.recordKey };
    const values = { answer, match_probability: matchProbability, answered_by: by.id, answered_by_email: by.email, answered_at: Date.now() };
    await this.knex.transaction(async (trx) => {
      const updated = await trx(TABLE).where(where).update(values);
      if (!updated) await trx(TABLE).insert({ ...where, ...values });
    });
    return this.toReview(await this.knex(TABLE).where(where).first());
  }

  /** The answers of these pairs (keyed by pairKey), for a page of the queue. */
  async forPairs(pairs: Array<[RecordSide, RecordSide]>): Promise<Map<string, MatchReview>> {
    const out = new Map<string, MatchReview>();
    for (let i = 0; i < pairs.length; i += 200) {
      const chunk = pairs.slice(i, i + 200).map(([a, b]) => canonicalPair(a, b));
      const rows: unknown[] = await this.knex(TABLE).where((qb) => {
        for (const { left, right } of chunk) qb.orWhere({ source_l: left.source, record_key_l: left.recordKey, source_r: right.source, record_key_r: right.recordKey });
      });
      for (const row of rows) {
        const review = this.toReview(row);
        out.set(pairKey(review.left, review.right), review);
      }
    }
    return out;
  }

  /** Every answered pair's key (the queue leaves them out). Answers are made by people: a bounded list. */
  async answeredKeys(): Promise<Set<string>> {
    const rows: Array<{ source_l: string; record_key_l: string; source_r: string; record_key_r: string }> = await this.knex(TABLE).select('source_l', 'record_key_l', 'source_r', 'record_key_r');
    return new Set(rows.map((r) => pairKey({ source: r.source_l, recordKey: r.record_key_l }, { source: r.source_r, recordKey: r.record_key_r })));
  }

  /** The answers that are labels (match / non_match), oldest first, in pages of `size` (streamed to the warehouse by the build). */
  async *labels(size = 1000): AsyncGenerator<Array<CanonicalPair & { isMatch: boolean }>> {
    for (let offset = 0; ; offset += size) {
      const rows: unknown[] = await this.knex(TABLE).whereIn('answer', ['match', 'non_match']).orderBy(['source_l', 'record_key_l', 'source_r', 'record_key_r']).limit(size).offset(offset);
      if (!rows.length) return;
      yield rows.map((row) => {
        const review = this.toReview(row);
        return { left: review.left, right: review.right, isMatch: review.answer === 'match' };
      });
      if (rows.length < size) return;
    }
  }

  /**
   * Forgets every answer about a pair with one of these records on either side (right to erasure):
   * deletes them, or in a dry run counts them. Returns how many pairs that is.
   */
  async forgetRecords(records: RecordSide[], options: { dryRun: boolean }): Promise<number> {
    const forgotten = new Set<string>();
    for (let i = 0; i < records.length; i += 200) {
      const chunk = records.slice(i, i + 200);
      const touching = (qb: Knex.QueryBuilder) => {
        for (const r of chunk) {
          qb.orWhere({ source_l: r.source, record_key_l: r.recordKey });
          qb.orWhere({ source_r: r.source, record_key_r: r.recordKey });
        }
      };
      const rows: Array<{ source_l: string; record_key_l: string; source_r: string; record_key_r: string }> = await this.knex(TABLE)
        .where(touching)
        .select('source_l', 'record_key_l', 'source_r', 'record_key_r');
      for (const r of rows) forgotten.add(pairKey({ source: r.source_l, recordKey: r.record_key_l }, { source: r.source_r, recordKey: r.record_key_r }));
      if (!options.dryRun) await this.knex(TABLE).where(touching).delete();
    }
    return forgotten.size;
  }

  /** How many pairs have each answer. */
  async counts(): Promise<Record<ReviewAnswer, number>> {
    const rows: Array<{ answer: string; n: unknown }> = await this.knex(TABLE).select('answer').count({ n: '*' }).groupBy('answer');
    const out: Record<ReviewAnswer, number> = { match: 0, non_match: 0, skip: 0 };
    for (const row of rows) if ((REVIEW_ANSWERS as readonly string[]).includes(row.answer)) out[row.answer as ReviewAnswer] = Number(row.n);
    return out;
  }

  private toReview(row: unknown): MatchReview {
    const r = rowSchema.parse(row);
    return {
      left: { source: r.source_l, recordKey: r.record_key_l },
      right: { source: r.source_r, recordKey: r.record_key_r },
      answer: r.answer,
      matchProbability: r.match_probability === null ? null : Number(r.match_probability),
      answeredBy: { id: r.answered_by, email: r.answered_by_email },
      answeredAt: new Date(r.answered_at),
    };
  }
}
