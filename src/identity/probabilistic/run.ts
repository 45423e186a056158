import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { trainModel, type ModelParams } from './model.js';
import { scorePairs } from './score.js';

export interface FellegiSunterResult {
  params: ModelParams;
  /** (rid_l, rid_r, g_<field>..., tf_<field>..., match_weight, match_probability) for every blocked pair. */
  scored: RelationRef;
  seconds: number;
}

/**
 * Trains the model on `records` (rid BIGINT, source, one column per compared field) and scores
 * every blocked pair into `scratch('scored')`. Everything runs in the warehouse.
 */
export async function runFellegiSunter(
  sql: SqlRunner,
  options: { records: RelationRef; config: ProbabilisticConfig; scratch: (name: string) => RelationRef; deterministicPairs?: number },
): Promise<FellegiSunterResult> {
  const started = performance.now();
  const { params, pairs } = await trainModel(sql, options);
  const scored = options.scratch('scored');
  await scorePairs(sql, { records: options.records, pairs, config: options.config, params, target: scored, scratch: options.scratch });
  await sql.drop(pairs);
  return { params, scored, seconds: (performance.now() - started) / 1000 };
}
