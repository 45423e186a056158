import type { PredictionKind } from '../config/index.js';
import type { Dialect } from '../warehouse/index.js';
import { sigmoid } from './linalg.js';
import { classifierQuality, regressionQuality, type ClassifierQuality, type RegressionQuality } from './metrics.js';
import type { StoredModel } from './model.js';
import { fitLogistic, fitPlatt, fitRidge, linearScore, type LinearFit, type Matrix } from './regression.js';
import { rowsWhere, type Sample } from './sample.js';

/** What training produces for a kind (the rest of StoredModel is bookkeeping). */
export type ModelParts = Pick<StoredModel, 'classifier' | 'value'>;

export interface Quality {
  model: ClassifierQuality;
  baseline: ClassifierQuality;
  value?: { model: RegressionQuality; baseline: RegressionQuality };
}

/** One kind of prediction: how it learns, scores in SQL and is judged. One entry per kind in KINDS. */
export interface PredictionKindDefinition {
  kind: PredictionKind;
  /** What the score means, for docs and the UI. */
  meaning: string;
  train(sample: Sample, featureNames: readonly string[], l2: number): ModelParts;
  /** One SQL expression over the feature expressions `f` (in model order). */
  scoreSql(d: Dialect, model: ModelParts, f: readonly string[]): string;
  /** The same score computed in Node for row r of a matrix (backtests, and tests of the SQL). */
  scoreRow(model: ModelParts, m: Matrix, r: number): number;
  /** The model and the recency/frequency baseline (fitted on `train`) judged on `test`. */
  evaluate(model: ModelParts, train: Sample, test: Sample, featureNames: readonly string[], l2: number, horizon: number): Quality;
}

const CLAMP = 35;

function linearSql(d: Dialect, fit: LinearFit, f: readonly string[]): string {
  // Standardisation folded into the weights: w'_j = w_j / sd_j, b' = b - sum w_j mean_j / sd_j.
  let intercept = fit.intercept;
  const terms: string[] = [];
  fit.cols.forEach((c, j) => {
    const weight = fit.weights[j]! / fit.sds[j]!;
    intercept -= weight * fit.means[j]!;
    if (weight !== 0) terms.push(`${d.literal(weight)} * ${f[c]!}`);
  });
  return balancedSum([d.literal(intercept), ...terms]);
}

/**
 * `a + b + c + ...` parsed left to right nests one level per term; a balanced tree keeps a model
 * of many features log-deep, within what SQL analyzers accept (ZetaSQL stops at its nesting limit).
 */
function balancedSum(terms: readonly string[]): string {
  if (terms.length === 1) return `(${terms[0]!})`;
  const half = Math.ceil(terms.length / 2);
  return `(${balancedSum(terms.slice(0, half))} + ${balancedSum(terms.slice(half))})`;
}

function probabilitySql(d: Dialect, classifier: ModelParts['classifier'], f: readonly string[]): string {
  const { a, b } = classifier.platt;
  const logit = `${d.literal(a)} * ${linearSql(d, classifier.fit, f)} + ${d.literal(b)}`;
  return `(1.0 / (1.0 + EXP(-GREATEST(LEAST(${logit}, ${CLAMP}), -${CLAMP}))))`;
}

function probabilityRow(classifier: ModelParts['classifier'], m: Matrix, r: number): number {
  return sigmoid(classifier.platt.a * linearScore(m, r, classifier.fit) + classifier.platt.b);
}

function featureIndex(names: readonly string[], wanted: string): number {
  const i = names.indexOf(wanted);
  if (i < 0) throw new Error(`feature ${wanted} missing from the spec`);
  return i;
}

/** The baseline's columns: days since the last target event and how often it happened. */
function recencyFrequency(names: readonly string[]): number[] {
  const event = names[0]!.replace(/ count \d+d$/, '');
  return [featureIndex(names, `days since last ${event}`), featureIndex(names, `${event} count ever`)];
}

/** Logistic regression on the training part, Platt scaling on the held-out part. */
function trainClassifier(sample: Sample, cols: number[], l2: number): ModelParts['classifier'] {
  const fit = fitLogistic(sample, sample.label, rowsWhere(sample.n, (r) => sample.heldOut[r] === 0), cols, l2);
  const held = rowsWhere(sample.n, (r) => sample.heldOut[r] === 1);
  const scores = Float64Array.from(held, (r) => linearScore(sample, r, fit));
  const labels = Float64Array.from(held, (r) => sample.label[r]!);
  return { fit, platt: fitPlatt(scores, labels) };
}

function allColumns(sample: Matrix): number[] {
  return Array.from({ length: sample.p }, (_, i) => i);
}

function judgeClassifiers(model: ModelParts['classifier'], baseline: ModelParts['classifier'], test: Sample): Pick<Quality, 'model' | 'baseline'> {
  const modelScores = Float64Array.from({ length: test.n }, (_, r) => probabilityRow(model, test, r));
  const baselineScores = Float64Array.from({ length: test.n }, (_, r) => probabilityRow(baseline, test, r));
  return { model: classifierQuality(modelScores, test.label), baseline: classifierQuality(baselineScores, test.label) };
}

const classifier = (kind: 'propensity' | 'churn', meaning: string): PredictionKindDefinition => ({
  kind,
  meaning,
  train: (sample, _names, l2) => ({ classifier: trainClassifier(sample, allColumns(sample), l2) }),
  scoreSql: (d, model, f) => probabilitySql(d, model.classifier, f),
  scoreRow: (model, m, r) => probabilityRow(model.classifier, m, r),
  evaluate: (model, train, test, names, l2) => judgeClassifiers(model.classifier, trainClassifier(train, recencyFrequency(names), l2), test),
});

/** ltv's value part: ridge regression of log(value) over the buyers of the training part. */
function trainValue(sample: Sample, l2: number): NonNullable<ModelParts['value']> {
  const buyers = rowsWhere(sample.n, (r) => sample.heldOut[r] === 0 && sample.label[r] === 1);
  const logValue = Float64Array.from(sample.value, (v) => Math.log(Math.max(v, 0.01)));
  const fit = fitRidge(sample, logValue, buyers, allColumns(sample), l2);
  let smear = 0;
  let maxLog = 0;
  for (const r of buyers) {
    smear += Math.exp(logValue[r]! - linearScore(sample, r, fit));
    maxLog = Math.max(maxLog, logValue[r]!);
  }
  return { fit, smear: buyers.length ? smear / buyers.length : 1, maxLog: maxLog + Math.LN2 };
}

function ltvRow(model: ModelParts, m: Matrix, r: number): number {
  const value = model.value!;
  return probabilityRow(model.classifier, m, r) * Math.exp(Math.min(linearScore(m, r, value.fit), value.maxLog)) * value.smear;
}

/** The simple ltv: the average value per day over the longest window, times the horizon. */
function recentAverage(names: readonly string[], m: Matrix, r: number, horizon: number): number {
  let column = -1;
  let days = 0;
  names.forEach((name, i) => {
    const window = /value (\d+)d$/.exec(name);
    if (window && Number(window[1]) > days) [column, days] = [i, Number(window[1])];
  });
  return ((Math.exp(m.x[r * m.p + column]!) - 1) * horizon) / days;
}

const ltv: PredictionKindDefinition = {
  kind: 'ltv',
  meaning: 'expected sum of the value within the window (P(buys) x expected value when buying)',
  train: (sample, _names, l2) => ({ classifier: trainClassifier(sample, allColumns(sample), l2), value: trainValue(sample, l2) }),
  scoreSql: (d, model, f) => {
    const value = model.value!;
    return `(${probabilitySql(d, model.classifier, f)} * EXP(LEAST(${linearSql(d, value.fit, f)}, ${d.literal(value.maxLog)})) * ${d.literal(value.smear)})`;
  },
  scoreRow: ltvRow,
  evaluate: (model, train, test, names, l2, horizon) => {
    const quality = judgeClassifiers(model.classifier, trainClassifier(train, recencyFrequency(names), l2), test);
    const predicted = Float64Array.from({ length: test.n }, (_, r) => ltvRow(model, test, r));
    const simple = Float64Array.from({ length: test.n }, (_, r) => recentAverage(names, test, r, horizon));
    return { ...quality, value: { model: regressionQuality(predicted, test.value), baseline: regressionQuality(simple, test.value) } };
  },
};

export const KINDS: Readonly<Record<PredictionKind, PredictionKindDefinition>> = {
  propensity: classifier('propensity', 'probability of doing the event within the window'),
  churn: classifier('churn', 'probability of not doing the event within the window'),
  ltv,
};
