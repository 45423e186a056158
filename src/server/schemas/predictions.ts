import { z } from 'zod';
import { dateSchema } from './common.js';

const CalibrationBinSchema = z.object({
  predicted: z.number().describe('Mean predicted probability in the bin.'),
  observed: z.number().describe('Share of positives in the bin.'),
  count: z.number(),
}).meta({ id: 'CalibrationBin' });

/** Non-finite numbers (an AUC without both classes) travel as null. */
const metric = z.number().nullable();

export const ClassifierQualitySchema = z.object({
  auc: metric,
  brier: metric,
  calibrationError: metric.describe('Count-weighted |predicted - observed| over ten equal-size bins.'),
  calibration: z.array(CalibrationBinSchema),
  topDecileLift: metric,
  positives: z.number(),
  negatives: z.number(),
}).meta({ id: 'ClassifierQuality' });

export const RegressionQualitySchema = z.object({
  mae: metric,
  rmse: metric,
  spearman: metric,
  actualMean: metric,
  predictedMean: metric,
  rows: z.number(),
}).meta({ id: 'RegressionQuality' });

const DriverSchema = z.object({
  feature: z.string(),
  weight: z.number().describe('Weight on the standardised feature: change of the log-odds per standard deviation.'),
}).meta({ id: 'PredictionDriver' });

const BinSchema = z.object({ from: z.number(), to: z.number(), count: z.number() }).meta({ id: 'ScoreBin' });

export const PredictionEvaluationSchema = z.object({
  evaluatedAt: dateSchema,
  trainCutoff: dateSchema,
  testCutoff: dateSchema,
  horizonDays: z.number(),
  trainRows: z.number(),
  testRows: z.number(),
  model: ClassifierQualitySchema.describe('The model (for ltv: its P(buys) part).'),
  baseline: ClassifierQualitySchema.describe('The recency/frequency baseline on the same split.'),
  value: z.object({ model: RegressionQualitySchema, baseline: RegressionQualitySchema.describe('The recent average.') }).optional(),
  drivers: z.array(DriverSchema),
  distribution: z.array(BinSchema).describe('Scores of the test rows.'),
}).meta({ id: 'PredictionEvaluation' });

export const PredictionViewSchema = z.object({
  name: z.string(),
  kind: z.enum(['propensity', 'churn', 'ltv']),
  event: z.string(),
  windowDays: z.number(),
  value: z.string().nullable(),
  description: z.string().nullable(),
  meaning: z.string().describe('What the score means.'),
  columns: z.object({ score: z.string(), percentile: z.string() }).describe('The profile columns (traits) the prediction writes.'),
  model: z.object({
    trainedAt: dateSchema,
    asOf: dateSchema.describe('The newest event when it was trained.'),
    cutoff: dateSchema,
    rows: z.number(),
    positives: z.number(),
    negatives: z.number(),
    sampled: z.boolean(),
    features: z.number(),
    current: z.boolean().describe('False when the config changed since: the next run retrains it.'),
  }).nullable(),
  evaluation: PredictionEvaluationSchema.nullable().describe('The last `cdp predict evaluate` (null: never evaluated).'),
}).meta({ id: 'PredictionView' });

export const PredictionDetailSchema = PredictionViewSchema.extend({
  drivers: z.array(DriverSchema).describe("The stored model's drivers."),
  distribution: z.array(BinSchema).nullable().describe('Scores of the current profiles (null: not scored yet).'),
}).meta({ id: 'PredictionDetail' });
