/**
 * Opens each warehouse engine for the shared contract tests: DuckDB in memory and the test
 * Postgres server, and BigQuery and Snowflake against their local fakes. Every caller gets its own uniquely named schemas and drops them afterwards,
 * since other test files use the same Postgres database at the same time.
 */
import { randomBytes } from 'node:crypto';
import { DuckDbWarehouse } from '../../../src/warehouse/adapters/duckdb.js';
import { PostgresWarehouse } from '../../../src/warehouse/adapters/postgres.js';
import { BigQueryWarehouse } from '../../../src/warehouse/adapters/bigquery.js';
import { SnowflakeWarehouse } from '../../../src/warehouse/adapters/snowflake.js';
import { ENGINE_NAMES, SELF_HOSTED_ENGINES, type EngineName as AnyEngineName, type Warehouse } from '../../../src/warehouse/index.js';
import { startFakeBigQuery } from '../../fixtures/fake-bigquery/server.js';
import { startFakeSnowflake } from '../../fixtures/fake-snowflake/server.js';

export const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * The engines of the whole contract suite: the self-hosted ones of src/warehouse/engines.ts, run
 * for real.
 */
export type EngineName = (typeof SELF_HOSTED_ENGINES)[number];
export const ENGINES: readonly EngineName[] = SELF_HOSTED_ENGINES;

/**
 * The cloud engines, through their official clients against local fakes of the services
 * (tests/fixtures/fake-bigquery, fake-snowflake). They run the part of the contract that is the
 * adapter's own work and reads the same on every engine: bulk loading (`loadTable`) and reading
 * the values back. The rest is not theirs to run: the fakes execute on DuckDB after a light
 * rewrite, so the suite's hand-written SQL (`$n` binds, `DOUBLE PRECISION`, `generate_series`,
 * a table named `Mixed Case`, Postgres-style `LINE n:` positions, rollback of DDL, which BigQuery
 * does not have) would test the rewrite, not the engine. Their adapters have their own suites
 * (bigquery.test.ts, snowflake.test.ts: protocol, paging, timeouts, errors, transactions) and
 * every generated statement passes the ZetaSQL and Snowflake checks (tests/sqlcheck).
 */
export const CLOUD_ENGINES = ENGINE_NAMES.filter((name): name is Exclude<AnyEngineName, EngineName> => !(ENGINES as readonly string[]).includes(name));

/** A cloud engine's adapter on a fresh fake of its service; `close` stops both. */
export async function openCloudEngine(engine: (typeof CLOUD_ENGINES)[number]): Promise<Warehouse> {
  if (engine === 'bigquery') {
    const fake = await startFakeBigQuery({ projectId: 'contract', location: 'EU' });
    const warehouse = BigQueryWarehouse.open({ projectId: 'contract', location: 'EU', keyFilename: fake.keyFile, apiEndpoint: fake.url });
    return closingAlso(warehouse, () => fake.close());
  }
  const fake = await startFakeSnowflake({ account: 'contract', user: 'cdp', password: 'contract' });
  const warehouse = SnowflakeWarehouse.open({ account: 'contract', username: 'cdp', password: 'contract', warehouse: 'W', database: 'D', accessUrl: fake.url });
  return closingAlso(warehouse, () => fake.close());
}

function closingAlso(warehouse: Warehouse, stop: () => Promise<void>): Warehouse {
  const close = warehouse.close.bind(warehouse);
  return Object.assign(warehouse, { close: () => close().finally(stop) });
}

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
