import { isAbsolute, join } from 'node:path';
import type { WarehouseConfig } from '../config/index.js';
import { resolveEnvSecret } from '../config/index.js';
import { DuckDbWarehouse } from './adapters/duckdb.js';
import type { Warehouse } from './types.js';

export type * from './types.js';
export { getDialect, DIALECT_NAMES, UnsupportedDbtMacro, type Dialect, type DialectName, type OrderKey, type SqlValue, type DbtTypeName } from './dialects/index.js';
export { normalizeValue } from './values.js';
export { ENGINE_NAMES, SELF_HOSTED_ENGINES, EMBEDDED_ENGINES, isEngineName, isEmbeddedEngine, type EngineName } from './engines.js';
export { withQueryLabels, currentQueryLabels } from './labels.js';

function resolvePath(projectDir: string, path: string): string {
  return isAbsolute(path) ? path : join(projectDir, path);
}

/** Opens the warehouse a project's config names. Relative file paths are resolved from the project. */
export async function openWarehouse(config: WarehouseConfig, projectDir: string): Promise<Warehouse> {
  switch (config.type) {
    case 'duckdb': {
      const path = config.path === ':memory:' || isAbsolute(config.path) ? config.path : join(projectDir, config.path);
      const tempDirectory = config.tempDirectory === undefined ? undefined : resolvePath(projectDir, config.tempDirectory);
      return DuckDbWarehouse.open({ path, threads: config.threads, memoryLimit: config.memoryLimit, tempDirectory });
    }
    case 'postgres': {
      const { PostgresWarehouse } = await import('./adapters/postgres.js');
      return PostgresWarehouse.open(config);
    }
    case 'bigquery': {
      const { BigQueryWarehouse } = await import('./adapters/bigquery.js');
      return BigQueryWarehouse.open({
        ...config,
        keyFilename: config.keyFilename === undefined ? undefined : resolvePath(projectDir, config.keyFilename),
        maximumBytesBilled: config.maximumBytesBilled === undefined ? undefined : String(config.maximumBytesBilled),
      });
    }
    case 'snowflake': {
      const { SnowflakeWarehouse } = await import('./adapters/snowflake.js');
      return SnowflakeWarehouse.open({
        ...config,
        password: config.password && resolveEnvSecret(config.password, 'warehouse.password'),
        privateKey: config.privateKey && resolveEnvSecret(config.privateKey, 'warehouse.privateKey'),
        privateKeyPassphrase: config.privateKeyPassphrase && resolveEnvSecret(config.privateKeyPassphrase, 'warehouse.privateKeyPassphrase'),
        privateKeyPath: config.privateKeyPath === undefined ? undefined : resolvePath(projectDir, config.privateKeyPath),
      });
    }
  }
}
export { readableSql } from './readable-sql.js';
