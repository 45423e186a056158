/**
 * The Postgres warehouse adapter (also the dialect family of Redshift): a knex-managed pool of raw
 * pg clients, server-side cursors for streaming, COPY for bulk loads, and the helper functions
 * the Postgres dialect calls, installed on open.
 */
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import QueryStream from 'pg-query-stream';
import type { WarehouseConfig } from '../../config/index.js';
import { resolveEnvSecret } from '../../config/secrets.js';
import { CdpError } from '../../errors.js';
import { logger } from '../../logger.js';
import { getDialect } from '../dialects/index.js';
import { type PostgresDialect, scratchName } from '../dialects/postgres.js';
import type { Dialect } from '../dialects/types.js';
import type { ColumnDef, ColumnInfo, HeldSession, Params, RelationInfo, RelationRef, Row, Warehouse, WarehouseSession } from '../types.js';
import { isPgError, wrapError } from './postgres-errors.js';
import { HELPER_SCHEMA, HELPERS_VERSION, helpersMarker, helperStatements, installedHelpersVersion } from './postgres-helpers.js';
import { csvLine, pgTypeParsers, toPgParam } from './postgres-values.js';
import { inTransaction } from './transaction.js';

export type PostgresWarehouseConfig = Extract<WarehouseConfig, { type: 'postgres' }>;

/** Runs `work` between BEGIN and COMMIT on one client; ROLLBACK when it throws. */
function clientTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  return inTransaction((sql) => run(client, sql), work);
}

async function run(client: pg.Client, sql: string, params?: Params): Promise<pg.QueryResult> {
  try {
    const result: pg.QueryResult | pg.QueryResult[] = await client.query({
      text: sql,
      values: params?.length ? params.map(toPgParam) : undefined,
      types: pgTypeParsers,
    });
    // Several statements in one text (simple protocol, no params) answer with one result each.
    return Array.isArray(result) ? result[result.length - 1]! : result;
  } catch (error) {
    throw wrapError(error, sql);
  }
}

class PostgresSession implements HeldSession {
  readonly dialect: Dialect = getDialect('postgres');
  constructor(protected readonly client: pg.Client) {}

  async execute(sql: string, params?: Params): Promise<number | undefined> {
    const result = await run(this.client, sql, params);
    return result.rowCount ?? undefined;
  }

  async query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    const result = await run(this.client, sql, params);
    return (result.rows ?? []) as T[];
  }

  transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return clientTransaction(this.client, () => work(this));
  }
}

/** Where we connect, for messages: never the password. */
function describeTarget(config: PostgresWarehouseConfig): string {
  const c = config.connection;
  if (typeof c !== 'string') return `${c.host}:${c.port}/${c.database}`;
  try {
    const url = new URL(c);
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'the configured connection string';
  }
}

function connectionConfig(config: PostgresWarehouseConfig): Knex.PgConnectionConfig {
  const c = config.connection;
  const base: Knex.PgConnectionConfig =
    typeof c === 'string'
      ? { connectionString: c }
      : {
          host: c.host,
          port: c.port,
          user: c.user,
          database: c.database,
          password: c.password ? resolveEnvSecret(c.password, 'warehouse.connection.password') : undefined,
          ssl: c.ssl,
        };
  return { ...base, types: pgTypeParsers as Knex.PgCustomTypesConfig, application_name: 'cdp' };
}

/** The catalog's name for a type we create (format_type spells TIMESTAMP out in full). */
function sameType(catalogType: string, createdType: string): boolean {
  const spelled: Record<string, string> = { TIMESTAMP: 'TIMESTAMP WITHOUT TIME ZONE' };
  return catalogType === (spelled[createdType] ?? createdType);
}

const DUPLICATE = new Set(['23505', '42P06', '42710']); // unique_violation, duplicate_schema, duplicate_object

/**
 * A Postgres (or Postgres-compatible) warehouse: a knex-managed pool of pg clients. Statements run
 * on the raw pg client so `$1..$n` are the only placeholders (a `?` in SQL text is just a `?`).
 */
export class PostgresWarehouse implements Warehouse {
  readonly type = 'postgres' as const;
  readonly dialect: Dialect = getDialect('postgres');

  private constructor(private readonly knex: Knex) {}

  static async open(config: PostgresWarehouseConfig): Promise<PostgresWarehouse> {
    const knex = knexFactory({
      client: 'pg',
      connection: connectionConfig(config),
      pool: {
        min: 0,
        // At least two: an identity build holds one connection for its session (withSession, its
        // temporary tables) and asks the catalog on another; with one it would wait on itself.
        max: Math.max(2, config.poolSize),
        // TIMESTAMP columns hold UTC: make timestamptz <-> timestamp conversions agree with that.
        // dialect.literal() relies on standard strings (a backslash is just a backslash).
        afterCreate(connection: pg.Client, done: (error: Error | null, connection: pg.Client) => void) {
          connection.query("SET TIME ZONE 'UTC'; SET standard_conforming_strings = on").then(
            () => done(null, connection),
            (error: Error) => done(error, connection),
          );
        },
      },
      acquireConnectionTimeout: 30_000,
      // knex prints to the console by default; our log is JSON lines.
      log: {
        warn: (message: unknown) => logger.warn({ component: 'warehouse' }, String(message)),
        error: (message: unknown) => logger.error({ component: 'warehouse' }, String(message)),
        deprecate: (method: string, alternative: string) => logger.warn({ component: 'warehouse' }, `${method} is deprecated, use ${alternative}`),
        debug: (message: unknown) => logger.debug({ component: 'warehouse' }, String(message)),
      },
    });
    const warehouse = new PostgresWarehouse(knex);
    try {
      await warehouse.withClient((client) => ensureHelpers(client));
    } catch (error) {
      await knex.destroy().catch(() => undefined);
      if (error instanceof CdpError) throw error;
      throw new CdpError('WAREHOUSE', `cannot connect to Postgres at ${describeTarget(config)}: ${(error as Error).message}`, {
        cause: error,
        location: { path: 'warehouse.connection' },
        hint: 'check that the server runs and that host, port, database, user and password are right',
      });
    }
    return warehouse;
  }

  private async withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = (await this.knex.client.acquireConnection()) as pg.Client;
    try {
      return await work(client);
    } finally {
      await this.knex.client.releaseConnection(client);
    }
  }

  execute(sql: string, params?: Params): Promise<number | undefined> {
    return this.withClient((c) => new PostgresSession(c).execute(sql, params));
  }

  query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.withClient((c) => new PostgresSession(c).query<T>(sql, params));
  }

  /** A server-side cursor fetching `batchSize` rows at a time; the connection is held until the end. */
  async *stream(sql: string, options: { params?: Params; batchSize?: number } = {}): AsyncIterable<Row[]> {
    const batchSize = Math.max(1, options.batchSize ?? 10_000);
    const client = (await this.knex.client.acquireConnection()) as pg.Client;
    const values = (options.params ?? []).map(toPgParam);
    const stream = new QueryStream(sql, values, { batchSize, highWaterMark: batchSize, types: pgTypeParsers });
    try {
      client.query(stream);
      let batch: Row[] = [];
      try {
        for await (const row of stream as AsyncIterable<Row>) {
          batch.push(row);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      } catch (error) {
        throw wrapError(error, sql);
      }
      if (batch.length) yield batch;
    } finally {
      // Closing the cursor before the connection goes back keeps the connection reusable.
      if (!stream.destroyed) stream.destroy();
      if (!stream.closed) await once(stream, 'close').catch(() => undefined);
      await this.knex.client.releaseConnection(client);
    }
  }

  transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return this.withClient((client) => new PostgresSession(client).transaction(work));
  }

  /** One pooled client; DISCARD TEMP before it goes back, so the next user finds none of this session's temporary tables. */
  withSession<T>(work: (session: HeldSession) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        return await work(new PostgresSession(client));
      } finally {
        await run(client, 'DISCARD TEMP').catch((error: Error) => logger.warn({ component: 'warehouse', error: error.message }, 'could not discard temporary tables'));
      }
    });
  }

  async listRelations(schema: string): Promise<RelationInfo[]> {
    const rows = await this.query<{ name: string; relkind: string }>(
      `SELECT c.relname AS name, c.relkind::text AS relkind
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
       ORDER BY c.relname`,
      [schema],
    );
    return rows.map((r) => ({ schema, name: r.name, kind: r.relkind === 'v' || r.relkind === 'm' ? 'view' : 'table' }));
  }

  async listColumns(relation: RelationRef): Promise<ColumnInfo[]> {
    const rows = await this.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY a.attnum`,
      [relation.schema, relation.name],
    );
    return rows.map((r) => ({ name: r.name, type: r.type.toUpperCase(), kind: this.dialect.columnKind(r.type) }));
  }

  async relationExists(relation: RelationRef): Promise<boolean> {
    const rows = await this.query(
      `SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
      [relation.schema, relation.name],
    );
    return rows.length > 0;
  }

  async createSchema(schema: string): Promise<void> {
    try {
      await this.execute(`CREATE SCHEMA IF NOT EXISTS ${this.dialect.quoteIdent(schema)}`);
    } catch (error) {
      // Two sessions creating the same schema at once: one loses the catalog race, harmlessly.
      const code = error instanceof CdpError && isPgError(error.cause) ? error.cause.code : undefined;
      if (!code || !DUPLICATE.has(code)) throw error;
    }
  }

  /**
   * Replaces the table's rows atomically (one transaction): TRUNCATE when the table already has
   * exactly these columns, else COPY into a new table beside it and swap it in with
   * cdp_replace_relation, which recreates the views over the old table (or fails, changing
   * nothing, when one of them uses a column that is gone). Views over it survive either way.
   */
  async loadTable(
    relation: RelationRef,
    columns: readonly ColumnDef[],
    rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>,
  ): Promise<number> {
    const d = this.dialect;
    const postgres = d as PostgresDialect;
    const columnSql = d.columnDefinitions(columns);
    await this.createSchema(relation.schema);
    const existing = await this.listColumns(relation);
    const sameShape =
      existing.length === columns.length &&
      existing.every((c, i) => c.name === columns[i]!.name && sameType(c.type, d.typeName(columns[i]!.kind)));
    const fresh = { schema: relation.schema, name: scratchName(relation.name) };
    const target = d.relation(sameShape ? relation : fresh);
    return this.withClient((client) =>
      clientTransaction(client, async () => {
        if (sameShape) await run(client, `TRUNCATE TABLE ${target}`);
        else {
          // Only a table is replaced by a load: a view of that name stays.
          const kind = await run(client, `SELECT c.relkind::text AS kind FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1)`, [
            d.relation(relation),
          ]);
          const found = (kind.rows[0] as { kind?: string } | undefined)?.kind;
          if (found === 'v' || found === 'm') {
            throw new CdpError('WAREHOUSE', `cannot load ${relation.schema}.${relation.name}: it is a view, not a table`, {
              hint: 'drop the view or load into another table',
            });
          }
          await run(client, `DROP TABLE IF EXISTS ${target}`);
          await run(client, `CREATE TABLE ${target} (${columnSql})`);
        }
        const copySql = `COPY ${target} (${columns.map((c) => d.quoteIdent(c.name)).join(', ')}) FROM STDIN WITH (FORMAT csv)`;
        let count = 0;
        let sourceError: unknown;
        async function* batches(): AsyncGenerator<readonly unknown[][]> {
          try {
            yield* rows;
          } catch (error) {
            sourceError = error;
            throw error;
          }
        }
        async function* csvChunks(): AsyncGenerator<string> {
          for await (const batch of batches()) {
            let chunk = '';
            for (const row of batch) chunk += csvLine(row, columns);
            count += batch.length;
            if (chunk) yield chunk;
          }
        }
        try {
          await pipeline(Readable.from(csvChunks()), client.query(copyStreams.from(copySql)));
        } catch (error) {
          // The caller's own row source failing is its error, not the warehouse's.
          if (sourceError !== undefined && error === sourceError) throw error;
          // Errors name the table the caller loads, not the one beside it that is swapped in.
          if (!sameShape && isPgError(error) && error.where) error.where = error.where.replace(`COPY ${fresh.name},`, `COPY ${relation.name},`);
          throw wrapError(error, copySql);
        }
        if (!sameShape) await run(client, postgres.replaceRelation(relation, fresh.name));
        return count;
      }),
    );
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}

/**
 * Creates the helper functions the Postgres dialect calls (cdp_functions schema) unless this
 * version is already installed. Serialised by an advisory lock: concurrent CREATE OR REPLACE
 * FUNCTION on the same function fails with "tuple concurrently updated".
 */
async function ensureHelpers(client: pg.Client): Promise<void> {
  const installed = async (): Promise<boolean> => {
    const result = await run(client, `SELECT pg_catalog.obj_description(oid, 'pg_namespace') AS v FROM pg_catalog.pg_namespace WHERE nspname = $1`, [
      HELPER_SCHEMA,
    ]);
    return installedHelpersVersion((result.rows[0] as { v?: string | null } | undefined)?.v) >= HELPERS_VERSION;
  };
  if (await installed()) return;
  await run(client, 'BEGIN');
  try {
    await run(client, `SELECT pg_advisory_xact_lock(hashtext('cdp_functions'))`);
    if (await installed()) {
      await run(client, 'COMMIT');
      return;
    }
    await run(client, `CREATE SCHEMA IF NOT EXISTS ${HELPER_SCHEMA}`);
    await run(client, `GRANT USAGE ON SCHEMA ${HELPER_SCHEMA} TO PUBLIC`);
    await run(client, 'SAVEPOINT cdp_extension');
    try {
      await run(client, `CREATE EXTENSION IF NOT EXISTS fuzzystrmatch SCHEMA ${HELPER_SCHEMA}`);
      await run(client, 'RELEASE SAVEPOINT cdp_extension');
    } catch (error) {
      await run(client, 'ROLLBACK TO SAVEPOINT cdp_extension');
      logger.warn(
        { err: (error as Error).message },
        'could not enable the fuzzystrmatch extension; levenshtein() falls back to a slower plpgsql version',
      );
    }
    const ext = await run(
      client,
      `SELECT n.nspname AS schema FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'fuzzystrmatch'`,
    );
    const fuzzySchema = (ext.rows[0] as { schema?: string } | undefined)?.schema ?? null;
    for (const statement of helperStatements(fuzzySchema)) await run(client, statement);
    await run(client, `COMMENT ON SCHEMA ${HELPER_SCHEMA} IS '${helpersMarker()}'`);
    await run(client, 'COMMIT');
  } catch (error) {
    await run(client, 'ROLLBACK').catch(() => undefined);
    const cause = error instanceof CdpError ? error.cause : error;
    if (isPgError(cause) && cause.code === '42501') {
      // insufficient_privilege: the warehouse still works; tryCast/jaroWinkler/levenshtein will not.
      logger.warn(
        { err: cause.message },
        `cannot create the ${HELPER_SCHEMA} helper functions (no privilege); TRY_CAST, Jaro-Winkler and Levenshtein will fail until a privileged role opens the warehouse once`,
      );
      return;
    }
    throw error;
  }
}
