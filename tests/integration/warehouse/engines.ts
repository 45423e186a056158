/**
 * Opens each real warehouse engine for the shared contract tests: DuckDB in memory and the test
 * Postgres server. Every caller gets its own uniquely named schemas and drops them afterwards,
 * since other test files use the same Postgres database at the same time.
 */
import { randomBytes } from 'node:crypto';
import { DuckDbWarehouse } from '../../../src/warehouse/adapters/duckdb.js';
import { PostgresWarehouse } from '../../../src/warehouse/adapters/postgres.js';
import { SELF_HOSTED_ENGINES, type Warehouse } from '../../../src/warehouse/index.js';

export const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The engines of the contract suite: the self-hosted ones of src/warehouse/engines.ts, run for
 * real. BigQuery and Snowflake are not in it: their fakes (tests/fixtures/fake-bigquery,
 * fake-snowflake) answer the clients' wire protocols but execute on DuckDB after a light
 * rewrite, so the suite's SQL (`DOUBLE PRECISION` columns, `$n` binds, Postgres-style
 * `LINE n:` error positions) would test the rewrite rather than the engine. Their adapters have
 * their own suites (bigquery.test.ts, snowflake.test.ts: protocol, loading, paging, timeouts,
 * errors) and every generated statement passes the ZetaSQL and Snowflake checks (tests/sqlcheck).
 */
export type EngineName = (typeof SELF_HOSTED_ENGINES)[number];
export const ENGINES: readonly EngineName[] = SELF_HOSTED_ENGINES;

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

export async function openEngine(engine: EngineName): Promise<Warehouse> {
  if (engine === 'duckdb') return DuckDbWarehouse.open({ path: ':memory:' });
  return PostgresWarehouse.open({ type: 'postgres', connection: POSTGRES_URL, poolSize: 4 });
}

export async function dropSchema(warehouse: Warehouse, schema: string): Promise<void> {
  await warehouse.execute(`DROP SCHEMA IF EXISTS ${warehouse.dialect.quoteIdent(schema)} CASCADE`);
}
