import type { SqlLanguage } from 'sql-formatter';
import type { EngineName } from '../engines.js';
import type { ColumnDef, ColumnKind, RelationRef } from '../types.js';

/** A SQL dialect per engine (src/warehouse/engines.ts). */
export type DialectName = EngineName;

/** A value written into SQL text by `literal`. Dates become timestamp literals. */
export type SqlValue = string | number | bigint | boolean | null | Date;

export type TimeUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

/**
 * Everything that differs between SQL engines. Code outside src/warehouse/dialects builds SQL from
 * these pieces and plain ANSI SQL (SELECT/JOIN/GROUP BY/CASE/COALESCE/window functions), never
 * from engine-specific syntax of its own.
 */
export interface Dialect {
  readonly name: DialectName;
  /** sql-formatter's name for this dialect: how SQL shown to people is laid out (src/warehouse/readable-sql.ts). */
  readonly formatterLanguage: SqlLanguage;

  // ---- names and values ----
  /** Quotes one identifier (column, table or schema name). */
  quoteIdent(name: string): string;
  /** `schema.name`, each part quoted; a session temporary table's name where `ref.temporary` and `temporaryTables`. */
  relation(ref: RelationRef): string;
  /**
   * True when the engine has session temporary tables that `RelationRef.temporary` scratch tables
   * become (DuckDB: kept in memory and the spill directory, never compressed into the database file
   * nor checkpointed; Postgres: no write-ahead log). BigQuery (only inside scripts) and Snowflake
   * (per session, but cdp's sessions are pooled) keep regular tables.
   */
  readonly temporaryTables: boolean;
  /**
   * True when `replaceTableByRename` inside a transaction is atomic for readers: DuckDB and
   * Postgres (DDL is transactional). BigQuery has no transactions over DDL and Snowflake commits
   * each DDL statement on its own, so a reader could find the table missing between the drop and
   * the rename: there an output is replaced with `createOrReplaceTableAs` (a copy) instead.
   */
  readonly atomicRename: boolean;
  /** The one function that writes a value into SQL text (escaped per the engine's string rules). */
  literal(value: SqlValue): string;
  /** Placeholder for the i-th (1-based) bound parameter. */
  param(index: number): string;

  // ---- types ----
  /** The engine's type name for a column kind. */
  typeName(kind: Exclude<ColumnKind, 'other'>): string;
  /** `"name" TYPE, ...`: the column list of a CREATE TABLE. */
  columnDefinitions(columns: readonly ColumnDef[]): string;
  /** Maps an engine type name (as the catalog reports it) to a column kind. */
  columnKind(engineType: string): ColumnKind;
  cast(expr: string, kind: Exclude<ColumnKind, 'other'>): string;
  /** Cast that yields NULL instead of failing. */
  tryCast(expr: string, kind: Exclude<ColumnKind, 'other'>): string;

  // ---- time ----
  currentTimestamp(): string;
  /** `expr` shifted by `amount` units (amount may be negative). */
  dateAdd(expr: string, amount: number, unit: TimeUnit): string;
  /** Whole units from `start` to `end` (end - start). */
  dateDiff(unit: 'second' | 'minute' | 'hour' | 'day', start: string, end: string): string;

  // ---- strings, hashing, regexes, similarity ----
  /** Lower-case hex SHA-256 of a string expression. */
  sha256Hex(expr: string): string;
  /**
   * A signed 64-bit integer from the first 15 hex digits of SHA-256(expr): the same number on
   * every engine, so surrogate keys built from it agree across warehouses.
   */
  hash64(expr: string): string;
  /** TRUE when `expr` matches the regex (RE2/POSIX-compatible subset). */
  regexMatches(expr: string, pattern: string): string;
  /** Replaces every match of the regex. */
  regexReplaceAll(expr: string, pattern: string, replacement: string): string;
  /** Concatenation of string expressions that treats NULL as NULL (like `||`). */
  concat(...exprs: string[]): string;
  /** String length in characters. */
  length(expr: string): string;
  /** Jaro-Winkler similarity in [0, 1]. */
  jaroWinkler(a: string, b: string): string;
  /** Levenshtein edit distance. */
  levenshtein(a: string, b: string): string;
  /**
   * Jaccard similarity of the two strings' word sets in [0, 1]: distinct words in common / distinct
   * words in either (order and repeats ignored). Words are split at runs of whitespace and ASCII
   * punctuation (`WORD_SEPARATORS`); NULL when either side is NULL or has no word.
   */
  tokenJaccard(a: string, b: string): string;
  /** Aggregate: values joined by `separator`, ordered by `orderBy` when given. */
  stringAgg(expr: string, separator: string, orderBy?: string): string;

  // ---- statements ----
  /** Statements that create or replace `target` as the result of `select`, atomically where possible. */
  createOrReplaceTableAs(target: RelationRef, select: string): string[];
  /** `CREATE TABLE target AS select` (a TEMPORARY one for a temporary `target` where the engine has them): `target` must not exist. */
  createTableAs(target: RelationRef, select: string): string;
  createOrReplaceViewAs(target: RelationRef, select: string): string[];
  /**
   * True when the two statements above also replace a relation of the other kind (a view where a
   * table goes), keeping what depends on it: callers need not drop it first (Postgres).
   */
  readonly replacesOtherKind?: boolean;
  dropRelation(target: RelationRef, kind: 'table' | 'view'): string;
  /**
   * Statements replacing `target` with a `kind` built from `select`. `existing`: what `target` is now
   * (null: nothing); a relation of the other kind is dropped first unless the engine's CREATE OR
   * REPLACE swaps it (`replacesOtherKind`).
   */
  replaceRelationAs(target: RelationRef, kind: 'table' | 'view', select: string, existing: 'table' | 'view' | null | undefined): string[];
  /** Renames a table inside its schema. */
  renameTable(from: RelationRef, toName: string): string;
  /**
   * Statements putting the table `freshName` (same schema) in the place of the table `target`
   * (dropped when there), keeping the views over `target` working: Postgres ties a view to the
   * table it reads (a plain DROP fails), so there the views are recreated over the new table; the
   * other engines resolve a view's tables by name when it is read.
   */
  replaceTableByRename(target: RelationRef, freshName: string): string[];
  /**
   * Statements that make reads of `column` ranges of a freshly built `target` table cheap, where
   * the engine needs one: a B-tree index on Postgres. None elsewhere: DuckDB prunes row groups of
   * a table stored in that order by their min/max, BigQuery and Snowflake have no secondary indexes.
   */
  rangeIndex(target: RelationRef, column: string): string[];
  /**
   * Upserts the rows of `source` (a SELECT with the same columns) into `target` by `keys`:
   * matched rows get `updateColumns`, others are inserted with `insertColumns`.
   */
  merge(options: MergeOptions): string[];
  /** `LIMIT n` clause (and `OFFSET` when given). */
  limit(n: number, offset?: number): string;

  // ---- added for audiences ----
  /** Now, as a TIMESTAMP without time zone in UTC: comparable with the UTC TIMESTAMP columns we keep. */
  currentTimestampUtc(): string;
  /** TRUE when the string `expr` contains / starts with / ends with `text` (case-sensitive; `text` is a value, not a pattern). */
  textMatch(expr: string, mode: 'contains' | 'starts_with' | 'ends_with', text: string): string;
  /**
   * TRUE when `x IN (SELECT ...)` and `x NOT IN (SELECT ...)` anywhere in an expression (under OR,
   * NOT, in a SELECT list) are planned as hash semi/anti joins. FALSE makes callers LEFT JOIN the
   * keys instead, for engines (Postgres) whose NOT IN / OR subqueries degrade beyond memory.
   */
  prefersInSubquery(): boolean;
  /**
   * An aggregate of the `n` smallest values of `expr` (among rows where `filter` holds) as a list,
   * where the engine has one cheap enough to ride along another aggregation (DuckDB's `min(x, n)`).
   * Undefined elsewhere: callers then read those rows with a query of their own.
   */
  smallestN?(expr: string, n: number, filter?: string): string;
  /**
   * Aggregate: `value` on the row that sorts first by `order` (NULL keys last in either direction)
   * among the group's rows where `value` is not NULL; NULL when there is none. Keeps the value's
   * type. Undefined where the engine has no typed ordered pick (Snowflake): callers then rank
   * rows with ROW_NUMBER in the same scan.
   */
  firstValueAgg?(value: string, order: readonly OrderKey[]): string;

  /**
   * Aggregate: the group's non-NULL timestamps `expr` as the engine's array (a list on DuckDB,
   * `TIMESTAMP[]` on Postgres, `ARRAY<TIMESTAMP>` on BigQuery, an ARRAY on Snowflake), in no
   * particular order; NULL or empty when there are none. What `countTimestampsSince` reads.
   */
  timestampsAgg(expr: string): string;
  /**
   * How many elements of `list` (a column built by `timestampsAgg`) are at or after the timestamp
   * `bound`: 0 when the list is NULL or empty. Set-based per row (no join): the audience base
   * answers a `within` event count with it.
   */
  countTimestampsSince(list: string, bound: string): string;

  /** How the engine stores a name written without quotes (Snowflake upper-cases it, Postgres lower-cases it). */
  unquotedName(name: string): string;

  // ---- added for identity ----
  /** `expr` compared and sorted byte by byte (no locale collation): the same order on every engine. */
  binaryOrder(expr: string): string;
  /** A statement refreshing the planner's statistics of a freshly built table, or null when the engine needs none. */
  analyzeTable(target: RelationRef): string | null;

  // ---- added for syncs ----
  /**
   * JSON object text (a string value) from key/expression pairs. `value` entries are converted
   * (NULL -> null, numbers -> numbers, booleans -> booleans, anything else -> its text as a string);
   * `json` entries are JSON texts embedded as they are (e.g. another jsonObjectText).
   */
  jsonObjectText(entries: ReadonlyArray<readonly [key: string, expr: string, kind?: 'value' | 'json']>): string;
  /**
   * Lower-case hex MD5 of a string expression: a cheap fingerprint for change detection (several
   * times faster than sha256Hex on DuckDB); never for anything security-related.
   */
  md5Hex(expr: string): string;
  /**
   * A fast 64-bit hash of typed values (NULL hashed as a value of its own, the position of each
   * value part of the hash), as text, where the engine has one hashing typed values without a
   * text form of them (DuckDB's `hash(...)`): change detection of sync rows, 10x cheaper than MD5
   * over a canonical text. Undefined elsewhere: callers fall back to `md5Hex` of a canonical text.
   * Not guaranteed stable across engine versions: callers must treat a different hash as a change.
   */
  valuesHash?(exprs: readonly string[]): string;
  /**
   * A timestamp column as ISO 8601 text in UTC with milliseconds (`2026-06-15T03:19:44.000Z`), what
   * vendors' datetime fields take. `engineType` is the column's own type: zone-aware types are
   * converted to UTC first; plain ones already hold UTC (how this project stores time).
   */
  isoUtcText(expr: string, engineType: string): string;
  /** A floating-point value rounded to `digits` decimal places, still floating-point (its JSON drops float noise). */
  roundFloat(expr: string, digits: number): string;

  // ---- dbt models ----
  /** dbt's cross-database macros (`dbt.dateadd`, `dbt.type_string`, ...) as dbt's adapter for this engine renders them. */
  readonly dbt: DbtMacros;

  // ---- added for BigQuery / Snowflake ----
  /** The set operator for a duplicate-free union: BigQuery has no bare `UNION` (only UNION ALL / UNION DISTINCT). */
  unionDistinct(): string;
}

/** One sort key of `firstValueAgg`. */
export interface OrderKey {
  expr: string;
  desc?: boolean;
}

export interface MergeOptions {
  target: RelationRef;
  source: string;
  keys: readonly string[];
  insertColumns: readonly string[];
  updateColumns: readonly string[];
}

/** The types of dbt's `type_*` macros. */
export type DbtTypeName = 'string' | 'int' | 'bigint' | 'float' | 'numeric' | 'timestamp' | 'boolean';

/**
 * dbt's cross-database macros for one engine (see dbt-macros.ts). Arguments are SQL text as the
 * model wrote it; a date part is bare (`day`). A macro the engine's adapter cannot render throws
 * UnsupportedDbtMacro with a hint.
 */
export interface DbtMacros {
  typeName(type: DbtTypeName): string;
  dateTrunc(part: string, date: string): string;
  dateAdd(part: string, interval: string, from: string): string;
  dateDiff(first: string, second: string, part: string): string;
  safeCast(field: string, type: string): string;
  concat(fields: readonly string[]): string;
  hash(field: string): string;
  splitPart(text: string, delimiter: string, part: string): string;
  /** `limit` only where the engine can limit an aggregate (BigQuery); elsewhere it throws. */
  listagg(measure: string, separator: string, orderBy?: string, limit?: string): string;
  anyValue(expr: string): string;
  boolOr(expr: string): string;
  position(substring: string, text: string): string;
  /** `text` (not SQL) with its single quotes escaped for a string literal. */
  escapeSingleQuotes(text: string): string;
  lastDay(date: string, part: string): string;
  except(): string;
  intersect(): string;
}
