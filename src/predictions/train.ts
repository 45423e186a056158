import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { configFingerprint, predictionConfig } from './config.js';
import { KINDS } from './kinds.js';
import type { StoredModel } from './model.js';
import { daysBefore, labelledTable, prepare, requireHistory, scratch, type PreparedData } from './prepare.js';
import { readSample, type Sample } from './sample.js';
import { saveModel } from './store.js';

/** Fewer positives or negatives than this and a model would learn noise: training refuses. */
export const MIN_CLASS_ROWS = 100;

export interface TrainResult {
  model: StoredModel;
  /** Seconds spent building features (SQL), reading the sample and fitting (Node). */
  seconds: { features: number; fit: number; total: number };
}

/**
 * `cdp predict train <name>`: features at cutoff (newest event - window), labels from the window
 * after it, a regression fitted in Node on a bounded sample, calibrated on a held-out fifth;
 * stored in the warehouse (store.ts). `prepared`: the run's events (`prepareRun`), else its own.
 */
export async function trainPrediction(project: Project, name: string, prepared?: PreparedData): Promise<TrainResult> {
  const prediction = predictionConfig(project, name);
  const started = performance.now();
  const data = prepared ?? (await prepare(project, name, prediction));
  const table = scratch(project, name, 'train');
  try {
    const cutoff = daysBefore(data.asOf, prediction.window);
    requireHistory(project, data, cutoff, 'train');
    const rows = await labelledTable(data, table, cutoff);
    const sample = await readSample(data.warehouse, table, rows, data.featureNames.length, prediction.sampleSize, data.spec.hasValue);
    const featuresDone = performance.now();
    requireBothClasses(project, data, sample, 'training');
    const parts = KINDS[prediction.kind].train(sample, data.featureNames, prediction.l2);
    const positives = sample.label.reduce((sum, y) => sum + y, 0);
    const model: StoredModel = {
      version: 1,
      name,
      kind: prediction.kind,
      fingerprint: configFingerprint(prediction),
      trainedAt: new Date().toISOString(),
      asOf: data.asOf.toISOString(),
      cutoff: cutoff.toISOString(),
      spec: data.spec,
      featureNames: data.featureNames,
      ...parts,
      training: { rows: sample.n, positives, negatives: sample.n - positives, calibrationRows: sample.heldOut.reduce((s, h) => s + h, 0), sampled: sample.sampled },
    };
    await saveModel(project, model);
    const done = performance.now();
    return { model, seconds: { features: (featuresDone - started) / 1000, fit: (done - featuresDone) / 1000, total: (done - started) / 1000 } };
  } finally {
    await data.warehouse.execute(data.warehouse.dialect.dropRelation(table, 'table'));
    await data.cleanup();
  }
}

/** Refuses a sample with fewer than MIN_CLASS_ROWS positives or negatives. */
export function requireBothClasses(project: Project, data: PreparedData, sample: Sample, purpose: string): void {
  const positives = sample.label.reduce((sum, y) => sum + y, 0);
  const negatives = sample.n - positives;
  if (positives >= MIN_CLASS_ROWS && negatives >= MIN_CLASS_ROWS) return;
  const [yes, no] = data.spec.kind === 'churn' ? ['churned', 'stayed'] : ['did it', 'did not'];
  throw new CdpError('INVALID_INPUT', `prediction \`${data.name}\`: too little data for ${purpose}: ${positives} profiles ${yes} and ${negatives} ${no} within ${data.spec.horizon} days of the cutoff (at least ${MIN_CLASS_ROWS} of each are needed)`, {
    location: { file: project.configFile, path: `predictions.${data.name}` },
    hint: 'wait for more data, or predict a more common event or a longer window',
  });
}
