/**
 * `cdp predict train | evaluate | score <name> [--json]` on a project folder whose DuckDB file
 * holds generated customers with identity built; and the refusal of an unknown name.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import { Project } from '../../../src/project/index.js';
import { loadCustomers, predictionConfig } from '../../fixtures/predictions/customers.js';
import { runCli } from '../../helpers/cli.js';

describe('cdp predict', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-predict-cli-'));
    const config = predictionConfig('cdp', { type: 'duckdb', path: join(dir, 'warehouse.duckdb') }, dir);
    writeFileSync(join(dir, 'cdp.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
    const project = new Project(dir, join(dir, 'cdp.config.ts'), parseConfig(config));
    const warehouse = await project.warehouse();
    await warehouse.createSchema('cdp');
    await loadCustomers(warehouse, 'cdp', 1500);
    await buildIdentity(project, {});
    await project.close();
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains, evaluates and scores, in words and as JSON', async () => {
    const train = await runCli('predict', 'train', 'buy_30d', '--project', dir);
    expect(train.err).toBe('');
    expect(train.code).toBe(0);
    expect(train.out).toMatch(/buy_30d: propensity model trained on 1,\d{3} profiles at cutoff 2025-05-0\d: \d+ positive, \d+ negative/);

    const evaluate = await runCli('predict', 'evaluate', 'buy_30d', '--project', dir);
    expect(evaluate.code).toBe(0);
    expect(evaluate.out).toMatch(/\nmodel\s+0\.\d{3}\s/);
    expect(evaluate.out).toMatch(/\nrecency\/frequency\s+0\.\d{3}\s/);
    expect(evaluate.out).toContain('drivers: ');

    const json = await runCli('predict', 'evaluate', 'ltv_90d', '--project', dir, '--json');
    const report = JSON.parse(json.out) as { value: { model: { mae: number }; baseline: { mae: number } }; model: { auc: number } };
    expect(report.model.auc).toBeGreaterThan(0.7);
    expect(report.value.model.mae).toBeGreaterThan(0);

    const score = await runCli('predict', 'score', 'buy_30d', '--project', dir, '--json');
    expect(JSON.parse(score.out)).toMatchObject({ name: 'buy_30d', profiles: 1500, asOf: expect.stringMatching(/^2025-0[56]/) });
  }, 120_000);

  it('an unscored prediction and an unknown name are clear errors', async () => {
    const untrained = await runCli('predict', 'score', 'churn_90d', '--project', dir);
    expect(untrained.code).not.toBe(0);
    expect(untrained.err).toContain('prediction `churn_90d` has no trained model yet');
    expect(untrained.err).toContain('cdp predict train churn_90d');
    const unknown = await runCli('predict', 'train', 'nope', '--project', dir);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('no prediction named `nope`');
    expect(unknown.err).toContain('buy_30d, churn_90d, ltv_90d');
  });
});
