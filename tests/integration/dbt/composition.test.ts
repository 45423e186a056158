/**
 * Composition: a cdp project whose models dbt-core builds. Identity names a dbt model with
 * `ref:` and cdp reads where it was built from the dbt manifest (target/manifest.json); `cdp run`
 * builds no models, only identity and profiles.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { openFixture, type DbtFixture } from './harness.js';

describe('identity over models dbt built (ref: through the manifest)', () => {
  let fx: DbtFixture;
  beforeAll(async () => {
    fx = await openFixture('shop', 'duckdb');
    const w = await fx.warehouse();
    await w.execute("CREATE SCHEMA main_app; CREATE TABLE main_app.app_orders AS SELECT 1 AS id, 1 AS user_id, DATE '2024-01-05' AS order_date, 'completed' AS status, now() AS loaded_at; CREATE TABLE main_app.events (id INTEGER, loaded_at TIMESTAMP)");
    expect((await fx.cdp('seed')).code).toBe(0);
    expect((await fx.cdp('run')).code).toBe(0);
  }, 60_000);
  afterAll(async () => fx?.close());

  it('resolves ref:<model> from target/manifest.json and builds only identity', async () => {
    const config = {
      warehouse: { type: 'duckdb', path: join(fx.dir, 'dev.duckdb') },
      schema: 'cdp',
      models: { path: 'no-models', manifest: join(fx.dir, 'target/manifest.json') },
      identity: {
        sources: [{ name: 'customers', relation: 'ref:customer_keys', key: 'customer_key', timestamp: 'updated_at', ids: { customer: 'customer_id' } }],
        idTypes: { customer: { priority: 1 } },
      },
    };
    writeFileSync(join(fx.dir, 'cdp.config.ts'), `export default ${JSON.stringify(config)};\n`);
    const project = await Project.load(fx.dir);
    try {
      expect(project.relation('ref:customer_keys')).toEqual({ schema: 'main_keys_exact', name: 'customer_keys' });
      expect(project.relation('ref:shop.order_payments')).toEqual({ schema: 'main_marts', name: 'payments_by_order' });
      expect(() => project.relation('ref:nope')).toThrow(/has no model, seed or snapshot named nope/);
      const progress: string[] = [];
      const summary = await runProject(project, { onProgress: (line) => progress.push(line), snapshots: false });
      expect(summary.models).toEqual([]);
      expect(progress[0]).toBe(`models: built by dbt (relations read from ${join(fx.dir, 'target/manifest.json')})`);
      expect(summary.identity?.profiles).toBe(4);
    } finally {
      await project.close();
    }
  });
});
