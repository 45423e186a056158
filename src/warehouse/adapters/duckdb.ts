import { tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import {
  BIGINT,
  BOOLEAN,
  DATE,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  TIMESTAMP,
  VARCHAR,
  type DuckDBAppender,
  type DuckDBType,
  type DuckDBConnection,
  type DuckDBValue,
  timestampValue,
  dateValue,
} from '@duckdb/node-api';
import { CdpError } from '../../errors.js';
import { inTransaction } from './transaction.js';
import { getDialect } from '../dialects/index.js';
import type { Dialect } from '../dialects/types.js';
import { ConnectionPool } from '../pool.js';
import type { ColumnDef, ColumnInfo, HeldSession, Params, RelationInfo, RelationRef, Row, Warehouse, WarehouseSession } from '../types.js';
import { normalizeRow } from '../values.js';
import { ensurePrivateDir, restrictFiles } from '../../util/permissions.js';

export interface DuckDbOptions {
  /** Database file, or ':memory:'. */
  path: string;
  threads?: number;
  /** DuckDB's memory limit (e.g. '4GB'); default `defaultMemoryLimit()`. */
  memoryLimit?: string;
  /** Where DuckDB spills; default `<path>.tmp`, or the OS temp dir for ':memory:'. */
  tempDirectory?: string;
  /** Connections for concurrent readers (API requests). */
  connections?: number;
}

/**
 * A sixth of the machine's memory (at least 1 GiB) for DuckDB's buffer manager. A build's peak
 * RSS is this limit plus what DuckDB allocates outside it and Node itself (0.6 GiB at 1M people,
 * 1.7 GiB at 3M: docs/scale.md#memory). An eighth kept the peak lower but made the run after the
 * identity step spill from 3M people (time per 1M people x1.17 from 1M to 3M, against x0.93 with
 * a sixth, peak 5.6 GiB on 24 GiB). Override with `warehouse.memoryLimit`.
 */
export function defaultMemoryLimit(total = totalmem()): string {
  return `${Math.max(1024, Math.floor(total / 6 / 2 ** 20))}MB`;
}

function toDuckValue(value: unknown): DuckDBValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return timestampValue(BigInt(value.getTime()) * 1000n);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value;
  return JSON.stringify(value);
}

function wrapError(error: unknown, sql: string): CdpError {
  const message = error instanceof Error ? error.message : String(error);
  return new CdpError('WAREHOUSE', message, { cause: error, hint: `while running: ${sql.replace(/\s+/g, ' ').slice(0, 200)}` });
}

class DuckDbSession implements HeldSession {
  readonly dialect: Dialect = getDialect('duckdb');
  constructor(protected readonly connection: DuckDBConnection) {}

  async execute(sql: string, params?: Params): Promise<number | undefined> {
    try {
      const result = await this.connection.run(sql, params?.map(toDuckValue));
      return result.rowsChanged;
    } catch (error) {
      throw wrapError(error, sql);
    }
  }

  async query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql, params?.map(toDuckValue));
      return reader.getRowObjectsJS().map((row) => normalizeRow<T>(row as Record<string, unknown>));
    } catch (error) {
      throw wrapError(error, sql);
    }
  }

  transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return inTransaction((sql) => this.execute(sql), () => work(this), 'BEGIN TRANSACTION');
  }
}

/** The embedded default warehouse: one DuckDB file, opened once per process. */
export class DuckDbWarehouse implements Warehouse {
  readonly type = 'duckdb' as const;
  readonly dialect: Dialect = getDialect('duckdb');

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connections: DuckDBConnection[],
    private readonly pool: ConnectionPool<DuckDBConnection>,
  ) {}

  static async open(options: DuckDbOptions): Promise<DuckDbWarehouse> {
    if (options.path !== ':memory:') ensurePrivateDir(dirname(options.path));
    const settings: Record<string, string> = {};
    if (options.threads) settings.threads = String(options.threads);
    // Bounded memory: joins, aggregates and sorts beyond the limit spill to the temp directory
    // instead of growing the process (DuckDB's own default is 80% of the machine).
    settings.memory_limit = options.memoryLimit ?? defaultMemoryLimit();
    settings.temp_directory = options.tempDirectory ?? (options.path === ':memory:' ? join(tmpdir(), `cdp-duckdb-spill-${process.pid}`) : `${options.path}.tmp`);
    // cdp never reads a table's rows in the order they were written without an ORDER BY (every
    // order it relies on is spelled out), so DuckDB need not keep it: large CREATE TABLE AS and
    // INSERT ... SELECT then write as they go instead of holding rows back to restore their order.
    settings.preserve_insertion_order = 'false';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(options.path, settings);
    } catch (error) {
      throw new CdpError('WAREHOUSE', `cannot open DuckDB file ${options.path}: ${(error as Error).message}`, {
        cause: error,
        hint: 'another process (e.g. `cdp serve`) may hold the file; stop it or use its API',
      });
    }
    // DuckDB creates its files with the process umask (`cdp` itself narrows it: see restrictUmask).
    if (options.path !== ':memory:') restrictFiles(options.path, ['.wal']);
    const count = Math.max(1, options.connections ?? 4);
    const connections = await Promise.all(Array.from({ length: count }, () => instance.connect()));
    return new DuckDbWarehouse(instance, connections, new ConnectionPool(connections));
  }

  execute(sql: string, params?: Params): Promise<number | undefined> {
    return this.pool.use((c) => new DuckDbSession(c).execute(sql, params));
  }

  query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.pool.use((c) => new DuckDbSession(c).query<T>(sql, params));
  }

  async *stream(sql: string, options: { params?: Params; batchSize?: number } = {}): AsyncIterable<Row[]> {
    const batchSize = options.batchSize ?? 10_000;
    // Hold one connection for the life of the stream; the iterator's return() releases it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let connection!: DuckDBConnection;
    const acquired = new Promise<void>((resolve) => {
      void this.pool.use(async (c) => {
        connection = c;
        resolve();
        await released;
      });
    });
    await acquired;
    try {
      let result;
      try {
        result = await connection.stream(sql, options.params?.map(toDuckValue));
      } catch (error) {
        throw wrapError(error, sql);
      }
      let batch: Row[] = [];
      for await (const rows of result.yieldRowObjectJs()) {
        for (const row of rows) {
          batch.push(normalizeRow(row as Record<string, unknown>));
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length) yield batch;
    } finally {
      release();
    }
  }

  async transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    return this.pool.use((connection) => new DuckDbSession(connection).transaction(work));
  }

  /**
   * A connection of its own, closed at the end: its temporary tables (DuckDB keeps them per
   * connection, in memory and the spill directory) go with it, even after a failure, and the pool's
   * connections stay free for concurrent readers.
   */
  async withSession<T>(work: (session: HeldSession) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      return await work(new DuckDbSession(connection));
    } finally {
      connection.closeSync();
    }
  }

  async listRelations(schema: string): Promise<RelationInfo[]> {
    const rows = await this.query<{ name: string; table_type: string }>(
      `SELECT table_name AS name, table_type FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    return rows.map((r) => ({ schema, name: r.name, kind: r.table_type === 'VIEW' ? 'view' : 'table' }));
  }

  async listColumns(relation: RelationRef): Promise<ColumnInfo[]> {
    const rows = await this.query<{ name: string; type: string }>(
      `SELECT column_name AS name, data_type AS type FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [relation.schema, relation.name],
    );
    return rows.map((r) => ({ name: r.name, type: r.type.toUpperCase(), kind: this.dialect.columnKind(r.type) }));
  }

  async relationExists(relation: RelationRef): Promise<boolean> {
    // DuckDB resolves names case-insensitively, quoted or not: so does this check.
    const rows = await this.query(
      `SELECT 1 FROM information_schema.tables WHERE lower(table_schema) = lower($1) AND lower(table_name) = lower($2)`,
      [relation.schema, relation.name],
    );
    return rows.length > 0;
  }

  async createSchema(schema: string): Promise<void> {
    await this.execute(`CREATE SCHEMA IF NOT EXISTS ${this.dialect.quoteIdent(schema)}`);
  }

  async loadTable(
    relation: RelationRef,
    columns: readonly ColumnDef[],
    rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>,
  ): Promise<number> {
    const d = this.dialect;
    const columnSql = d.columnDefinitions(columns);
    return this.pool.use(async (connection) => {
      const session = new DuckDbSession(connection);
      await session.execute(`CREATE SCHEMA IF NOT EXISTS ${d.quoteIdent(relation.schema)}`);
      // One transaction: a failing source leaves the previous table as it was.
      const create = `CREATE OR REPLACE TABLE ${d.relation(relation)} (${columnSql})`;
      return inTransaction(
        (sql) => session.execute(sql),
        async () => {
          await session.execute(create);
          return appendRows(connection, relation, columns, rows);
        },
        'BEGIN TRANSACTION',
      );
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.closeSync();
    this.instance.closeSync();
  }
}

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

const CHUNK_TYPES: Record<ColumnDef['kind'], DuckDBType> = {
  string: VARCHAR,
  integer: BIGINT,
  number: DOUBLE,
  boolean: BOOLEAN,
  timestamp: TIMESTAMP,
  date: DATE,
  json: VARCHAR,
};

function epochMs(value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
  if (Number.isNaN(ms)) throw new TypeError(`not a date/time: ${String(value).slice(0, 40)}`);
  return ms;
}

const TO_DUCK: Record<ColumnDef['kind'], (value: unknown) => DuckDBValue> = {
  string: (v) => String(v),
  integer: (v) => BigInt(typeof v === 'number' && !Number.isInteger(v) ? Number.NaN : (v as number | bigint | string)),
  number: (v) => {
    const n = Number(v);
    if (Number.isNaN(n) && !(typeof v === 'number')) throw new TypeError(`not a number: ${String(v).slice(0, 40)}`);
    return n;
  },
  boolean: (v) => Boolean(v),
  timestamp: (v) => timestampValue(BigInt(epochMs(v)) * 1000n),
  date: (v) => dateValue(Math.floor(epochMs(v) / 86_400_000)),
  json: (v) => (typeof v === 'string' ? v : JSON.stringify(v)),
};

/**
 * Appends rows a data chunk (2,048 rows, column by column) at a time: several times fewer calls
 * into the native appender than value by value. `firstRow` numbers rows in error messages.
 */
function appendChunk(appender: DuckDBAppender, columns: readonly ColumnDef[], rows: readonly (readonly unknown[])[], firstRow: number): void {
  const values = columns.map((column, c) => {
    const convert = TO_DUCK[column.kind];
    return rows.map((row, r) => {
      const value = row[c];
      if (value === null || value === undefined) return null;
      try {
        return convert(value);
      } catch (error) {
        throw new CdpError('WAREHOUSE', `cannot load row ${firstRow + r} (column ${column.name}): ${(error as Error).message}`, {
          cause: error,
          hint: 'each value must fit its column kind (integer, number, timestamp, ...)',
        });
      }
    });
  });
  const chunk = DuckDBDataChunk.create(columns.map((c) => CHUNK_TYPES[c.kind]), rows.length);
  chunk.setColumns(values);
  appender.appendDataChunk(chunk);
}

/** Appends rows to a table through DuckDB's appender, in chunks; the count appended. */
async function appendRows(
  connection: DuckDBConnection,
  relation: RelationRef,
  columns: readonly ColumnDef[],
  rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>,
): Promise<number> {
  const appender = await connection.createAppender(relation.name, relation.schema);
  let count = 0;
  try {
    let pending: (readonly unknown[])[] = [];
    const flush = () => {
      appendChunk(appender, columns, pending, count - pending.length + 1);
      pending = [];
    };
    for await (const batch of rows) {
      for (const row of batch) {
        pending.push(row);
        count++;
        if (pending.length === CHUNK_ROWS) flush();
      }
    }
    if (pending.length) flush();
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return count;
}
