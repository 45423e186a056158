/**
 * Every statement predictions send (training, a backtest, and the run step that trains, scores and
 * rewrites profiles) for BigQuery (ZetaSQL against the tables as DuckDB built them) and Snowflake
 * (sqlparser-rs + the function allow-list). Collected by running on a DuckDB warehouse of
 * generated customers (tests/fixtures/predictions) and replaying in each dialect (recording-warehouse.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../src/identity/index.js';
import { evaluatePrediction, runPredictions, trainPrediction } from '../../src/predictions/index.js';
import type { Project } from '../../src/project/index.js';
import { createPredictionFixture, type PredictionFixture } from '../fixtures/predictions/customers.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import { bigQueryCatalogOf, type CatalogTable } from './demo-catalog.js';
import { ProjectWith, RecordingWarehouse, TapingWarehouse, type RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

let f: PredictionFixture;
let zeta: ZetaSqlServer;
let tables: CatalogTable[];
const replays: Record<'bigquery' | 'snowflake', { statements: RecordedStatement[]; error: string | null }> = {} as never;

async function step(project: Project): Promise<void> {
  await trainPrediction(project, 'buy_30d');
  await evaluatePrediction(project, 'ltv_90d');
  await runPredictions(project);
}

beforeAll(async () => {
  [f, zeta] = await Promise.all([createPredictionFixture({ type: 'duckdb', path: ':memory:' }, 1500), ZetaSqlServer.start()]);
  await buildIdentity(f.project, {});
  tables = [];
  for (const relation of await f.warehouse.listRelations(f.schema)) tables.push({ schema: f.schema, name: relation.name, columns: await f.warehouse.listColumns(relation) });
  const taping = new TapingWarehouse(f.warehouse);
  await step(new ProjectWith(f.project, taping));
  for (const engine of ['bigquery', 'snowflake'] as const) {
    const recording = new RecordingWarehouse(engine, taping.tape);
    let error: string | null = null;
    await step(new ProjectWith(f.project, recording)).catch((failure: unknown) => (error = (failure as Error).message));
    replays[engine] = { statements: recording.statements, error };
  }
}, 240_000);
afterAll(async () => {
  zeta?.stop();
  await f?.close();
});

describe('prediction SQL on BigQuery and Snowflake', () => {
  it('replays like the DuckDB run, with every kind of statement', () => {
    for (const engine of ['bigquery', 'snowflake'] as const) {
      expect(replays[engine].error).toBeNull();
      const sql = replays[engine].statements.map((s) => s.sql).join('\n');
      expect(sql).toContain('PERCENT_RANK() OVER');
      expect(sql).toMatch(/EXP\(-GREATEST\(LEAST\(/);
      expect(replays[engine].statements.filter((s) => s.via === 'stream').length).toBeGreaterThanOrEqual(4);
    }
  });

  it('BigQuery: every statement resolves against the catalog', async () => {
    const report = await checkBigQuery(zeta, bigQueryCatalogOf({ tables }), replays.bigquery.statements);
    expect(report.checked).toBeGreaterThan(20);
    expect(describeFailures(report)).toEqual([]);
  });

  it('Snowflake: every statement parses and calls only Snowflake functions', async () => {
    const report = await checkSnowflakeAll(replays.snowflake.statements);
    expect(report.checked).toBeGreaterThan(20);
    expect(describeFailures(report)).toEqual([]);
  });
});
