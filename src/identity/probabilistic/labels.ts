import type { ProbabilisticConfig } from '../../config/index.js';
import { CdpError } from '../../errors.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { gammaSql, NULL_LEVEL, type FieldPlan } from './comparisons.js';
import { EPS, levelKey, M_PSEUDO_COUNT, type LevelValues } from './em.js';
import { linkFilter } from './pairs.js';

export type LabelsConfig = NonNullable<ProbabilisticConfig['train']['labels']>;

/** One answered pair of the review queue (docs/probabilistic.md, "Review"). */
export interface ReviewedLabel {
  left: { source: string; recordKey: string };
  right: { source: string; recordKey: string };
  isMatch: boolean;
}

/** Review answers written to the warehouse for one training: the relation and what it holds. */
export interface ReviewedPairs {
  relation: RelationRef;
  matches: number;
  nonMatches: number;
}

/**
 * Writes the review queue's answers (match / non-match, in batches as the state store pages them)
 * to `target(source_l, record_key_l, source_r, record_key_r, is_match)` in the warehouse, where
 * training joins them to the records. Null (and no table) when there is no answer.
 */
export async function writeReviewedPairs(sql: SqlRunner, target: RelationRef, batches: AsyncIterable<ReviewedLabel[]>): Promise<ReviewedPairs | null> {
  const d = sql.d;
  const str = d.typeName('string');
  let created = false;
  let matches = 0;
  let nonMatches = 0;
  for await (const batch of batches) {
    if (!batch.length) continue;
    if (!created) {
      await sql.drop(target);
      await sql.exec(`CREATE TABLE ${sql.rel(target)} (source_l ${str}, record_key_l ${str}, source_r ${str}, record_key_r ${str}, is_match ${d.typeName('integer')})`);
      created = true;
    }
    await sql.exec(
      `INSERT INTO ${sql.rel(target)} (source_l, record_key_l, source_r, record_key_r, is_match) ` +
        batch.map((x) => `SELECT ${d.literal(x.left.source)}, ${d.literal(x.left.recordKey)}, ${d.literal(x.right.source)}, ${d.literal(x.right.recordKey)}, ${x.isMatch ? 1 : 0}`).join(' UNION ALL '),
    );
    for (const x of batch) if (x.isMatch) matches++;
    else nonMatches++;
  }
  return created ? { relation: target, matches, nonMatches } : null;
}

/**
 * The labels training uses: the configured ones (`train.labels`), and the review answers. Without
 * configured labels the answers alone are the labels (a pairs relation) once at least one says
 * "match" (m needs matching pairs); with configured labels both are used and an answer wins over
 * the configured label of the same pair (createLabelledPairs).
 */
export function effectiveLabels(config: ProbabilisticConfig, reviewed: ReviewedPairs | null | undefined): LabelsConfig | undefined {
  if (config.train.labels) return config.train.labels;
  if (!reviewed || reviewed.matches === 0) return undefined;
  return { pairs: `${reviewed.relation.schema}.${reviewed.relation.name}` };
}

/** `schema.table` of a labelled-pairs relation. */
export function labelPairsRelation(labels: { pairs: string }): RelationRef {
  const dot = labels.pairs.lastIndexOf('.');
  if (dot <= 0) {
    throw new CdpError('IDENTITY_INVALID', `labels relation "${labels.pairs}" has no schema`, {
      location: { path: 'identity.probabilistic.train.labels.pairs' },
      hint: 'write it as schema.table, e.g. analytics.known_matches',
    });
  }
  return { schema: labels.pairs.slice(0, dot), name: labels.pairs.slice(dot + 1) };
}

/**
 * Writes `target(rid_l, rid_r, is_match)`: the labelled pairs among the records (rid_l < rid_r).
 * With a label field, every two records with the same label are a match (records with different
 * labels are non-matches, not listed: the curve tells them from the label field directly).
 * With a pairs relation, its rows, matched to the records by (source, record_key).
 * `reviewed` (review answers next to configured labels) overrides the labels of the pairs it answers.
 */
export async function createLabelledPairs(
  sql: SqlRunner,
  records: RelationRef,
  config: ProbabilisticConfig,
  labels: LabelsConfig,
  target: RelationRef,
  reviewed?: ReviewedPairs | null,
): Promise<number> {
  if (!reviewed) return createLabelledFrom(sql, records, config, labels, target);
  // Configured labels and review answers: an answer replaces the configured label of its pair.
  const base = { schema: target.schema, name: `${target.name}_base` };
  const answers = { schema: target.schema, name: `${target.name}_answers` };
  await createLabelledFrom(sql, records, config, labels, base);
  await createLabelledFrom(sql, records, config, { pairs: `${reviewed.relation.schema}.${reviewed.relation.name}` }, answers);
  await sql.create(
    target,
    `SELECT b.rid_l, b.rid_r, b.is_match FROM ${sql.rel(base)} b WHERE NOT EXISTS (SELECT 1 FROM ${sql.rel(answers)} a WHERE a.rid_l = b.rid_l AND a.rid_r = b.rid_r)
     UNION ALL SELECT rid_l, rid_r, is_match FROM ${sql.rel(answers)}`,
  );
  await sql.drop(base);
  await sql.drop(answers);
  return sql.count(target, 'is_match = 1');
}

async function createLabelledFrom(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, labels: LabelsConfig, target: RelationRef): Promise<number> {
  const d = sql.d;
  const recs = sql.rel(records);
  if ('field' in labels) {
    const f = d.quoteIdent(labels.field);
    await sql.create(target, `SELECT l.rid AS rid_l, r.rid AS rid_r, 1 AS is_match FROM ${recs} l JOIN ${recs} r ON l.${f} = r.${f} AND l.rid < r.rid${linkFilter(config)}`);
  } else {
    const rel = labelPairsRelation(labels);
    const columns = (await sql.columns(rel)).map((c) => c.name.toLowerCase());
    const missing = ['source_l', 'record_key_l', 'source_r', 'record_key_r'].filter((c) => !columns.includes(c));
    if (missing.length) {
      throw new CdpError('IDENTITY_INVALID', `labels relation ${labels.pairs} lacks column(s) ${missing.join(', ')}`, {
        location: { path: 'identity.probabilistic.train.labels.pairs' },
        hint: 'give it (source_l, record_key_l, source_r, record_key_r) and optionally is_match (1 = same entity, 0 = not)',
      });
    }
    const isMatch = columns.includes('is_match') ? `CASE WHEN CAST(p.is_match AS ${d.typeName('integer')}) = 1 THEN 1 ELSE 0 END` : '1';
    await sql.create(
      target,
      `SELECT CASE WHEN a.rid < b.rid THEN a.rid ELSE b.rid END AS rid_l, CASE WHEN a.rid < b.rid THEN b.rid ELSE a.rid END AS rid_r, MAX(${isMatch}) AS is_match
       FROM ${sql.rel(rel)} p
       JOIN ${recs} a ON a.source = ${d.cast('p.source_l', 'string')} AND a.record_key = ${d.cast('p.record_key_l', 'string')}
       JOIN ${recs} b ON b.source = ${d.cast('p.source_r', 'string')} AND b.record_key = ${d.cast('p.record_key_r', 'string')}
       WHERE a.rid <> b.rid
       GROUP BY CASE WHEN a.rid < b.rid THEN a.rid ELSE b.rid END, CASE WHEN a.rid < b.rid THEN b.rid ELSE a.rid END`,
    );
  }
  return sql.count(target, 'is_match = 1');
}

/** m from known matches: each level's share of the labelled matching pairs' non-null comparisons. */
export async function mFromLabels(sql: SqlRunner, records: RelationRef, labelled: RelationRef, fields: FieldPlan[]): Promise<LevelValues> {
  const d = sql.d;
  const recs = sql.rel(records);
  const rows = await sql.query<{ field: string; gamma: number; n: number | bigint }>(
    `WITH v AS (SELECT ${fields.map((f) => gammaSql(d, f, 'l', 'r')).join(', ')}
                FROM ${sql.rel(labelled)} p JOIN ${recs} l ON l.rid = p.rid_l JOIN ${recs} r ON r.rid = p.rid_r WHERE p.is_match = 1)
     ${fields.map((f) => `SELECT CAST(${d.literal(f.name)} AS ${d.typeName('string')}) AS field, ${d.quoteIdent(f.gammaColumn)} AS gamma, COUNT(*) AS n FROM v GROUP BY ${d.quoteIdent(f.gammaColumn)}`).join(' UNION ALL ')}`,
  );
  const m: LevelValues = new Map();
  for (const f of fields) {
    const listed = f.levels.filter((l) => l.gamma !== NULL_LEVEL);
    const fr = rows.filter((r) => r.field === f.name && Number(r.gamma) !== NULL_LEVEL);
    const total = fr.reduce((s, r) => s + Number(r.n), 0) + M_PSEUDO_COUNT * listed.length;
    for (const level of listed) {
      const n = Number(fr.find((r) => Number(r.gamma) === level.gamma)?.n ?? 0);
      m.set(levelKey(f.name, level.gamma), Math.max((n + M_PSEUDO_COUNT) / total, EPS));
    }
  }
  return m;
}
