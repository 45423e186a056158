/**
 * The predictions API over generated customers (DuckDB): the list with model and backtest, and one
 * prediction's drivers and the distribution of the scores in profiles.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import { evaluatePrediction, runPredictions } from '../../../src/predictions/index.js';
import { createPredictionFixture, type PredictionFixture } from '../../fixtures/predictions/customers.js';
import { testApp, type TestApp } from '../../unit/server/helpers.js';

const CUSTOMERS = 1500;

describe('predictions API', () => {
  let f: PredictionFixture;
  let t: TestApp;
  beforeAll(async () => {
    f = await createPredictionFixture({ type: 'duckdb', path: ':memory:' }, CUSTOMERS);
    await buildIdentity(f.project, {});
    await runPredictions(f.project);
    await evaluatePrediction(f.project, 'buy_30d');
    t = await testApp(f.project);
  }, 180_000);
  afterAll(async () => {
    await f?.close();
  });

  const get = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${t.tokens.viewer}`);

  it('lists every prediction with its model; the evaluated one with its backtest', async () => {
    const res = await get('/api/predictions');
    expect(res.status).toBe(200);
    expect(res.body.map((p: { name: string }) => p.name)).toEqual(['buy_30d', 'churn_90d', 'ltv_90d']);
    const buy = res.body[0];
    expect(buy).toMatchObject({ kind: 'propensity', event: 'order_completed', windowDays: 30, columns: { score: 'buy_30d', percentile: 'buy_30d_percentile' } });
    expect(buy.model).toMatchObject({ current: true, sampled: false });
    expect(buy.model.positives).toBeGreaterThanOrEqual(100);
    expect(buy.evaluation.model.auc).toBeGreaterThan(buy.evaluation.baseline.auc);
    expect(buy.evaluation.model.calibration).toHaveLength(10);
    expect(res.body[1].evaluation).toBeNull();
  });

  it('one prediction: drivers and the distribution of every profile score', async () => {
    const res = await get('/api/predictions/ltv_90d');
    expect(res.status).toBe(200);
    expect(res.body.drivers.length).toBeGreaterThan(5);
    expect(res.body.distribution).toHaveLength(20);
    expect(res.body.distribution.reduce((s: number, b: { count: number }) => s + b.count, 0)).toBe(CUSTOMERS);
    expect(res.body.distribution[19].to).toBeGreaterThan(1);
  });

  it('the audience catalog marks the score and percentile traits for the builder', async () => {
    const res = await get('/api/audience-catalog');
    expect(res.status).toBe(200);
    const trait = (name: string) => res.body.traits.find((t: { name: string }) => t.name === name);
    expect(trait('buy_30d_percentile')).toMatchObject({ kind: 'integer', prediction: { name: 'buy_30d', role: 'percentile' } });
    expect(trait('ltv_90d')).toMatchObject({ kind: 'number', prediction: { name: 'ltv_90d', role: 'score' } });
    expect(trait('segment').prediction).toBeUndefined();
  });

  it('an unknown prediction is a 404 naming the configured ones', async () => {
    const res = await get('/api/predictions/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.hint).toContain('buy_30d');
  });
});
