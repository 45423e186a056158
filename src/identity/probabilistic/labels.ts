import type { ProbabilisticConfig } from '../../config/index.js';
import { CdpError } from '../../errors.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { gammaSql, NULL_LEVEL, type FieldPlan } from './comparisons.js';
import { EPS, levelKey, M_PSEUDO_COUNT, type LevelValues } from './em.js';
import { linkFilter } from './pairs.js';

export type LabelsConfig = NonNullable<ProbabilisticConfig['train']['labels']>;

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
 */
export async function createLabelledPairs(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, labels: LabelsConfig, target: RelationRef): Promise<number> {
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
