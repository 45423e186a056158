import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { num } from './comparisons.js';
import type { LevelParams, ModelParams } from './model.js';

/** Trained parameters, one row per (run, field, level); field `_prior` holds the prior (m = prior). */
export const PARAMS_TABLE = '_identity_prob_params';
/** The last build's scored pairs at or above the threshold, with their comparison levels and whether they linked. */
export const LINKS_TABLE = '_identity_prob_links';
export const PRIOR_FIELD = '_prior';
/** Per full build: how training went (one row per EM session) and the precision/recall curves. */
export const TRAINING_TABLE = '_identity_prob_training';
export const CURVE_TABLE = '_identity_prob_curve';

/** Appends this run's parameters (history is kept; readers take the latest `trained_at`). */
export async function storeModel(sql: SqlRunner, schema: string, params: ModelParams): Promise<void> {
  const d = sql.d;
  const target = sql.rel({ schema, name: PARAMS_TABLE });
  const str = d.typeName('string');
  const dbl = d.typeName('number');
  await sql.exec(
    `CREATE TABLE IF NOT EXISTS ${target} (trained_at ${d.typeName('timestamp')}, field ${str}, gamma ${d.typeName('integer')}, label ${str}, m ${dbl}, u ${dbl}, match_weight ${dbl})`,
  );
  const rows: LevelParams[] = [
    { field: PRIOR_FIELD, gamma: 0, label: params.priorSource, m: params.prior, u: 1 - params.prior, weight: Math.log2(params.prior / (1 - params.prior)) },
    ...params.levels,
  ];
  const now = d.literal(new Date());
  await storeTraining(sql, schema, params, now);
  await sql.exec(
    `INSERT INTO ${target} (trained_at, field, gamma, label, m, u, match_weight) ` +
      rows
        .map((l) => `SELECT CAST(${now} AS ${d.typeName('timestamp')}), ${d.literal(l.field)}, ${l.gamma}, ${d.literal(l.label)}, ${num(d, l.m)}, ${num(d, l.u)}, ${num(d, l.weight)}`)
        .join(' UNION ALL '),
  );
}

/** The EM sessions and the curves of this run (history kept, like the parameters). */
async function storeTraining(sql: SqlRunner, schema: string, params: ModelParams, now: string): Promise<void> {
  const d = sql.d;
  const [str, dbl, int, ts] = [d.typeName('string'), d.typeName('number'), d.typeName('integer'), d.typeName('timestamp')];
  const training = sql.rel({ schema, name: TRAINING_TABLE });
  await sql.exec(`CREATE TABLE IF NOT EXISTS ${training} (trained_at ${ts}, rule_fields ${str}, pairs ${int}, estimated ${str}, iterations ${int}, converged ${int}, match_share ${dbl})`);
  if (params.sessions.length) {
    await sql.exec(
      `INSERT INTO ${training} (trained_at, rule_fields, pairs, estimated, iterations, converged, match_share) ` +
        params.sessions
          .map((x) => `SELECT CAST(${now} AS ${ts}), ${d.literal(x.rule.join(', '))}, ${x.pairs}, ${d.literal(x.estimated.join(', '))}, ${x.iterations}, ${x.converged ? 1 : 0}, ${num(d, x.matchShare)}`)
          .join(' UNION ALL '),
    );
  }
  const curve = sql.rel({ schema, name: CURVE_TABLE });
  await sql.exec(`CREATE TABLE IF NOT EXISTS ${curve} (trained_at ${ts}, curve ${str}, match_weight ${dbl}, match_probability ${dbl}, precision_est ${dbl}, recall_est ${dbl}, f1 ${dbl}, suggested ${int})`);
  const rows = params.curves.flatMap((c) => c.points.map((p) => ({ c, p })));
  if (rows.length) {
    await sql.exec(
      `INSERT INTO ${curve} (trained_at, curve, match_weight, match_probability, precision_est, recall_est, f1, suggested) ` +
        rows
          .map(({ c, p }) => `SELECT CAST(${now} AS ${ts}), ${d.literal(c.source)}, ${num(d, p.weight)}, ${num(d, p.probability)}, ${num(d, p.precision)}, ${num(d, p.recall)}, ${num(d, p.f1)}, ${c.suggested === p ? 1 : 0}`)
          .join(' UNION ALL '),
    );
  }
}

/**
 * Replaces the links table with this build's pairs at or above the threshold, plus `keep`
 * (stored links an incremental build keeps as they are: same columns as the table).
 */
export async function storeLinks(
  sql: SqlRunner,
  schema: string,
  options: { scored: RelationRef; records: RelationRef; fields: string[]; minWeight: number; accepted: RelationRef; keep?: RelationRef },
): Promise<void> {
  const d = sql.d;
  const q = (n: string) => d.quoteIdent(n);
  const target = { schema, name: LINKS_TABLE };
  const hasAccepted = await sql.exists(options.accepted);
  const linked = hasAccepted
    ? `CASE WHEN EXISTS (SELECT 1 FROM ${sql.rel(options.accepted)} a WHERE a.src = l.center AND a.dst = r.center) THEN 1 ELSE 0 END`
    : '0';
  for (const statement of d.createOrReplaceTableAs(
    target,
    `SELECT l.source AS source_l, l.record_key AS record_key_l, r.source AS source_r, r.record_key AS record_key_r,
            p.match_weight, p.match_probability, ${options.fields.map((f) => `p.${q(`g_${f}`)}`).join(', ')}, ${linked} AS linked
     FROM ${sql.rel(options.scored)} p JOIN ${sql.rel(options.records)} l ON l.rid = p.rid_l JOIN ${sql.rel(options.records)} r ON r.rid = p.rid_r
     WHERE p.match_weight >= ${d.literal(options.minWeight)}${
       options.keep
         ? `
     UNION ALL
     SELECT source_l, record_key_l, source_r, record_key_r, match_weight, match_probability, ${options.fields.map((f) => q(`g_${f}`)).join(', ')}, linked
     FROM ${sql.rel(options.keep)}`
         : ''
     }`,
  )) {
    await sql.exec(statement);
  }
}
