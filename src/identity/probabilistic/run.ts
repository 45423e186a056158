import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { labelCurve, modelCurve } from './curve.js';
import { effectiveLabels, type ReviewedPairs } from './labels.js';
import { trainModel, type ModelParams } from './model.js';
import { scorePairs } from './score.js';

export interface FellegiSunterResult {
  params: ModelParams;
  /** (rid_l, rid_r, g_<field>..., tf_<field>..., match_weight, match_probability) for every blocked pair. */
  scored: RelationRef;
  seconds: number;
}

/**
 * Trains the model on `records` (rid BIGINT, source, one column per field the model reads; and
 * record_key when labels come as a pairs relation), scores every blocked pair into
 * `scratch('scored')` and fills `params.curves` (the model's precision/recall curve, and the
 * labels' when given). Everything runs in the warehouse.
 */
export async function runFellegiSunter(
  sql: SqlRunner,
  options: { records: RelationRef; config: ProbabilisticConfig; scratch: (name: string) => RelationRef; deterministicPairs?: number; reviewed?: ReviewedPairs | null },
): Promise<FellegiSunterResult> {
  const started = performance.now();
  const { params, pairs, labelled } = await trainModel(sql, options);
  const scored = options.scratch('scored');
  await scorePairs(sql, { records: options.records, pairs, config: options.config, params, target: scored, scratch: options.scratch });
  await sql.drop(pairs);
  params.curves.push(await modelCurve(sql, scored));
  const labels = effectiveLabels(options.config, options.reviewed);
  if (labelled && labels) {
    params.curves.push(await labelCurve(sql, { scored, records: options.records, labelled, labels, knownMatches: params.knownMatches }));
    await sql.drop(labelled);
  }
  return { params, scored, seconds: (performance.now() - started) / 1000 };
}
