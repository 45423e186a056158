import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { gammaSql, type FieldPlan } from './comparisons.js';

/**
 * Candidate pairs and comparison vectors.
 *
 * Input records: a table `(rid BIGINT, source, <one column per field>)`. Pairs are kept oriented
 * (rid_l < rid_r); `link_only` keeps pairs across different sources, `dedupe_only` within one.
 */
export function linkFilter(config: ProbabilisticConfig, l = 'l', r = 'r'): string {
  if (config.linkType === 'link_only') return ` AND ${l}.source <> ${r}.source`;
  if (config.linkType === 'dedupe_only') return ` AND ${l}.source = ${r}.source`;
  return '';
}

/** Blocked candidate pairs `(rid_l, rid_r)`, distinct over the rules, with their comparison vectors. */
export async function createBlockedPairs(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, fields: FieldPlan[], target: RelationRef): Promise<number> {
  const d = sql.d;
  const recs = sql.rel(records);
  const rules = config.blocking.map(
    (rule) =>
      `SELECT l.rid AS rid_l, r.rid AS rid_r FROM ${recs} l JOIN ${recs} r ON ${rule.map((f) => `l.${d.quoteIdent(f)} = r.${d.quoteIdent(f)}`).join(' AND ')} ` +
      `AND l.rid < r.rid${linkFilter(config)}`,
  );
  await sql.create(
    target,
    `SELECT c.rid_l, c.rid_r, ${fields.map((f) => gammaSql(d, f, 'l', 'r')).join(', ')}
     FROM (${rules.join(` ${d.unionDistinct()} `)}) c JOIN ${recs} l ON l.rid = c.rid_l JOIN ${recs} r ON r.rid = c.rid_r`,
  );
  return sql.count(target);
}

/**
 * Random pairs for u-probabilities, sampled in SQL: records are put in a pseudo-random order
 * (hash of rid) and each is paired with the records 1..k places after it (cyclically), k chosen
 * so that about `sampleSize` pairs result. O(n·k), no cross join.
 */
export async function createRandomPairs(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, fields: FieldPlan[], target: RelationRef, scratch: RelationRef): Promise<number> {
  const d = sql.d;
  const n = await sql.count(records);
  if (n < 2) {
    await sql.create(target, `SELECT ${fields.map((f) => `0 AS ${d.quoteIdent(f.gammaColumn)}`).join(', ')} FROM ${sql.rel(records)} WHERE 1 = 0`);
    return 0;
  }
  const shifts = Math.max(1, Math.min(n - 1, Math.ceil(config.uSampleSize / n)));
  await sql.create(scratch, `SELECT r.*, ROW_NUMBER() OVER (ORDER BY ${d.hash64(d.cast('r.rid', 'string'))}, r.rid) AS rn FROM ${sql.rel(records)} r`);
  const ordered = sql.rel(scratch);
  // Pair ids first (a plain equi-join on a precomputed column), comparisons second: planners
  // otherwise cross-join the records before applying the shift.
  const ids = { schema: scratch.schema, name: `${scratch.name}_ids` };
  await sql.create(
    ids,
    `SELECT x.rid AS rid_l, x.source AS source_l, r.rid AS rid_r, r.source AS source_r
     FROM (SELECT l.rid, l.source, CASE WHEN l.rn + s.k > ${n} THEN l.rn + s.k - ${n} ELSE l.rn + s.k END AS target
           FROM ${ordered} l CROSS JOIN (SELECT rn AS k FROM ${ordered} WHERE rn <= ${shifts}) s) x
     JOIN ${ordered} r ON r.rn = x.target`,
  );
  const filter = linkFilter(config).replace(/l\.source/g, 'p.source_l').replace(/r\.source/g, 'p.source_r');
  await sql.create(
    target,
    `SELECT ${fields.map((f) => gammaSql(d, f, 'l', 'r')).join(', ')}
     FROM ${sql.rel(ids)} p JOIN ${sql.rel(records)} l ON l.rid = p.rid_l JOIN ${sql.rel(records)} r ON r.rid = p.rid_r
     WHERE 1 = 1${filter}`,
  );
  await sql.drop(ids);
  await sql.drop(scratch);
  return sql.count(target);
}
