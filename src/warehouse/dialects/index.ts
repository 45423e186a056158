import { BigQueryDialect } from './bigquery.js';
import { DuckDbDialect } from './duckdb.js';
import { PostgresDialect } from './postgres.js';
import { SnowflakeDialect } from './snowflake.js';
import type { Dialect, DialectName } from './types.js';

export type { Dialect, DialectName, SqlValue, TimeUnit, MergeOptions, OrderKey } from './types.js';
export { wrapQuoted } from './base.js';
export { foldSnowflakeName, unfoldSnowflakeName } from './snowflake.js';

const dialects: Partial<Record<DialectName, Dialect>> = {
  duckdb: new DuckDbDialect(),
  postgres: new PostgresDialect(),
  bigquery: new BigQueryDialect(),
  snowflake: new SnowflakeDialect(),
};

export const DIALECT_NAMES: readonly DialectName[] = ['duckdb', 'postgres', 'bigquery', 'snowflake'];

export function getDialect(name: DialectName): Dialect {
  const dialect = dialects[name];
  if (!dialect) throw new Error(`the ${name} dialect is not available yet`);
  return dialect;
}
