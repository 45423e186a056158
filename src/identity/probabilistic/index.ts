/**
 * Probabilistic (Fellegi-Sunter) record matching as SQL in the warehouse: blocking, comparison
 * vectors, u from random pairs, m by EM over pattern counts, term-frequency adjustments,
 * scoring, and `probabilistic` edges for the identity graph. See docs/probabilistic.md.
 */
export { planField, gammaSql, levelLabel, NULL_LEVEL, ELSE_LEVEL, type FieldPlan, type LevelPlan } from './comparisons.js';
export { createBlockedPairs, createRandomPairs } from './pairs.js';
export { trainModel, planFields, type ModelParams, type LevelParams, type TrainOptions } from './model.js';
export { scorePairs, thresholdWeight, probabilityOf } from './score.js';
export { runFellegiSunter, type FellegiSunterResult } from './run.js';
export { clusterAccuracy, type PairwiseAccuracy } from './evaluate.js';
export { linkProbabilistic, validateProbabilistic, type ProbabilisticLinkResult } from './link.js';
export { storeModel, storeLinks, PARAMS_TABLE, LINKS_TABLE, PRIOR_FIELD } from './store.js';
export { readModel, readLinks, type StoredModel, type StoredLink } from './read.js';
export { explainPair, type PairExplanation, type PairField } from './explain.js';
export { loadStoredParams, scoreIncremental, incrementalPairsSql, keptLinksSql, INCREMENTAL_SCRATCH } from './incremental.js';
