import type { ColumnKind, RelationRef } from '../types.js';
import { BaseDialect, wrapQuoted } from './base.js';
import { dottedPath } from './paths.js';
import type { MergeOptions, SqlValue, TimeUnit } from './types.js';
import { SnowflakeDbtMacros } from './dbt-macros.js';

type Kind = Exclude<ColumnKind, 'other'>;

/** Schema (in the connection's database) of the functions the Snowflake adapter creates on first use. */
export const SNOWFLAKE_HELPER_SCHEMA = 'cdp_functions';

/** A name Snowflake would store upper-cased if it were written without quotes. */
const FOLDABLE = /^[a-z_][a-z0-9_$]*$/;
/** A stored name that reads back as the lower-case name it was folded from. */
const FOLDED = /^[A-Z_][A-Z0-9_$]*$/;

/**
 * The case rule on Snowflake: every identifier we generate is quoted, and a name written in lower
 * case (`event_id`, `profiles`) is quoted in upper case (`"EVENT_ID"`), which is exactly how
 * Snowflake stores the same name written without quotes. So our tables and columns are the ones a
 * user's unquoted SQL (`select event_id from cdp.profiles`) and ELT tools' tables (`RAW.ORDERS`)
 * name, while any other name (`"firstName"`, `"order id"`) stays case-sensitive as written.
 * Names read back from Snowflake are mapped the other way (see `unfoldSnowflakeName`).
 */
export function foldSnowflakeName(name: string): string {
  return FOLDABLE.test(name) ? name.toUpperCase() : name;
}

/** The name our code uses for a name as Snowflake stores it: `EVENT_ID` -> `event_id`, `firstName` unchanged. */
export function unfoldSnowflakeName(stored: string): string {
  return FOLDED.test(stored) ? stored.toLowerCase() : stored;
}

/**
 * Snowflake SQL.
 * - Identifiers: double quotes, folded as described at `foldSnowflakeName`. A schema may be
 *   `database.schema` to name another database than the connection's.
 * - Strings: backslash is an escape character inside '...' in Snowflake, so it is doubled; quotes
 *   are doubled.
 * - Parameters: `:1, :2, ...` (numeric binds; one value can be used several times).
 */
export class SnowflakeDialect extends BaseDialect {
  readonly name = 'snowflake' as const;
  readonly dbt = new SnowflakeDbtMacros('snowflake');
  readonly formatterLanguage = 'snowflake' as const;
  protected readonly types = {
    string: 'VARCHAR',
    integer: 'NUMBER(38,0)',
    number: 'FLOAT',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP_NTZ',
    date: 'DATE',
    json: 'VARIANT',
  };

  override unquotedName(name: string): string {
    return name.toUpperCase();
  }

  override quoteIdent(name: string): string {
    if (name === '') throw new TypeError('an identifier cannot be empty');
    return wrapQuoted(foldSnowflakeName(name), '"');
  }

  override relation(ref: RelationRef): string {
    return dottedPath(ref).map((part) => this.quoteIdent(part)).join('.');
  }

  override literal(value: SqlValue): string {
    // TIMESTAMP_NTZ holds UTC wall-clock time: write it without a zone designator.
    if (value instanceof Date) return `CAST(${this.stringLiteral(value.toISOString().replace('T', ' ').replace('Z', ''))} AS TIMESTAMP_NTZ)`;
    return super.literal(value);
  }

  protected override stringLiteral(text: string): string {
    if (text.includes('\u0000')) throw new TypeError('NUL characters cannot be written into SQL');
    return wrapQuoted(text.replace(/\\/g, '\\\\'), "'");
  }

  override param(index: number): string {
    return `:${index}`;
  }

  override columnKind(engineType: string): ColumnKind {
    const t = engineType.toUpperCase().trim();
    if (/^(ARRAY|BINARY|VARBINARY|GEOGRAPHY|GEOMETRY|VECTOR|TIME|MAP)\b/.test(t)) return 'other';
    if (/^FIXED\b/.test(t)) return 'number';
    return super.columnKind(t);
  }

  override cast(expr: string, kind: Kind): string {
    // CAST(string AS VARIANT) makes a string value; JSON text is parsed.
    if (kind === 'json') return `PARSE_JSON(${expr})`;
    return super.cast(expr, kind);
  }

  override tryCast(expr: string, kind: Kind): string {
    // TRY_CAST only takes strings: the value goes through its text form first.
    if (kind === 'string') return `CAST(${expr} AS VARCHAR)`;
    if (kind === 'json') return `TRY_PARSE_JSON(TO_VARCHAR(${expr}))`;
    return `TRY_CAST(TO_VARCHAR(${expr}) AS ${this.typeName(kind)})`;
  }

  override currentTimestamp(): string {
    return 'CURRENT_TIMESTAMP()';
  }

  /** SYSDATE() is the current UTC time as a TIMESTAMP_NTZ, the type our timestamps are kept in. */
  override currentTimestampUtc(): string {
    return 'SYSDATE()';
  }

  override dateAdd(expr: string, amount: number, unit: TimeUnit): string {
    if (!Number.isInteger(amount)) throw new TypeError('dateAdd takes a whole number of units');
    return `DATEADD(${unit.toUpperCase()}, ${amount}, ${expr})`;
  }

  dateDiff(unit: 'second' | 'minute' | 'hour' | 'day', start: string, end: string): string {
    // DATEDIFF counts unit boundaries crossed (23:00 -> 01:00 is one day); whole units elapsed,
    // truncated toward zero, is what every other dialect computes: count microseconds and divide.
    const micros = { second: 1e6, minute: 6e7, hour: 3.6e9, day: 8.64e10 }[unit];
    return `CAST(TRUNC(DATEDIFF(MICROSECOND, ${start}, ${end}) / ${micros}) AS NUMBER(38,0))`;
  }

  sha256Hex(expr: string): string {
    return `SHA2(${expr}, 256)`;
  }

  hash64(expr: string): string {
    // 15 hex digits = 60 bits: always a non-negative integer, equal to DuckDB's and Postgres'.
    return `TO_NUMBER(UPPER(SUBSTR(SHA2(${expr}, 256), 1, 15)), 'XXXXXXXXXXXXXXX')`;
  }

  regexMatches(expr: string, pattern: string): string {
    // REGEXP_LIKE anchors the pattern at both ends; REGEXP_INSTR finds it anywhere, like the others.
    return `(REGEXP_INSTR(${expr}, ${this.literal(pattern)}) > 0)`;
  }

  regexReplaceAll(expr: string, pattern: string, replacement: string): string {
    return `REGEXP_REPLACE(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)})`;
  }

  jaroWinkler(a: string, b: string): string {
    // A JavaScript UDF the adapter creates on first use: JAROWINKLER_SIMILARITY ignores case and rounds to 0-100.
    return `${this.quoteIdent(SNOWFLAKE_HELPER_SCHEMA)}.JARO_WINKLER(${a}, ${b})`;
  }

  levenshtein(a: string, b: string): string {
    // Counts characters (DuckDB counts UTF-8 bytes: the same for ASCII text).
    return `EDITDISTANCE(${a}, ${b})`;
  }

  tokenJaccard(a: string, b: string): string {
    const wa = `ARRAY_DISTINCT(SPLIT(${this.wordString(a)}, ' '))`;
    const wb = `ARRAY_DISTINCT(SPLIT(${this.wordString(b)}, ' '))`;
    return `(ARRAY_SIZE(ARRAY_INTERSECTION(${wa}, ${wb})) / NULLIF(ARRAY_SIZE(ARRAY_DISTINCT(ARRAY_CAT(${wa}, ${wb}))), 0))`;
  }

  override stringAgg(expr: string, separator: string, orderBy?: string): string {
    return `LISTAGG(${expr}, ${this.literal(separator)})${orderBy ? ` WITHIN GROUP (ORDER BY ${orderBy})` : ''}`;
  }

  override renameTable(from: RelationRef, toName: string): string {
    // An unqualified new name would move the table into the session's current schema.
    return `ALTER TABLE ${this.relation(from)} RENAME TO ${this.relation({ schema: from.schema, name: toName })}`;
  }

  override merge(options: MergeOptions): string[] {
    if (options.keys.length === 0) throw new TypeError('merge needs at least one key column');
    return super.merge(options);
  }

  override prefersInSubquery(): boolean {
    return true; // IN / NOT IN subqueries are planned as semi / anti joins
  }

  timestampsAgg(expr: string): string {
    return `ARRAY_AGG(${expr})`; // leaves NULLs out
  }

  countTimestampsSince(list: string, bound: string): string {
    // The array holds VARIANTs: each is read back as the TIMESTAMP_NTZ it was built from.
    return `COALESCE(ARRAY_SIZE(FILTER(${list}, cdp_ts -> CAST(cdp_ts AS TIMESTAMP_NTZ) >= ${bound})), 0)`;
  }

  override textMatch(expr: string, mode: 'contains' | 'starts_with' | 'ends_with', text: string): string {
    const fn = { contains: 'CONTAINS', starts_with: 'STARTSWITH', ends_with: 'ENDSWITH' }[mode];
    return `${fn}(${expr}, ${this.literal(text)})`;
  }

  override jsonObjectText(entries: ReadonlyArray<readonly [key: string, expr: string, kind?: 'value' | 'json']>): string {
    if (entries.length === 0) return this.literal('{}');
    const parts = entries.map(([key, expr, kind]) => `${this.literal(key)}, ${kind === 'json' ? `PARSE_JSON(${expr})` : expr}`);
    return `TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL(${parts.join(', ')}))`;
  }

  override roundFloat(expr: string, digits: number): string {
    return `ROUND(${expr}, ${digits})`;
  }

  override isoUtcText(expr: string, engineType: string): string {
    const utc = /_TZ|_LTZ|TIME ZONE/.test(engineType.toUpperCase()) ? `CONVERT_TIMEZONE('UTC', ${expr})` : expr;
    return `TO_VARCHAR(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"')`;
  }
}
