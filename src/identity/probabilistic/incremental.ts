import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { IdentityPlan } from '../plan.js';
import type { SqlRunner } from '../runner.js';
import type { IdentityTables } from '../tables.js';
import { gammaSql, NULL_LEVEL } from './comparisons.js';
import { planFields, type LevelParams, type ModelParams } from './model.js';
import { linkFilter } from './pairs.js';
import { participatingSelect } from './records.js';
import { scorePairs, thresholdWeight } from './score.js';
import { LINKS_TABLE, PARAMS_TABLE, PRIOR_FIELD } from './store.js';

/**
 * Incremental builds do not retrain the Fellegi-Sunter model: they score with the parameters of
 * the last stored model (trained by the last full build), see docs/probabilistic.md
 * ("Incremental builds"). This module holds the incremental-only steps:
 * - `loadStoredParams`: the stored model as `ModelParams` (null: none usable, a full build is needed);
 * - `scoreIncremental` (before the region is prepared): the participating records, new/changed
 *   ones flagged, blocked pairs with at least one new/changed record against all of them, scored,
 *   and the stored centers of the records they match as extra region seeds (`prob_seeds`);
 * - `incrementalPairsSql` / `keptLinksSql`: what `linkProbabilistic` reads in an incremental build.
 */

/** Scratch names (under `_identity_tmp_`) shared by the incremental steps. */
export const INCREMENTAL_SCRATCH = {
  /** (rid, source, record_key, <fields>, fresh): every participating record; fresh = 1 when new or changed this build. */
  all: 'prob_all',
  /** Scored pairs (rid_l < rid_r, over `all`) with at least one fresh record. */
  newScored: 'prob_new_scored',
  /** Stored centers of records a fresh record matches at or above the threshold: extra seeds of the region. */
  seeds: 'prob_seeds',
} as const;

/**
 * The latest stored model as scoring parameters, or null when there is none or it does not fit
 * the configured comparisons (then only a full build can score). `records` is left at 0: the
 * caller sets it to the records the term frequencies are counted over.
 */
export async function loadStoredParams(sql: SqlRunner, schema: string, config: ProbabilisticConfig): Promise<(ModelParams & { trainedAt: Date }) | null> {
  const ref = { schema, name: PARAMS_TABLE };
  if (!(await sql.exists(ref))) return null;
  const rel = sql.rel(ref);
  const rows = await sql.query<{ trained_at: Date; field: string; gamma: number; label: string; m: number; u: number; match_weight: number }>(
    `SELECT trained_at, field, gamma, label, m, u, match_weight FROM ${rel} WHERE trained_at = (SELECT MAX(trained_at) FROM ${rel})`,
  );
  const prior = rows.find((r) => r.field === PRIOR_FIELD);
  if (!prior) return null;
  const fields = planFields(config);
  const levels: LevelParams[] = [];
  for (const f of fields) {
    for (const level of f.levels) {
      const row = rows.find((r) => r.field === f.name && Number(r.gamma) === level.gamma);
      if (!row) {
        if (level.gamma === NULL_LEVEL) {
          levels.push({ field: f.name, gamma: level.gamma, label: level.label, m: 1, u: 1, weight: 0 });
          continue;
        }
        return null;
      }
      levels.push({ field: f.name, gamma: level.gamma, label: row.label, m: Number(row.m), u: Number(row.u), weight: Number(row.match_weight) });
    }
  }
  const label = String(prior.label);
  return {
    trainedAt: new Date(prior.trained_at),
    prior: Number(prior.m),
    priorSource: label === 'deterministic' || label === 'config' || label === 'rules' ? label : 'em',
    mSource: 'em',
    sessions: [],
    fallbackFields: [],
    knownMatches: 0,
    curves: [],
    blockedMatchShare: Number.NaN,
    levels,
    iterations: 0,
    converged: true,
    blockedPairs: 0,
    randomPairs: 0,
    records: 0,
    tfFields: fields.filter((f) => f.termFrequency).map((f) => f.name),
  };
}

/**
 * Incremental step before the region: writes scratch `prob_all`, `prob_new_scored` and
 * `prob_seeds` (see INCREMENTAL_SCRATCH). Participating records are the participating sources'
 * rows with a usable identifier: staged rows with a usable occurrence (fresh), stored records
 * with a center that no staged row replaces. Returns the pairs scored and the seeds added.
 */
export async function scoreIncremental(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  config: ProbabilisticConfig,
  params: ModelParams,
): Promise<{ pairs: number; seeds: number; records: number }> {
  const d = sql.d;
  const q = (n: string) => d.quoteIdent(n);
  const r = (name: string) => sql.rel(t.tmp(name));
  const fields = planFields(config);
  const allFields = [...new Set([...fields.map((f) => f.name), ...config.blocking.flat()])];
  const all = t.tmp(INCREMENTAL_SCRATCH.all);
  const sameRecord = (a: string, b: string) => `${a}.source = ${b}.source AND ${a}.record_key = ${b}.record_key`;
  await sql.create(
    all,
    `SELECT ROW_NUMBER() OVER (ORDER BY x.source, x.record_key) AS rid, x.*, k.fresh
     FROM (${participatingSelect(d, plan, config, allFields)}) x
     JOIN (SELECT DISTINCT source, record_key, 1 AS fresh FROM ${r('stage_ids')}
           UNION ALL
           SELECT rc.source, rc.record_key, 0 AS fresh FROM ${sql.rel(t.state('records'))} rc
           LEFT JOIN (SELECT DISTINCT source, record_key FROM ${r('stage_records')}) n ON ${sameRecord('n', 'rc')}
           WHERE n.source IS NULL AND rc.center IS NOT NULL) k
       ON ${sameRecord('k', 'x')}`,
  );
  const records = await sql.count(all);
  const recs = sql.rel(all);
  // Blocked pairs touching a fresh record, against every participating record, oriented rid_l < rid_r.
  const rules = config.blocking.map(
    (rule) =>
      `SELECT DISTINCT CASE WHEN n.rid < a.rid THEN n.rid ELSE a.rid END AS rid_l, CASE WHEN n.rid < a.rid THEN a.rid ELSE n.rid END AS rid_r ` +
      `FROM ${recs} n JOIN ${recs} a ON ${rule.map((f) => `n.${q(f)} = a.${q(f)}`).join(' AND ')} AND n.rid <> a.rid${linkFilter(config, 'n', 'a')} ` +
      `WHERE n.fresh = 1`,
  );
  const pairs = t.tmp('prob_touch_pairs');
  await sql.create(
    pairs,
    `SELECT c.rid_l, c.rid_r, ${fields.map((f) => gammaSql(d, f, 'l', 'r')).join(', ')}
     FROM (${rules.join(` ${d.unionDistinct()} `)}) c JOIN ${recs} l ON l.rid = c.rid_l JOIN ${recs} r ON r.rid = c.rid_r`,
  );
  const scored = t.tmp(INCREMENTAL_SCRATCH.newScored);
  await scorePairs(sql, { records: all, pairs, config, params: { ...params, records }, target: scored, scratch: (name) => t.tmp(`prob_${name}`) });
  await sql.drop(pairs);
  const n = await sql.count(scored);
  const minWeight = d.literal(thresholdWeight(config));
  const seeds = t.tmp(INCREMENTAL_SCRATCH.seeds);
  await sql.create(
    seeds,
    `SELECT DISTINCT rc.center AS node FROM (
       SELECT rid_l AS rid FROM ${sql.rel(scored)} WHERE match_weight >= ${minWeight}
       UNION ALL SELECT rid_r AS rid FROM ${sql.rel(scored)} WHERE match_weight >= ${minWeight}
     ) x
     JOIN ${recs} a ON a.rid = x.rid AND a.fresh = 0
     JOIN ${sql.rel(t.state('records'))} rc ON ${sameRecord('rc', 'a')}
     WHERE rc.center IS NOT NULL`,
  );
  return { pairs: n, seeds: await sql.count(seeds), records };
}

/**
 * The pairs an incremental build links with, over the region's participating records `recs`
 * (rid from `prob_all`, center, comp): the new pairs scored by `scoreIncremental` whose records
 * both are in the region, and the stored links (`_identity_prob_links`) between two region
 * records that did not change (kept with their stored weight and levels). Same columns as a
 * full build's scored pairs: rid_l, rid_r, g_<field>..., match_weight, match_probability.
 */
export function incrementalPairsSql(sql: SqlRunner, t: IdentityTables, config: ProbabilisticConfig, recs: RelationRef, withStored: boolean): string {
  const q = (n: string) => sql.d.quoteIdent(n);
  const g = planFields(config).map((f) => q(f.gammaColumn));
  const fresh = `SELECT p.rid_l, p.rid_r, ${g.map((c) => `p.${c}`).join(', ')}, p.match_weight, p.match_probability
     FROM ${sql.rel(t.tmp(INCREMENTAL_SCRATCH.newScored))} p JOIN ${sql.rel(recs)} l ON l.rid = p.rid_l JOIN ${sql.rel(recs)} r ON r.rid = p.rid_r`;
  if (!withStored) return fresh;
  const links = sql.rel({ schema: t.schema, name: LINKS_TABLE });
  return `${fresh}
     UNION ALL
     SELECT CASE WHEN l.rid < r.rid THEN l.rid ELSE r.rid END AS rid_l, CASE WHEN l.rid < r.rid THEN r.rid ELSE l.rid END AS rid_r,
            ${g.map((c) => `k.${c}`).join(', ')}, k.match_weight, k.match_probability
     FROM ${links} k
     JOIN ${sql.rel(recs)} l ON l.source = k.source_l AND l.record_key = k.record_key_l
     JOIN ${sql.rel(recs)} r ON r.source = k.source_r AND r.record_key = k.record_key_r
     WHERE l.fresh = 0 AND r.fresh = 0`;
}

/**
 * Stored links an incremental build keeps as they are (status included): those between two
 * records that did not change, not both in the region's participating records `recs` (those
 * are re-resolved, see `incrementalPairsSql`), and neither in the region without being in
 * `recs` (a record that no longer takes part: its links disappear).
 */
export function keptLinksSql(sql: SqlRunner, t: IdentityTables, config: ProbabilisticConfig, recs: RelationRef): string {
  const q = (n: string) => sql.d.quoteIdent(n);
  const r = (name: string) => sql.rel(t.tmp(name));
  const links = sql.rel({ schema: t.schema, name: LINKS_TABLE });
  const g = planFields(config).map((f) => `k.${q(f.gammaColumn)}`);
  const side = (x: 'l' | 'r') => `${x}.source = k.source_${x} AND ${x}.record_key = k.record_key_${x}`;
  return `SELECT k.source_l, k.record_key_l, k.source_r, k.record_key_r, k.match_weight, k.match_probability, ${g.join(', ')}, k.linked
     FROM ${links} k
     LEFT JOIN (SELECT DISTINCT source, record_key FROM ${r('stage_records')}) nl ON nl.source = k.source_l AND nl.record_key = k.record_key_l
     LEFT JOIN (SELECT DISTINCT source, record_key FROM ${r('stage_records')}) nr ON nr.source = k.source_r AND nr.record_key = k.record_key_r
     LEFT JOIN ${sql.rel(recs)} l ON ${side('l')}
     LEFT JOIN ${sql.rel(recs)} r ON ${side('r')}
     LEFT JOIN ${r('reg_records')} gl ON gl.source = k.source_l AND gl.record_key = k.record_key_l
     LEFT JOIN ${r('reg_records')} gr ON gr.source = k.source_r AND gr.record_key = k.record_key_r
     WHERE nl.source IS NULL AND nr.source IS NULL
       AND (l.rid IS NULL OR r.rid IS NULL)
       AND (gl.source IS NULL OR l.rid IS NOT NULL) AND (gr.source IS NULL OR r.rid IS NOT NULL)`;
}
