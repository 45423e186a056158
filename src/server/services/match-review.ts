import { CdpError } from '../../errors.js';
import { IdentityTables, planIdentity, SqlRunner, type IdentityPlan } from '../../identity/index.js';
import { requireBuilt } from '../../identity/stats.js';
import { explainRecordPair, type PairExplanation, type RecordRef } from '../../identity/probabilistic/explain.js';
import { readModel, type StoredModel } from '../../identity/probabilistic/read.js';
import { nearThresholdPairs, profileLinkPairs, REVIEW_MAX_BAND, thresholdProbability, type ReviewPairRow } from '../../identity/probabilistic/review.js';
import type { ProbabilisticConfig } from '../../config/index.js';
import type { Actor } from '../../state/index.js';
import { MatchReviewStore, pairKey, type MatchReview, type ReviewAnswer } from '../../state/index.js';
import { maskValue } from '../../util/mask.js';
import type { ServerContext } from '../context.js';

/** What the caller may see: record keys (profiles:read) and compared field values (pii:read). */
export interface PairView {
  keys: boolean;
  values: boolean;
}

export interface ReviewItem {
  /** Position in the queue as listed (1 = closest to the threshold): tells items apart when keys are masked. */
  rank: number;
  left: RecordRef;
  right: RecordRef;
  matchProbability: number;
  matchWeight: number;
  /** Distance of the match probability from the threshold. */
  distance: number;
  linked: boolean;
  review: { answer: ReviewAnswer; by: string | null; at: Date } | null;
}

interface Scope {
  sql: SqlRunner;
  plan: IdentityPlan;
  t: IdentityTables;
  config: ProbabilisticConfig;
  model: StoredModel;
}

const HIDDEN = String(maskValue('x'));

/**
 * The probabilistic model's explain and review (docs/probabilistic.md, "Review"): record pairs
 * explained field by field, the queue of pairs near the threshold, and the answers (stored in
 * `match_reviews`, audited), which the next full build trains on as labels.
 */
export class MatchReviewService {
  private readonly reviews: MatchReviewStore;

  constructor(private readonly ctx: ServerContext) {
    this.reviews = new MatchReviewStore(ctx.knex);
  }

  private async scope(): Promise<Scope> {
    const identity = this.ctx.project.config.identity;
    const config = identity?.probabilistic;
    if (!identity || !config) {
      throw new CdpError('NOT_FOUND', 'probabilistic matching is not configured', { hint: 'add identity.probabilistic to the config (docs/probabilistic.md)' });
    }
    const plan = planIdentity(this.ctx.project, identity);
    const warehouse = await this.ctx.project.warehouse();
    const sql = new SqlRunner(warehouse);
    const t = new IdentityTables(plan.schema);
    await requireBuilt(sql, t);
    const model = await readModel(warehouse, plan.schema);
    if (!model) throw new CdpError('NOT_FOUND', 'no probabilistic model has been trained yet', { hint: 'run a full build: `cdp run --full-refresh`' });
    return { sql, plan, t, config, model };
  }

  /** One pair of participating records, field by field (prior, each level's m, u and weight, term frequency, probability). */
  async explain(left: RecordRef, right: RecordRef, view: PairView): Promise<PairExplanation & { threshold: number }> {
    const s = await this.scope();
    const pair = await explainRecordPair(s.sql, s.plan, s.t, s.config, s.model, left, right);
    if (!pair) {
      throw new CdpError('NOT_FOUND', 'one of these records does not take part in probabilistic matching', {
        hint: 'give the source and key of records of the participating sources (identity.probabilistic.sources) that have a usable identifier',
      });
    }
    return { ...maskPair(pair, view), threshold: thresholdProbability(s.config) };
  }

  /** The stored probabilistic pairs of a profile's records, each explained (at most `limit`). */
  async profileMatches(profileId: string, limit: number, view: PairView): Promise<{ threshold: number; total: number; pairs: Array<{ linked: boolean; storedProbability: number; explanation: PairExplanation | null }> }> {
    const s = await this.scope();
    const found = await s.sql.query(`SELECT 1 AS x FROM ${s.sql.rel(s.t.output('resolved'))} WHERE profile_id = ${s.sql.d.literal(profileId)} ${s.sql.d.limit(1)}`);
    if (!found.length) throw new CdpError('NOT_FOUND', `no profile ${profileId}`, { hint: 'look the profile up by an identifier first' });
    const { total, rows } = await profileLinkPairs(s.sql, s.plan.schema, s.t.output('resolved'), profileId, limit);
    const pairs = [];
    for (const row of rows) {
      const pair = await explainRecordPair(s.sql, s.plan, s.t, s.config, s.model, { source: row.sourceL, recordKey: row.recordKeyL }, { source: row.sourceR, recordKey: row.recordKeyR });
      pairs.push({ linked: row.linked, storedProbability: row.matchProbability, explanation: pair ? maskPair(pair, view) : null });
    }
    return { threshold: thresholdProbability(s.config), total, pairs };
  }

  /**
   * The review queue: pairs whose match probability is within `band` of the threshold, closest
   * first. `open` leaves answered pairs out (answers are few: made by people, read whole).
   */
  async queue(options: { band: number; offset: number; limit: number; status: 'open' | 'all' }, view: PairView) {
    const s = await this.scope();
    const band = Math.min(options.band, REVIEW_MAX_BAND);
    const answered = options.status === 'open' ? await this.reviews.answeredKeys() : new Set<string>();
    // Answered pairs are dropped after paging in SQL: read enough rows that the page is still full.
    const take = options.offset + options.limit + 1 + answered.size;
    const { total, rows } = await nearThresholdPairs(s.sql, s.plan.schema, s.config, { band, skip: options.status === 'open' ? 0 : options.offset, take: options.status === 'open' ? take : options.limit + 1 });
    const open = options.status === 'open' ? rows.filter((r) => !answered.has(keyOf(r))).slice(options.offset) : rows;
    const page = open.slice(0, options.limit);
    const reviews = await this.reviews.forPairs(page.map((r) => [side(r, 'l'), side(r, 'r')]));
    const threshold = thresholdProbability(s.config);
    const counts = await this.reviews.counts();
    return {
      threshold,
      band,
      total,
      answers: counts,
      offset: options.offset,
      hasMore: open.length > options.limit,
      items: page.map((r, i): ReviewItem => {
        const review = reviews.get(keyOf(r));
        return {
          rank: options.offset + i + 1,
          left: maskRef(side(r, 'l'), view),
          right: maskRef(side(r, 'r'), view),
          matchProbability: r.matchProbability,
          matchWeight: r.matchWeight,
          distance: Math.abs(r.matchProbability - threshold),
          linked: r.linked,
          review: review ? { answer: review.answer, by: view.keys ? review.answeredBy.email : null, at: review.answeredAt } : null,
        };
      }),
    };
  }

  /** Stores an answer (audited). The pair must be two participating records; its current probability is kept with the answer. */
  async answer(left: RecordRef, right: RecordRef, answer: ReviewAnswer, actor: Actor): Promise<MatchReview> {
    const s = await this.scope();
    if (left.source === right.source && left.recordKey === right.recordKey) {
      throw new CdpError('INVALID_INPUT', 'a record cannot be paired with itself', { location: { path: 'body.right' }, hint: 'give two different records' });
    }
    const pair = await explainRecordPair(s.sql, s.plan, s.t, s.config, s.model, left, right);
    if (!pair) {
      throw new CdpError('NOT_FOUND', 'one of these records does not take part in probabilistic matching', { hint: 'answer pairs from the review queue (GET /api/identity/review)' });
    }
    const review = await this.reviews.answer(left, right, answer, { id: actor.id, email: actor.email }, pair.probability);
    await this.ctx.audit.record({
      actor,
      action: 'identity.review',
      resourceType: 'record_pair',
      resourceId: pairKey(left, right),
      details: { answer, matchProbability: Number(pair.probability.toFixed(6)) },
    });
    return review;
  }
}

function side(r: ReviewPairRow, x: 'l' | 'r'): RecordRef {
  return x === 'l' ? { source: r.sourceL, recordKey: r.recordKeyL } : { source: r.sourceR, recordKey: r.recordKeyR };
}

function keyOf(r: ReviewPairRow): string {
  return pairKey(side(r, 'l'), side(r, 'r'));
}

function maskRef(ref: RecordRef, view: PairView): RecordRef {
  return view.keys ? ref : { source: ref.source, recordKey: HIDDEN };
}

/** Compared values are personal data (names, birth dates, addresses): only roles with pii:read see them. */
export function maskPair(pair: PairExplanation, view: PairView): PairExplanation {
  const value = (v: string | null) => (v === null || view.values ? v : HIDDEN);
  return {
    ...pair,
    left: maskRef(pair.left, view),
    right: maskRef(pair.right, view),
    fields: pair.fields.map((f) => ({ ...f, left: value(f.left), right: value(f.right) })),
  };
}
