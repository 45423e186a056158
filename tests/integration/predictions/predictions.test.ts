/**
 * Predictions on generated customers with a known truth (tests/fixtures/predictions), on DuckDB
 * and Postgres: backtests beat the recency/frequency baseline and come close to what the true
 * rates allow, calibration is bounded, scores land in profiles for audiences, the SQL score equals
 * the model, features are point-in-time (events added after the cutoff change labels, not
 * features), too little data is refused, and both engines give the same numbers.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { countAudience } from '../../../src/audiences/index.js';
import { CdpError } from '../../../src/errors.js';
import { buildIdentity } from '../../../src/identity/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { evaluatePrediction, KINDS, loadModel, runPredictions, scorePrediction, trainPrediction, type Evaluation } from '../../../src/predictions/index.js';
import { featureColumn, labelledFeaturesSelect, scoringFeaturesSelect } from '../../../src/predictions/features.js';
import { auc } from '../../../src/predictions/metrics.js';
import { daysBefore, prepare } from '../../../src/predictions/prepare.js';
import type { Matrix } from '../../../src/predictions/regression.js';
import { AS_OF, createPredictionFixture, DAY_MS, predictionConfig, trueBuyProbability, type PredictionFixture } from '../../fixtures/predictions/customers.js';
import { TestProject } from '../../helpers/project.js';
import { ENGINES, POSTGRES_URL } from '../warehouse/engines.js';

const CUSTOMERS = 3000;
const results: Record<string, { evaluations: Record<string, Evaluation>; scores: Map<string, number[]> }> = {};

/** The oracle's AUC on the backtest's test set: customers seen by the cutoff, labels from the window after it. */
function oracleAuc(f: PredictionFixture, days: number): number {
  const cutoff = AS_OF.getTime() - days * DAY_MS;
  const seen = new Set(f.events.filter((e) => e.at <= cutoff).map((e) => e.customer));
  const bought = new Set(f.events.filter((e) => e.event === 'order_completed' && e.at > cutoff && e.at <= AS_OF.getTime()).map((e) => e.customer));
  const population = f.customers.filter((c) => seen.has(c.id));
  return auc(Float64Array.from(population, (c) => trueBuyProbability(c, cutoff, days)), Float64Array.from(population, (c) => (bought.has(c.id) ? 1 : 0)));
}

describe.each(ENGINES)('predictions on %s', (engine) => {
  let f: PredictionFixture;
  const evaluations: Record<string, Evaluation> = {};

  beforeAll(async () => {
    f = await createPredictionFixture(engine === 'duckdb' ? { type: 'duckdb', path: ':memory:' } : { type: 'postgres', connection: POSTGRES_URL, poolSize: 4 }, CUSTOMERS);
    await buildIdentity(f.project, {});
  }, 180_000);
  afterAll(async () => {
    await f?.close();
  });

  it('propensity: the backtest beats recency/frequency, comes close to the true rates and is calibrated', async () => {
    const e = (evaluations.buy_30d = await evaluatePrediction(f.project, 'buy_30d'));
    const oracle = oracleAuc(f, 30);
    expect(e.model.positives).toBeGreaterThanOrEqual(100);
    expect(e.model.negatives).toBeGreaterThanOrEqual(100);
    expect(e.model.auc).toBeGreaterThan(e.baseline.auc + 0.03);
    expect(e.model.auc).toBeGreaterThan(oracle - 0.05);
    expect(e.model.auc).toBeLessThan(oracle + 0.01);
    expect(e.model.calibrationError).toBeLessThan(0.04);
    expect(e.model.brier).toBeLessThan(e.baseline.brier);
    expect(e.model.topDecileLift).toBeGreaterThan(2.5);
    // Buying often lately is what drives the score up; a long silence drives it down.
    const weight = (name: string) => e.drivers.find((d) => d.feature === name)?.weight ?? 0;
    expect(weight('order_completed count 90d')).toBeGreaterThan(0);
    expect(weight('days since last seen')).toBeLessThan(0);
  }, 120_000);

  it('churn: the complement of buying, also above the baseline', async () => {
    const e = (evaluations.churn_90d = await evaluatePrediction(f.project, 'churn_90d'));
    expect(e.model.auc).toBeGreaterThan(e.baseline.auc + 0.03);
    expect(e.model.calibrationError).toBeLessThan(0.05);
    // The positives of churn are those who did not buy.
    expect(e.model.positives).toBeGreaterThan(e.model.negatives);
  }, 120_000);

  it('ltv: the two-part model predicts value better than the recent average', async () => {
    const e = (evaluations.ltv_90d = await evaluatePrediction(f.project, 'ltv_90d'));
    expect(e.value!.model.mae).toBeLessThan(e.value!.baseline.mae);
    expect(e.value!.model.rmse).toBeLessThan(e.value!.baseline.rmse);
    expect(e.value!.model.spearman).toBeGreaterThan(e.value!.baseline.spearman);
    // Unbiased in total within 20%.
    expect(Math.abs(e.value!.model.predictedMean / e.value!.model.actualMean - 1)).toBeLessThan(0.2);
  }, 120_000);

  it('cdp run trains what is missing and scores every profile into traits audiences can use', async () => {
    const progress: string[] = [];
    const summary = await runProject(f.project, { onProgress: (line) => progress.push(line), snapshots: false });
    expect(summary.predictions?.trained.sort()).toEqual(['buy_30d', 'churn_90d', 'ltv_90d']);
    expect(summary.predictions?.scored.map((s) => s.profiles)).toEqual([CUSTOMERS, CUSTOMERS, CUSTOMERS]);
    expect(progress).toContain('predictions: training buy_30d (no model yet)');
    const d = f.warehouse.dialect;
    const rows = await f.warehouse.query<{ customer_id: string; buy_30d: number; buy_30d_percentile: number; churn_90d: number; ltv_90d: number }>(
      `SELECT customer_id, buy_30d, buy_30d_percentile, churn_90d, ltv_90d FROM ${d.relation({ schema: f.schema, name: 'profiles' })}`,
    );
    expect(rows).toHaveLength(CUSTOMERS);
    for (const row of rows) {
      expect(row.buy_30d).toBeGreaterThanOrEqual(0);
      expect(row.buy_30d).toBeLessThanOrEqual(1);
      expect(row.buy_30d_percentile).toBeGreaterThanOrEqual(0);
      expect(row.buy_30d_percentile).toBeLessThanOrEqual(100);
      expect(row.ltv_90d).toBeGreaterThanOrEqual(0);
    }
    // Calibrated in the large: the mean score is about the share of buyers in the last window.
    const lastWindow = new Set(f.events.filter((e) => e.event === 'order_completed' && e.at > AS_OF.getTime() - 30 * DAY_MS).map((e) => e.customer));
    const mean = rows.reduce((s, r) => s + Number(r.buy_30d), 0) / rows.length;
    expect(Math.abs(mean - lastWindow.size / CUSTOMERS)).toBeLessThan(0.05);
    const top = await countAudience(f.project, { name: 'top', where: { trait: 'buy_30d_percentile', op: 'gte', value: 90 } });
    expect(top).toBeGreaterThan(CUSTOMERS * 0.09);
    expect(top).toBeLessThan(CUSTOMERS * 0.11);
    const likely = await countAudience(f.project, { name: 'likely', where: { trait: 'buy_30d', op: 'gte', value: 0.5 } });
    expect(likely).toBe(rows.filter((r) => Number(r.buy_30d) >= 0.5).length);
    // A second run scores again with the stored models: nothing is due for retraining.
    const second = await runProject(f.project, { snapshots: false });
    expect(second.predictions?.trained).toEqual([]);
    expect(second.predictions?.scored).toHaveLength(3);
    results[engine] = { evaluations, scores: new Map() };
    for (const row of rows) results[engine].scores.set(row.customer_id, [Number(row.buy_30d), Number(row.churn_90d), Number(row.ltv_90d)]);
  }, 300_000);

  it('the SQL score of a profile is the model computed in Node', async () => {
    const model = (await loadModel(f.project, 'ltv_90d'))!;
    const data = await prepare(f.project, 'ltv_90d', f.project.config.predictions.ltv_90d!, model.spec);
    try {
      const d = f.warehouse.dialect;
      const features = scoringFeaturesSelect(d, model.spec, data.sources, data.asOf);
      const rows = await f.warehouse.query(
        `SELECT x.*, p.ltv_90d AS stored FROM (${features}) x JOIN ${d.relation(data.sources.profiles)} p ON p.profile_id = x.profile_id ORDER BY x.profile_id ${d.limit(200)}`,
      );
      const p = model.featureNames.length;
      for (const row of rows) {
        const m: Matrix = { n: 1, p, x: Float64Array.from({ length: p }, (_, i) => Number(row[featureColumn(i)])) };
        expect(Number(row.stored)).toBeCloseTo(KINDS.ltv.scoreRow(model, m, 0), 6);
      }
    } finally {
      await data.cleanup();
    }
  }, 60_000);

  it('a run reads one events table for all its predictions and scores each as it would alone', async () => {
    const base = predictionConfig(f.schema, f.project.config.warehouse, '/tmp');
    // Another event first: in the run's table order_completed gets another code than in a table of its own.
    const project = new TestProject({ ...base, predictions: { views_30d: { kind: 'propensity', event: 'page_view', window: '30 days' }, ...base.predictions } }, f.warehouse);
    const execute = vi.spyOn(f.warehouse, 'execute');
    try {
      const run = await runPredictions(project);
      expect(run.failed).toEqual([]);
      expect(run.trained).toEqual(['views_30d']); // the others score with the models stored above
      const eventTables = execute.mock.calls.map(([sql]) => sql).filter((sql) => /^CREATE .*_prediction_\w+_events/.test(sql));
      expect(eventTables).toHaveLength(1);
    } finally {
      execute.mockRestore();
    }
    const d = f.warehouse.dialect;
    const read = async () =>
      (await f.warehouse.query(`SELECT profile_id, buy_30d, buy_30d_percentile, ltv_90d, views_30d FROM ${d.relation({ schema: f.schema, name: 'profiles' })} ORDER BY profile_id`)).map((r) =>
        [r.profile_id, Number(r.buy_30d), Number(r.buy_30d_percentile), Number(r.ltv_90d), Number(r.views_30d)],
      );
    const together = await read();
    expect(together).toHaveLength(CUSTOMERS);
    for (const name of ['buy_30d', 'ltv_90d', 'views_30d']) await scorePrediction(project, name);
    expect(await read()).toEqual(together);
  }, 120_000);

  it('too little data and too short a history are refused with a hint', async () => {
    const config = (predictions: Record<string, unknown>) => ({ ...predictionConfig(f.schema, f.project.config.warehouse, '/tmp'), predictions } as never);
    const rare = new TestProject(config({ rare: { kind: 'propensity', event: 'order_completed', window: '1 day' } }), f.warehouse);
    const error = await trainPrediction(rare, 'rare').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect((error as CdpError).message).toMatch(/too little data for training: \d+ profiles did it/);
    expect((error as CdpError).hint).toContain('longer window');
    // In a run, the refusal is a warning; the columns exist (NULL), so audiences over them are valid and empty.
    const run = await runPredictions(rare);
    expect(run.failed).toEqual([{ name: 'rare', error: expect.stringContaining('too little data') }]);
    expect(await countAudience(rare, { name: 'rare_top', where: { trait: 'rare_percentile', op: 'gte', value: 0 } })).toBe(0);
    const long = new TestProject(config({ long: { kind: 'churn', event: 'order_completed', window: '500 days' } }), f.warehouse);
    const short = await trainPrediction(long, 'long').catch((e: unknown) => e);
    expect((short as CdpError).message).toMatch(/days of `order_completed` history are too little to train a 500-day prediction/);
    expect((short as CdpError).hint).toContain('needs at least 750 days');
    const backtest = new TestProject(config({ mid: { kind: 'churn', event: 'order_completed', window: '300 days' } }), f.warehouse);
    expect(((await evaluatePrediction(backtest, 'mid').catch((e: unknown) => e)) as CdpError).hint).toContain('a backtest needs at least 750 days');
  }, 60_000);

  it('features are point in time: events after the cutoff change the labels, never the features', async () => {
    const prediction = f.project.config.predictions.ltv_90d!;
    const cutoff = daysBefore(AS_OF, 200);
    const read = async () => {
      const data = await prepare(f.project, 'ltv_90d', prediction);
      try {
        const d = f.warehouse.dialect;
        return await f.warehouse.query(`SELECT * FROM (${labelledFeaturesSelect(d, data.spec, data.sources, cutoff)}) x ORDER BY profile_id`);
      } finally {
        await data.cleanup();
      }
    };
    const before = await read();
    // Every customer seen by the cutoff buys big and browses a lot one hour after it.
    const d = f.warehouse.dialect;
    const events = d.relation({ schema: f.schema, name: 'events' });
    const at = d.literal(new Date(cutoff.getTime() + 3_600_000));
    for (const event of ['order_completed', 'page_view', 'email_click']) {
      await f.warehouse.execute(
        `INSERT INTO ${events} (event_id, customer_id, event, amount, ts) SELECT ${d.concat(d.literal(`leak_${event}_`), 'customer_id')}, customer_id, ${d.literal(event)}, 10000, ${at} FROM ${d.relation({ schema: f.schema, name: 'customers' })} WHERE signup_at <= ${d.literal(cutoff)}`,
      );
    }
    // In full: incremental builds read what arrived after their watermark, and these events are back-dated.
    await buildIdentity(f.project, { full: true });
    const after = await read();
    expect(after.length).toBe(before.length);
    const features = Object.keys(before[0]!).filter((c) => /^f\d+$/.test(c));
    expect(features.length).toBeGreaterThan(10);
    let labelsChanged = 0;
    before.forEach((row, i) => {
      for (const c of features) expect([row.profile_id, c, Number(after[i]![c])]).toEqual([row.profile_id, c, Number(row[c])]);
      if (Number(after[i]!.label_value) !== Number(row.label_value)) labelsChanged++;
    });
    // The new events are visible (labels moved for everyone), yet no feature did.
    expect(labelsChanged).toBe(before.length);
  }, 180_000);
});

describe('the same numbers on every engine', () => {
  it('backtests and scores agree between DuckDB and Postgres', () => {
    const [a, b] = ENGINES.map((engine) => results[engine]);
    expect(a && b).toBeTruthy();
    for (const name of ['buy_30d', 'churn_90d', 'ltv_90d']) {
      expect(b!.evaluations[name]!.model.auc).toBeCloseTo(a!.evaluations[name]!.model.auc, 6);
      expect(b!.evaluations[name]!.baseline.brier).toBeCloseTo(a!.evaluations[name]!.baseline.brier, 6);
      expect(b!.evaluations[name]!.testRows).toBe(a!.evaluations[name]!.testRows);
    }
    expect(b!.scores.size).toBe(a!.scores.size);
    for (const [customer, scores] of a!.scores) {
      const other = b!.scores.get(customer)!;
      scores.forEach((s, i) => expect(other[i]).toBeCloseTo(s, 6));
    }
  });
});
