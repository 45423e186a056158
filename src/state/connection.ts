import { dirname, isAbsolute, join } from 'node:path';
import type { Knex } from 'knex';
import type { StateConfig } from '../config/index.js';
import { logger } from '../logger.js';
import type { StateDialect } from './types.js';
import { createPrivateFile, ensurePrivateDir, restrictFiles } from '../util/permissions.js';

/** The bits of a better-sqlite3 connection we touch (its own types are not installed). */
interface SqliteConnection {
  pragma(source: string): unknown;
}

export interface StateConnection {
  dialect: StateDialect;
  knexConfig: Knex.Config;
  /** Postgres schema holding the state tables, when configured. */
  schema: string | undefined;
  /** Identifies the store within this process (SQLite file path, or Postgres URL + schema). */
  key: string;
}

/** knex prints to the console by default; send its messages to our JSON log instead. */
const knexLog: Knex.Config['log'] = {
  warn: (message: unknown) => logger.warn({ component: 'state' }, String(message)),
  error: (message: unknown) => logger.error({ component: 'state' }, String(message)),
  deprecate: (method: string, alternative: string) => logger.warn({ component: 'state' }, `${method} is deprecated, use ${alternative}`),
  debug: (message: unknown) => logger.debug({ component: 'state' }, String(message)),
};

/** knex settings for a project's state store; relative SQLite paths are resolved from the project. */
export function stateConnection(config: StateConfig, projectDir: string): StateConnection {
  if (config.client === 'better-sqlite3') {
    const filename =
      config.filename === ':memory:' || isAbsolute(config.filename) ? config.filename : join(projectDir, config.filename);
    if (filename !== ':memory:') {
      ensurePrivateDir(dirname(filename));
      createPrivateFile(filename);
      restrictFiles(filename, ['-wal', '-shm', '-journal']);
    }
    return {
      dialect: 'sqlite',
      schema: undefined,
      key: `sqlite:${filename}`,
      knexConfig: {
        client: 'better-sqlite3',
        log: knexLog,
        connection: { filename },
        useNullAsDefault: true,
        pool: {
          min: 1,
          max: 1,
          // WAL lets the CLI read while `cdp serve` writes; busy_timeout waits for the other writer.
          afterCreate(connection: SqliteConnection, done: (error: Error | null, connection: SqliteConnection) => void) {
            try {
              if (filename !== ':memory:') connection.pragma('journal_mode = WAL');
              connection.pragma('busy_timeout = 5000');
              connection.pragma('foreign_keys = ON');
              done(null, connection);
            } catch (error) {
              done(error as Error, connection);
            }
          },
        },
      },
    };
  }
  return {
    dialect: 'pg',
    schema: config.schema,
    key: `pg:${config.connection}:${config.schema ?? ''}`,
    knexConfig: {
      client: 'pg',
      log: knexLog,
      connection: { connectionString: config.connection, application_name: 'cdp-state' },
      // Unqualified table names (in every repository and migration) resolve to the state schema.
      ...(config.schema ? { searchPath: [config.schema] } : {}),
      pool: { min: 0, max: 10 },
      acquireConnectionTimeout: 30_000,
    },
  };
}
