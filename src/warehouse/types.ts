import type { Dialect } from './dialects/types.js';
import type { EngineName } from './engines.js';

export type WarehouseType = EngineName;

/** A row read from the warehouse. Integers beyond 2^53 come back as bigint; timestamps as Date. */
export type Row = Record<string, unknown>;

/** Positional parameters bound to `$1, $2, ...` placeholders. */
export type Params = readonly unknown[];

/** A table or view, as the warehouse's catalog lists it. */
export interface RelationInfo {
  schema: string;
  name: string;
  kind: 'table' | 'view';
}

export interface ColumnInfo {
  name: string;
  /** The engine's own type name, upper-cased (e.g. VARCHAR, BIGINT, TIMESTAMP WITH TIME ZONE). */
  type: string;
  /** The engine type mapped onto the few kinds the rest of the code reasons about. */
  kind: ColumnKind;
}

export type ColumnKind = 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'date' | 'json' | 'other';

/** A column of a table created for bulk loading. */
export interface ColumnDef {
  name: string;
  kind: Exclude<ColumnKind, 'other'>;
}

export interface RelationRef {
  schema: string;
  name: string;
  /**
   * A scratch table of one session (`Warehouse.withSession`): where the dialect has session
   * temporary tables (`Dialect.temporaryTables`) it is one, named by `name` alone and never written
   * to the database file or the write-ahead log, and it ends with the session; elsewhere it is a
   * regular table in `schema`. Only for tables nothing outside the session reads or keeps.
   */
  temporary?: boolean;
}

/** The part of a warehouse a transaction can use. */
export interface WarehouseSession {
  readonly dialect: Dialect;
  /** Runs one statement, discarding its result. Returns the affected row count where the engine reports it. */
  execute(sql: string, params?: Params): Promise<number | undefined>;
  /** Runs a query and reads all rows: for small results only (counts, samples, catalogs). */
  query<T extends Row = Row>(sql: string, params?: Params): Promise<T[]>;
}

/**
 * One connection held for a piece of work (`Warehouse.withSession`): every statement, and its
 * transactions, see what the session made for itself (its temporary tables).
 */
export interface HeldSession extends WarehouseSession {
  /** Runs statements atomically on this session's connection. */
  transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T>;
}

/**
 * One warehouse connection pool. Everything the platform computes runs as SQL through this
 * interface; rows pass through Node only via `stream` (bounded memory) or `query` (small results).
 */
export interface Warehouse extends WarehouseSession {
  readonly type: WarehouseType;
  /** Reads a query's result in batches of about `batchSize` rows, holding one batch at a time. */
  stream(sql: string, options?: { params?: Params; batchSize?: number }): AsyncIterable<Row[]>;
  /** Runs statements atomically where the engine has transactions (DuckDB, Postgres, Snowflake). */
  transaction<T>(work: (session: WarehouseSession) => Promise<T>): Promise<T>;
  /**
   * Runs `work` on one connection held until it ends; the session's temporary tables end with it.
   * Engines whose dialect has no temporary tables (BigQuery, Snowflake) hand out the warehouse itself.
   */
  withSession<T>(work: (session: HeldSession) => Promise<T>): Promise<T>;
  listRelations(schema: string): Promise<RelationInfo[]>;
  /** Columns of a table or view, in order; empty when it does not exist. */
  listColumns(relation: RelationRef): Promise<ColumnInfo[]>;
  relationExists(relation: RelationRef): Promise<boolean>;
  createSchema(schema: string): Promise<void>;
  /**
   * Creates (replacing) a table with these columns and bulk-loads rows into it with the engine's
   * fast path (DuckDB appender, Postgres COPY). Rows are arrays in column order.
   */
  loadTable(relation: RelationRef, columns: readonly ColumnDef[], rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>): Promise<number>;
  close(): Promise<void>;
}
