import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import type { IdentityTables } from '../tables.js';
import { INCREMENTAL_SCRATCH } from './incremental.js';
import { planFields } from './model.js';
import { probabilityOf, thresholdWeight } from './score.js';
import { LINKS_TABLE } from './store.js';

/**
 * Scored pairs just below the threshold (match probability within REVIEW_MAX_BAND of it): with the
 * links table (the pairs at or above it) they make the review queue of pairs near the threshold.
 */
export const NEAR_TABLE = '_identity_prob_near';
/** The widest review band (in match probability, either side of the threshold) a build keeps pairs for. */
export const REVIEW_MAX_BAND = 0.25;

/** The threshold as a match probability. */
export function thresholdProbability(config: ProbabilisticConfig): number {
  return probabilityOf(thresholdWeight(config));
}

/**
 * Keeps the pairs scored below the threshold but within REVIEW_MAX_BAND of it in NEAR_TABLE
 * (same columns as the links table, without `linked`). A full build replaces the table; an
 * incremental build drops the rows of records that changed (new or changed this build) and adds
 * its newly scored pairs, so the table follows the data as the links table does.
 */
export async function storeNearPairs(sql: SqlRunner, t: IdentityTables, config: ProbabilisticConfig, options: { scored: RelationRef; records: RelationRef; incremental: boolean }): Promise<void> {
  const d = sql.d;
  const q = (n: string) => d.quoteIdent(n);
  const target = { schema: t.schema, name: NEAR_TABLE };
  const g = planFields(config).map((f) => q(f.gammaColumn));
  const low = Math.max(thresholdProbability(config) - REVIEW_MAX_BAND, 0);
  const near = (scored: RelationRef, records: RelationRef) =>
    `SELECT l.source AS source_l, l.record_key AS record_key_l, r.source AS source_r, r.record_key AS record_key_r,
            p.match_weight, p.match_probability, ${g.map((c) => `p.${c}`).join(', ')}
     FROM ${sql.rel(scored)} p JOIN ${sql.rel(records)} l ON l.rid = p.rid_l JOIN ${sql.rel(records)} r ON r.rid = p.rid_r
     WHERE p.match_weight < ${d.literal(thresholdWeight(config))} AND p.match_probability >= ${d.literal(low)}`;
  const stored = options.incremental && (await sql.exists(target));
  if (!stored) {
    // A full build's scored pairs, or the first incremental build after an upgrade: this build's new pairs.
    const source = options.incremental ? t.tmp(INCREMENTAL_SCRATCH.newScored) : options.scored;
    const records = options.incremental ? t.tmp(INCREMENTAL_SCRATCH.all) : options.records;
    await sql.create(target, near(source, records));
    return;
  }
  const all = sql.rel(t.tmp(INCREMENTAL_SCRATCH.all));
  const fresh = (x: 'l' | 'r') => `EXISTS (SELECT 1 FROM ${all} a WHERE a.fresh = 1 AND a.source = k.source_${x} AND a.record_key = k.record_key_${x})`;
  const kept = t.tmp('prob_near_kept');
  await sql.create(
    kept,
    `SELECT k.* FROM ${sql.rel(target)} k WHERE NOT ${fresh('l')} AND NOT ${fresh('r')}
     UNION ALL ${near(t.tmp(INCREMENTAL_SCRATCH.newScored), t.tmp(INCREMENTAL_SCRATCH.all))}`,
  );
  await sql.create(target, `SELECT * FROM ${sql.rel(kept)}`);
  await sql.drop(kept);
}

export interface ReviewPairRow {
  sourceL: string;
  recordKeyL: string;
  sourceR: string;
  recordKeyR: string;
  matchWeight: number;
  matchProbability: number;
  /** Whether the build linked the pair (at or above the threshold and accepted by the guard rails). */
  linked: boolean;
}

function toPairRow(r: Record<string, unknown>): ReviewPairRow {
  return {
    sourceL: String(r.source_l),
    recordKeyL: String(r.record_key_l),
    sourceR: String(r.source_r),
    recordKeyR: String(r.record_key_r),
    matchWeight: Number(r.match_weight),
    matchProbability: Number(r.match_probability),
    linked: Number(r.linked) === 1,
  };
}

/**
 * The pairs whose match probability lies within `band` of the threshold, closest first (then by
 * keys, for a stable order): the links table (at or above it) and NEAR_TABLE (below).
 * `skip`/`take` page in SQL; the caller removes answered pairs (see MatchReviewService).
 */
export async function nearThresholdPairs(sql: SqlRunner, schema: string, config: ProbabilisticConfig, options: { band: number; skip: number; take: number }): Promise<{ total: number; rows: ReviewPairRow[] }> {
  const d = sql.d;
  const p = thresholdProbability(config);
  const parts: string[] = [];
  const cols = 'source_l, record_key_l, source_r, record_key_r, match_weight, match_probability';
  if (await sql.exists({ schema, name: LINKS_TABLE })) parts.push(`SELECT ${cols}, linked FROM ${sql.rel({ schema, name: LINKS_TABLE })}`);
  if (await sql.exists({ schema, name: NEAR_TABLE })) parts.push(`SELECT ${cols}, 0 AS linked FROM ${sql.rel({ schema, name: NEAR_TABLE })}`);
  if (!parts.length) return { total: 0, rows: [] };
  const inBand = `WITH x AS (${parts.join(' UNION ALL ')}), b AS (SELECT x.*, ABS(match_probability - ${d.literal(p)}) AS distance FROM x WHERE ABS(match_probability - ${d.literal(p)}) <= ${d.literal(options.band)})`;
  const [count] = await sql.query<{ n: number | bigint }>(`${inBand} SELECT COUNT(*) AS n FROM b`);
  const rows = await sql.query(
    `${inBand} SELECT * FROM b ORDER BY distance, source_l, record_key_l, source_r, record_key_r ${d.limit(options.take, options.skip)}`,
  );
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map(toPairRow),
  };
}

/**
 * The stored probabilistic pairs (at or above the threshold: linked or refused) with a record in
 * profile `profileId`, best first, at most `limit`, and how many there are.
 */
export async function profileLinkPairs(sql: SqlRunner, schema: string, resolved: RelationRef, profileId: string, limit: number): Promise<{ total: number; rows: ReviewPairRow[] }> {
  const links = { schema, name: LINKS_TABLE };
  if (!(await sql.exists(links))) return { total: 0, rows: [] };
  const d = sql.d;
  const mine = `SELECT source, record_key FROM ${sql.rel(resolved)} WHERE profile_id = ${d.literal(profileId)}`;
  const side = (x: 'l' | 'r') => `EXISTS (SELECT 1 FROM (${mine}) m WHERE m.source = k.source_${x} AND m.record_key = k.record_key_${x})`;
  const pairs = `SELECT k.* FROM ${sql.rel(links)} k WHERE ${side('l')} OR ${side('r')}`;
  const [count] = await sql.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM (${pairs}) x`);
  const rows = await sql.query(`${pairs} ORDER BY k.linked DESC, k.match_weight DESC, k.source_l, k.record_key_l, k.source_r, k.record_key_r ${d.limit(limit)}`);
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map(toPairRow),
  };
}
