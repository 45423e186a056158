import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { ELSE_LEVEL, NULL_LEVEL, num, type FieldPlan } from './comparisons.js';
import type { ModelParams } from './model.js';
import { planFields } from './model.js';

const log2 = (x: number) => Math.log(x) / Math.LN2;

/** The match weight a threshold stands for (a probability p is log2(p / (1 - p))). */
export function thresholdWeight(config: ProbabilisticConfig): number {
  return 'weight' in config.threshold ? config.threshold.weight : log2(config.threshold.probability / (1 - config.threshold.probability));
}

export function probabilityOf(weight: number): number {
  return 1 / (1 + Math.pow(2, -weight));
}

/**
 * Scores the blocked pairs: match weight = log2(prior / (1 - prior)) + Σ level weights
 * (+ term-frequency adjustments), match probability = 1 / (1 + 2^-weight). Writes `target`
 * (rid_l, rid_r, g_<field>..., tf_<field>... , match_weight, match_probability).
 *
 * Term frequency (`termFrequency`), as Splink does it: an exact agreement on value v uses
 * u = tf(v) (the share of records holding v) instead of the level's average u, i.e. adds
 * log2(u_exact / tf(v)) (positive for rare values, negative for common ones). A non-exact level
 * (jaro-winkler, nickname, word overlap, ...) adds `fuzzyTermFrequency` × log2(u_exact /
 * max(tf(left), tf(right))): "smith" ~ "smyth" counts less than "kowalski" ~ "kowalsky", judged by
 * the more common of the two values. Null and else levels get none.
 */
export async function scorePairs(
  sql: SqlRunner,
  options: { records: RelationRef; pairs: RelationRef; config: ProbabilisticConfig; params: ModelParams; target: RelationRef; scratch: (name: string) => RelationRef },
): Promise<void> {
  const { records, pairs, config, params, target, scratch } = options;
  const d = sql.d;
  const q = (n: string) => d.quoteIdent(n);
  const fields = planFields(config);
  const joins: string[] = [];
  const tfTerms: string[] = [];
  const tfCols: string[] = [];
  const tfTables: RelationRef[] = [];
  let rightNeeded = false;
  for (const f of fields.filter((x) => x.termFrequency)) {
    const exact = f.levels.find((l) => l.exact);
    if (!exact) continue;
    const tf = scratch(`tf_${f.name}`);
    tfTables.push(tf);
    await sql.create(
      tf,
      `SELECT ${q(f.name)} AS v, CAST(COUNT(*) AS ${d.typeName('number')}) / ${Math.max(params.records, 1)} AS tf FROM ${sql.rel(records)} WHERE ${q(f.name)} IS NOT NULL GROUP BY ${q(f.name)}`,
    );
    const uExact = params.levels.find((l) => l.field === f.name && l.gamma === exact.gamma)!.u;
    const [tl, tr] = [`tfl_${f.name}`, `tfr_${f.name}`].map(q);
    joins.push(`LEFT JOIN ${sql.rel(tf)} ${tl} ON ${tl}.v = l.${q(f.name)}`);
    const g = `p.${q(f.gammaColumn)}`;
    const log2Of = (x: string) => `(LN(${num(d, uExact)}) - LN(${x})) / LN(2)`;
    let fuzzy = '';
    if (f.fuzzyTermFrequency > 0) {
      joins.push(`LEFT JOIN ${sql.rel(tf)} ${tr} ON ${tr}.v = r.${q(f.name)}`);
      rightNeeded = true;
      fuzzy = ` WHEN ${g} > ${ELSE_LEVEL} AND ${tl}.tf IS NOT NULL AND ${tr}.tf IS NOT NULL THEN ${num(d, f.fuzzyTermFrequency)} * ${log2Of(`GREATEST(${tl}.tf, ${tr}.tf)`)}`;
    }
    const adj = `CASE WHEN ${g} = ${exact.gamma} AND ${tl}.tf IS NOT NULL THEN ${log2Of(`${tl}.tf`)}${fuzzy} ELSE 0 END`;
    tfTerms.push(`(${adj})`);
    tfCols.push(`${adj} AS ${q(`tf_${f.name}`)}`);
  }
  const weight = [num(d, log2(params.prior / (1 - params.prior))), ...fields.map((f) => weightCase(sql, f, params)), ...tfTerms].join(' + ');
  const gcols = fields.map((f) => `p.${q(f.gammaColumn)}`).join(', ');
  await sql.create(
    target,
    `SELECT s.*, 1 / (1 + POWER(2, -s.match_weight)) AS match_probability
     FROM (SELECT p.rid_l, p.rid_r, ${gcols}${tfCols.length ? `, ${tfCols.join(', ')}` : ''}, ${weight} AS match_weight
           FROM ${sql.rel(pairs)} p JOIN ${sql.rel(records)} l ON l.rid = p.rid_l${rightNeeded ? ` JOIN ${sql.rel(records)} r ON r.rid = p.rid_r` : ''} ${joins.join(' ')}) s`,
  );
  for (const tf of tfTables) await sql.drop(tf);
}

/** `CASE g WHEN 3 THEN <log2 m/u> ... END`: one field's contribution. */
function weightCase(sql: SqlRunner, field: FieldPlan, params: ModelParams): string {
  const whens = params.levels
    .filter((l) => l.field === field.name && l.gamma !== NULL_LEVEL)
    .map((l) => `WHEN ${l.gamma} THEN ${num(sql.d, l.weight)}`)
    .join(' ');
  return `(CASE p.${sql.d.quoteIdent(field.gammaColumn)} ${whens} ELSE 0 END)`;
}
