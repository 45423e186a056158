import type { Project } from '../project/index.js';
import { predictionConfig } from './config.js';
import { KINDS } from './kinds.js';
import { drivers, type Evaluation } from './model.js';
import { daysBefore, labelledTable, prepare, requireHistory, scratch } from './prepare.js';
import { readSample, type Sample } from './sample.js';
import { saveEvaluation } from './store.js';
import { requireBothClasses } from './train.js';

/**
 * `cdp predict evaluate <name>`: a backtest on a time split. The model (and the recency/frequency
 * baseline) is trained at cutoff T1 = newest event - 2 windows with labels from (T1, T1 + window],
 * then judged on everyone seen by T2 = T1 + window, with labels from (T2, T2 + window]: data it
 * never saw, later in time. The report is stored for the UI.
 */
export async function evaluatePrediction(project: Project, name: string): Promise<Evaluation> {
  const prediction = predictionConfig(project, name);
  const data = await prepare(project, name, prediction);
  const trainTable = scratch(project, name, 'backtest_train');
  const testTable = scratch(project, name, 'backtest_test');
  try {
    const testCutoff = daysBefore(data.asOf, prediction.window);
    const trainCutoff = daysBefore(testCutoff, prediction.window);
    requireHistory(project, data, trainCutoff, 'evaluate');
    const p = data.featureNames.length;
    const read = async (table: typeof trainTable, cutoff: Date): Promise<Sample> =>
      readSample(data.warehouse, table, await labelledTable(data, table, cutoff), p, prediction.sampleSize, data.spec.hasValue);
    const train = await read(trainTable, trainCutoff);
    requireBothClasses(project, data, train, 'a backtest (training part)');
    const test = await read(testTable, testCutoff);
    requireBothClasses(project, data, test, 'a backtest (test part)');
    const kind = KINDS[prediction.kind];
    const parts = kind.train(train, data.featureNames, prediction.l2);
    const quality = kind.evaluate(parts, train, test, data.featureNames, prediction.l2, prediction.window);
    const scores = Float64Array.from({ length: test.n }, (_, r) => kind.scoreRow(parts, test, r));
    const evaluation: Evaluation = {
      name,
      kind: prediction.kind,
      evaluatedAt: new Date().toISOString(),
      trainCutoff: trainCutoff.toISOString(),
      testCutoff: testCutoff.toISOString(),
      horizonDays: prediction.window,
      trainRows: train.n,
      testRows: test.n,
      ...quality,
      drivers: drivers(data.featureNames, parts.classifier.fit),
      distribution: histogram(scores, prediction.kind === 'ltv' ? scores.reduce((top, s) => Math.max(top, s), 1) : 1),
    };
    await saveEvaluation(project, evaluation);
    return evaluation;
  } finally {
    for (const table of [trainTable, testTable]) await data.warehouse.execute(data.warehouse.dialect.dropRelation(table, 'table'));
    await data.cleanup();
  }
}

function histogram(scores: Float64Array, top: number, bins = 20): Evaluation['distribution'] {
  const width = top / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const s of scores) counts[Math.min(bins - 1, Math.max(0, Math.floor(s / width)))]!++;
  return counts.map((count, i) => ({ from: i * width, to: (i + 1) * width, count }));
}
