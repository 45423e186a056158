/** Predictive traits (propensity, churn, ltv): trained on the warehouse's data, scored in it (docs/predictions.md). */
export { KINDS, type PredictionKindDefinition } from './kinds.js';
export { trainPrediction, MIN_CLASS_ROWS, type TrainResult } from './train.js';
export { evaluatePrediction } from './evaluate.js';
export { scorePrediction, scoresSelect, percentileColumn, type ScoreResult } from './score.js';
export { runPredictions, type PredictionRun } from './run-step.js';
export { loadModel, loadEvaluation, modelsTable } from './store.js';
export { predictionConfig, configFingerprint } from './config.js';
export { drivers } from './model.js';
export type { StoredModel, Evaluation } from './model.js';
export type { ClassifierQuality, RegressionQuality, CalibrationBin } from './metrics.js';
export { predictionColumns, type PredictionColumn } from './columns.js';
