import type { PredictionKind } from '../config/index.js';
import type { FeatureSpec } from './features.js';
import type { ClassifierQuality, RegressionQuality } from './metrics.js';
import type { LinearFit } from './regression.js';

/** A trained model as stored (JSON): everything scoring needs to rebuild the features and the score. */
export interface StoredModel {
  version: 1;
  name: string;
  kind: PredictionKind;
  /** The config it was trained under (configFingerprint). */
  fingerprint: string;
  trainedAt: string;
  /** The newest event when it was trained (the data's "now"). */
  asOf: string;
  /** Features at this cutoff, labels from (cutoff, cutoff + horizon]. */
  cutoff: string;
  spec: FeatureSpec;
  featureNames: string[];
  /** P(label = 1): log-odds from the fit, then Platt scaling. For ltv, P(buys in the horizon). */
  classifier: { fit: LinearFit; platt: { a: number; b: number } };
  /** ltv only: E[value | buys] = exp(fit) x smear (Duan's smearing of the log-value regression). */
  value?: { fit: LinearFit; smear: number; maxLog: number };
  training: { rows: number; positives: number; negatives: number; calibrationRows: number; sampled: boolean };
}

/** A backtest report (`cdp predict evaluate`), stored next to the model for the UI. */
export interface Evaluation {
  name: string;
  kind: PredictionKind;
  evaluatedAt: string;
  trainCutoff: string;
  testCutoff: string;
  horizonDays: number;
  trainRows: number;
  testRows: number;
  /** propensity/churn: the model and the recency/frequency baseline; ltv: P(buy) part of both. */
  model: ClassifierQuality;
  baseline: ClassifierQuality;
  /** ltv: value accuracy of the two-part model and of the simple one (the last horizon's value repeated). */
  value?: { model: RegressionQuality; baseline: RegressionQuality };
  /** Features by |standardised weight| of the model evaluated. */
  drivers: { feature: string; weight: number }[];
  /** Score histogram of the test rows (20 bins over [0, 1] or over the value range for ltv). */
  distribution: { from: number; to: number; count: number }[];
}

/** Features ordered by how much they move the score (|weight| on standardised features). */
export function drivers(featureNames: readonly string[], fit: LinearFit): { feature: string; weight: number }[] {
  return fit.cols
    .map((c, j) => ({ feature: featureNames[c]!, weight: fit.weights[j]! }))
    .filter((d) => d.weight !== 0)
    .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight));
}
