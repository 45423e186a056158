/**
 * Opens each real warehouse engine for the shared contract tests: DuckDB in memory and the test
 * Postgres server. Every caller gets its own uniquely named schemas and drops them afterwards,
 * since other test files use the same Postgres database at the same time.
 */
import { randomBytes } from 'node:crypto';
import { DuckDbWarehouse } from '../../../src/warehouse/adapters/duckdb.js';
import { PostgresWarehouse } from '../../../src/warehouse/adapters/postgres.js';
import type { Warehouse } from '../../../src/warehouse/index.js';

export const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type EngineName = 'duckdb' | 'postgres';
export const ENGINES: readonly EngineName[] = ['duckdb', 'postgres'];

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
