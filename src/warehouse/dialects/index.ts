import { BigQueryDialect } from './bigquery.js';
import { DuckDbDialect } from './duckdb.js';
import { PostgresDialect } from './postgres.js';
import { SnowflakeDialect } from './snowflake.js';
import type { Dialect, DialectName } from './types.js';
import { ENGINE_NAMES } from '../engines.js';

export type { Dialect, DialectName, SqlValue, TimeUnit, MergeOptions, OrderKey, DbtMacros, DbtTypeName } from './types.js';
export { UnsupportedDbtMacro } from './dbt-macros.js';
export { wrapQuoted } from './base.js';
export { foldSnowflakeName, unfoldSnowflakeName } from './snowflake.js';

// Every engine has its dialect: a new name in ENGINE_NAMES fails to compile here until it does.
const dialects: Record<DialectName, Dialect> = {
  duckdb: new DuckDbDialect(),
  postgres: new PostgresDialect(),
  bigquery: new BigQueryDialect(),
  snowflake: new SnowflakeDialect(),
};

export const DIALECT_NAMES: readonly DialectName[] = ENGINE_NAMES;

export function getDialect(name: DialectName): Dialect {
  // Names come from validated config and input; a stray string still fails by name, not later as undefined.
  const dialect = dialects[name] as Dialect | undefined;
  if (!dialect) throw new Error(`unknown dialect ${String(name)} (engines: ${ENGINE_NAMES.join(', ')})`);
  return dialect;
}
