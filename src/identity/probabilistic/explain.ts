import type { ProbabilisticConfig } from '../../config/index.js';
import type { IdentityPlan } from '../plan.js';
import type { SqlRunner } from '../runner.js';
import type { IdentityTables } from '../tables.js';
import { ELSE_LEVEL, gammaSql, NULL_LEVEL } from './comparisons.js';
import { fieldSql } from './link.js';
import { planFields } from './model.js';
import { linkFilter } from './pairs.js';
import type { StoredModel } from './read.js';

export interface PairField {
  field: string;
  /** The comparison level the pair reached (`null`: a side is missing, `else`: no listed level). */
  level: string;
  /** The level's m-probability (share of matching pairs at this level) in the stored model; null for the null level. */
  m: number | null;
  /** The level's u-probability (share of random pairs at this level); null for the null level. */
  u: number | null;
  /** The level's match weight, log2(m / u) (the log2 Bayes factor; 0 on the null level). */
  weight: number;
  /**
   * Term-frequency adjustment, as the scorer adds it (score.ts): log2(u_exact / tf(value)) on an exact
   * agreement, fuzzyTermFrequency × log2(u_exact / max(tf(left), tf(right))) on a non-exact one; null when none applies.
   */
  tfAdjustment: number | null;
  /** The two records' values of the field as compared (trimmed, lower-cased; null: missing). */
  left: string | null;
  right: string | null;
}

export interface RecordRef {
  source: string;
  recordKey: string;
}

export interface PairExplanation {
  left: RecordRef;
  right: RecordRef;
  /** The stored model's prior: the probability that two random records match. */
  prior: number;
  /** log2(prior / (1 - prior)). */
  priorWeight: number;
  fields: PairField[];
  /** priorWeight + Σ (field weight + tf adjustment): the pair's match weight. */
  weight: number;
  /** 1 / (1 + 2^-weight). */
  probability: number;
}

interface Scope {
  sql: SqlRunner;
  plan: IdentityPlan;
  t: IdentityTables;
  config: ProbabilisticConfig;
  model: StoredModel;
}

/**
 * Re-scores the record pair behind one probabilistic edge (`src`, `dst`: the two records'
 * centers) field by field, in the warehouse: the participating records centred on either node
 * are paired (blocked and filtered by link type as in the build), each pair's comparison levels
 * are computed by the build's SQL, term frequencies over all participating records, and the pair
 * with the highest match weight — the one the build linked — is returned with the stored model's
 * weights. Null when no such pair exists any more (source rows changed since the build).
 */
export async function explainPair(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  config: ProbabilisticConfig,
  model: StoredModel,
  src: bigint,
  dst: bigint,
): Promise<PairExplanation | null> {
  const blocked = config.blocking.map((rule) => `(${rule.map((f) => `l.${sql.q(f)} = r.${sql.q(f)}`).join(' AND ')})`).join(' OR ');
  return explainBest({ sql, plan, t, config, model }, `center IN (${src}, ${dst})`, `l.center = ${src} AND r.center = ${dst} AND (${blocked})${linkFilter(config)}`);
}

/**
 * One given pair of participating records, field by field with the stored model (left as given).
 * Not required to be a blocked pair: any two participating records can be explained. Null when
 * either record does not take part (unknown key, no usable identifier, not a participating source).
 */
export async function explainRecordPair(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables, config: ProbabilisticConfig, model: StoredModel, left: RecordRef, right: RecordRef): Promise<PairExplanation | null> {
  const d = sql.d;
  const is = (x: string, r: RecordRef) => `${x}source = ${d.literal(r.source)} AND ${x}record_key = ${d.literal(r.recordKey)}`;
  return explainBest({ sql, plan, t, config, model }, `(${is('', left)}) OR (${is('', right)})`, `${is('l.', left)} AND ${is('r.', right)}`);
}

/** Scores the pairs of `side` records (`sideWhere` over recs) that `pairWhere` (over l, r) admits; returns the best. */
async function explainBest(scope: Scope, sideWhere: string, pairWhere: string): Promise<PairExplanation | null> {
  const { sql, plan, t, config, model } = scope;
  const d = sql.d;
  const q = (name: string) => d.quoteIdent(name);
  const fields = planFields(config);
  const allFields = [...new Set([...fields.map((f) => f.name), ...config.blocking.flat()])];
  const records = sql.rel(t.state('records'));
  const selects = Object.entries(config.sources).map(([name, source]) => {
    const s = plan.sources.find((x) => x.name === name)!;
    const key = d.cast(`s.${q(s.key)}`, 'string');
    return (
      `SELECT ${d.literal(name)} AS source, ${key} AS record_key, ${allFields.map((f) => `${fieldSql(d, source.fields[f]!)} AS ${q(f)}`).join(', ')}, rc.center ` +
      `FROM ${d.relation(s.relation)} s JOIN ${records} rc ON rc.source = ${d.literal(name)} AND rc.record_key = ${key} WHERE rc.center IS NOT NULL`
    );
  });
  const tfFields = fields.filter((f) => f.termFrequency && f.levels.some((l) => l.exact));
  const ctes = [
    `recs AS (${selects.join(' UNION ALL ')})`,
    `tot AS (SELECT COUNT(*) AS n FROM recs)`,
    ...tfFields.map((f) => `${q(`tf_${f.name}`)} AS (SELECT ${q(f.name)} AS v, COUNT(*) AS n FROM recs WHERE ${q(f.name)} IS NOT NULL GROUP BY ${q(f.name)})`),
    `side AS (SELECT * FROM recs WHERE ${sideWhere})`,
  ];
  const rows = await sql.query(
    `WITH ${ctes.join(',\n')}
     SELECT l.source AS source_l, l.record_key AS record_key_l, r.source AS source_r, r.record_key AS record_key_r,
            ${fields.map((f) => gammaSql(d, f, 'l', 'r')).join(', ')},
            ${fields.map((f) => `l.${q(f.name)} AS ${q(`vl_${f.name}`)}, r.${q(f.name)} AS ${q(`vr_${f.name}`)}`).join(', ')},
            ${[...tfFields.map((f) => `${q(`tfl_${f.name}`)}.n AS ${q(`tfn_${f.name}`)}, ${q(`tfr_${f.name}`)}.n AS ${q(`tfnr_${f.name}`)}`), 'tot.n AS total'].join(', ')}
     FROM side l JOIN side r ON ${pairWhere}
     CROSS JOIN tot
     ${tfFields
       .map((f) => `LEFT JOIN ${q(`tf_${f.name}`)} ${q(`tfl_${f.name}`)} ON ${q(`tfl_${f.name}`)}.v = l.${q(f.name)} LEFT JOIN ${q(`tf_${f.name}`)} ${q(`tfr_${f.name}`)} ON ${q(`tfr_${f.name}`)}.v = r.${q(f.name)}`)
       .join(' ')}
     ORDER BY l.source, l.record_key, r.source, r.record_key ${d.limit(1000)}`,
  );
  const priorWeight = Math.log2(model.prior / (1 - model.prior));
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  let best: PairExplanation | null = null;
  for (const row of rows) {
    const total = Number(row.total);
    const explained = fields.map((f): PairField => {
      const gamma = Number(row[f.gammaColumn]);
      const level = gamma === NULL_LEVEL ? undefined : model.levels.find((l) => l.field === f.name && l.gamma === gamma);
      const exact = f.levels.find((l) => l.exact);
      const uExact = exact && model.levels.find((l) => l.field === f.name && l.gamma === exact.gamma)?.u;
      const count = (n: unknown) => (n === null || n === undefined ? null : Number(n));
      const nl = count(row[`tfn_${f.name}`]);
      const nr = count(row[`tfnr_${f.name}`]);
      let tfAdjustment: number | null = null;
      if (f.termFrequency && exact && uExact !== undefined && total > 0 && nl !== null) {
        if (gamma === exact.gamma) tfAdjustment = Math.log2(uExact) - Math.log2(nl / total);
        else if (gamma > ELSE_LEVEL && f.fuzzyTermFrequency > 0 && nr !== null) tfAdjustment = f.fuzzyTermFrequency * (Math.log2(uExact) - Math.log2(Math.max(nl, nr) / total));
      }
      return {
        field: f.name,
        level: level?.label ?? (gamma === NULL_LEVEL ? 'null' : 'unknown'),
        m: level?.m ?? null,
        u: level?.u ?? null,
        weight: level?.matchWeight ?? 0,
        tfAdjustment,
        left: text(row[`vl_${f.name}`]),
        right: text(row[`vr_${f.name}`]),
      };
    });
    const weight = priorWeight + explained.reduce((sum, f) => sum + f.weight + (f.tfAdjustment ?? 0), 0);
    if (best && best.weight >= weight) continue;
    best = {
      left: { source: String(row.source_l), recordKey: String(row.record_key_l) },
      right: { source: String(row.source_r), recordKey: String(row.record_key_r) },
      prior: model.prior,
      priorWeight,
      fields: explained,
      weight,
      probability: 1 / (1 + Math.pow(2, -weight)),
    };
  }
  return best;
}
