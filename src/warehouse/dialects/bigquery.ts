import type { ColumnKind, RelationRef } from '../types.js';
import { BaseDialect } from './base.js';
import { dottedPath } from './paths.js';
import type { MergeOptions, OrderKey, SqlValue, TimeUnit } from './types.js';
import { BigQueryDbtMacros } from './dbt-macros.js';

const INT64_MAX = 9223372036854775807n;

type Kind = Exclude<ColumnKind, 'other'>;

/** Dataset of the functions the BigQuery adapter creates on first use (adapters/js-udfs.ts). */
export const BIGQUERY_HELPER_DATASET = 'cdp_functions';

/**
 * GoogleSQL (BigQuery standard SQL).
 * - Identifiers: backticks, with `\` escapes. Datasets and table names are case-sensitive, column
 *   names are not. A schema is a dataset; `project.dataset` in a schema names another project.
 * - Strings: backslash escapes (`\'`, `\\`, `\n`); a doubled quote is NOT an escape in GoogleSQL.
 * - Parameters: named `@p1, @p2, ...` (the adapter sends them as named query parameters).
 */
export class BigQueryDialect extends BaseDialect {
  readonly name = 'bigquery' as const;
  readonly dbt = new BigQueryDbtMacros('bigquery');
  readonly formatterLanguage = 'bigquery' as const;
  protected readonly types = {
    string: 'STRING',
    integer: 'INT64',
    number: 'FLOAT64',
    boolean: 'BOOL',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
    json: 'JSON',
  };

  override quoteIdent(name: string): string {
    if (name === '') throw new TypeError('an identifier cannot be empty');
    return '`' + escapeBackslashed(name, '`') + '`';
  }

  /**
   * `dataset`.`table`, or `project`.`dataset`.`table` when the schema is `project.dataset`.
   * Neither datasets nor tables may contain dots, so a dotted name is always a path.
   */
  override relation(ref: RelationRef): string {
    return dottedPath(ref).map((part) => this.quoteIdent(part)).join('.');
  }

  override literal(value: SqlValue): string {
    // INT64 literals stop at 2^63 - 1; wider integers are exact as BIGNUMERIC.
    if (typeof value === 'bigint' && (value > INT64_MAX || value < -INT64_MAX - 1n)) return `BIGNUMERIC '${value.toString()}'`;
    return super.literal(value);
  }

  protected override stringLiteral(text: string): string {
    if (text.includes('\u0000')) throw new TypeError('NUL characters cannot be written into SQL');
    if (/[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) {
      throw new TypeError('BigQuery string literals must be valid UTF-8 (lone surrogate found)');
    }
    return "'" + escapeBackslashed(text, "'") + "'";
  }

  override param(index: number): string {
    return `@p${index}`;
  }

  override columnKind(engineType: string): ColumnKind {
    const t = engineType.toUpperCase().trim();
    if (/^(RECORD|STRUCT|ARRAY|RANGE|GEOGRAPHY|BYTES|INTERVAL|TIME)\b/.test(t)) return 'other';
    return super.columnKind(t);
  }

  override cast(expr: string, kind: Kind): string {
    // CAST(string AS JSON) does not exist in GoogleSQL: JSON text is parsed.
    if (kind === 'json') return `PARSE_JSON(${expr})`;
    return super.cast(expr, kind);
  }

  override tryCast(expr: string, kind: Kind): string {
    if (kind === 'json') return `SAFE.PARSE_JSON(${expr})`;
    return `SAFE_CAST(${expr} AS ${this.typeName(kind)})`;
  }

  override currentTimestamp(): string {
    return 'CURRENT_TIMESTAMP()';
  }

  /** A TIMESTAMP is an absolute instant in BigQuery; it is what every other engine's UTC timestamp maps to. */
  override currentTimestampUtc(): string {
    return 'CURRENT_TIMESTAMP()';
  }

  override dateAdd(expr: string, amount: number, unit: TimeUnit): string {
    if (!Number.isInteger(amount)) throw new TypeError('dateAdd takes a whole number of units');
    // TIMESTAMP_ADD takes units up to DAY; calendar units go through DATETIME in UTC (named, not
    // left to the default time zone).
    if (unit === 'week') return `TIMESTAMP_ADD(${expr}, INTERVAL ${amount * 7} DAY)`;
    if (unit === 'month' || unit === 'year') {
      return `TIMESTAMP(DATETIME_ADD(DATETIME(${expr}, 'UTC'), INTERVAL ${amount} ${unit.toUpperCase()}), 'UTC')`;
    }
    return `TIMESTAMP_ADD(${expr}, INTERVAL ${amount} ${unit.toUpperCase()})`;
  }

  dateDiff(unit: 'second' | 'minute' | 'hour' | 'day', start: string, end: string): string {
    // Whole units elapsed, truncated toward zero (what DuckDB's DATE_SUB and the Postgres dialect compute).
    return `TIMESTAMP_DIFF(${end}, ${start}, ${unit.toUpperCase()})`;
  }

  sha256Hex(expr: string): string {
    return `TO_HEX(SHA256(${expr}))`;
  }

  override roundFloat(expr: string, digits: number): string {
    return `ROUND(${expr}, ${digits})`;
  }

  override isoUtcText(expr: string, engineType: string): string {
    // TIMESTAMP is an absolute instant; DATETIME has no zone and holds UTC here.
    return engineType.toUpperCase().startsWith('DATETIME')
      ? `FORMAT_DATETIME('%Y-%m-%dT%H:%M:%E3SZ', ${expr})`
      : `FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%E3SZ', ${expr}, 'UTC')`;
  }

  override md5Hex(expr: string): string {
    // BigQuery's MD5 returns BYTES.
    return `TO_HEX(MD5(${expr}))`;
  }

  hash64(expr: string): string {
    // 15 hex digits = 60 bits: always a non-negative INT64, equal to DuckDB's and Postgres'.
    return `CAST(CONCAT('0x', SUBSTR(TO_HEX(SHA256(${expr})), 1, 15)) AS INT64)`;
  }

  regexMatches(expr: string, pattern: string): string {
    return `REGEXP_CONTAINS(${expr}, ${this.literal(pattern)})`;
  }

  regexReplaceAll(expr: string, pattern: string, replacement: string): string {
    return `REGEXP_REPLACE(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)})`;
  }

  jaroWinkler(a: string, b: string): string {
    // No built-in: a JavaScript UDF the adapter creates in the cdp_functions dataset on first use.
    return `${this.quoteIdent(BIGQUERY_HELPER_DATASET)}.jaro_winkler(${a}, ${b})`;
  }

  levenshtein(a: string, b: string): string {
    // Over UTF-8 bytes, like DuckDB's levenshtein (EDIT_DISTANCE on STRING counts characters).
    return `EDIT_DISTANCE(CAST(${a} AS BYTES), CAST(${b} AS BYTES))`;
  }

  tokenJaccard(a: string, b: string): string {
    const wa = `SPLIT(${this.wordString(a)}, ' ')`;
    const wb = `SPLIT(${this.wordString(b)}, ' ')`;
    // UNNEST of a NULL array is empty: both counts 0, SAFE_DIVIDE gives NULL.
    return (
      `SAFE_DIVIDE((SELECT COUNT(DISTINCT w) FROM UNNEST(${wa}) AS w WHERE w IN UNNEST(${wb})), ` +
      `(SELECT COUNT(DISTINCT w) FROM UNNEST(ARRAY_CONCAT(${wa}, ${wb})) AS w))`
    );
  }

  /** CONCAT is NULL when any argument is, like `||`, and (unlike `||`) takes NULL literals. */
  override concat(...exprs: string[]): string {
    return `CONCAT(${exprs.join(', ')})`;
  }

  override stringAgg(expr: string, separator: string, orderBy?: string): string {
    return `STRING_AGG(${expr}, ${this.literal(separator)}${orderBy ? ` ORDER BY ${orderBy}` : ''})`;
  }

  override renameTable(from: RelationRef, toName: string): string {
    // The new name is unqualified: a table is renamed within its dataset.
    return `ALTER TABLE ${this.relation(from)} RENAME TO ${this.quoteIdent(toName)}`;
  }

  override merge(options: MergeOptions): string[] {
    if (options.keys.length === 0) throw new TypeError('merge needs at least one key column');
    return super.merge(options);
  }

  firstValueAgg(value: string, order: readonly OrderKey[]): string {
    return `ARRAY_AGG(${value} IGNORE NULLS ORDER BY ${this.orderKeys(order)} LIMIT 1)[SAFE_OFFSET(0)]`;
  }

  timestampsAgg(expr: string): string {
    return `ARRAY_AGG(${expr} IGNORE NULLS)`;
  }

  countTimestampsSince(list: string, bound: string): string {
    // A correlated UNNEST of the row's own array (BigQuery stores a NULL array as empty).
    return `(SELECT COUNT(*) FROM UNNEST(${list}) AS cdp_ts WHERE cdp_ts >= ${bound})`;
  }

  override unionDistinct(): string {
    return 'UNION DISTINCT';
  }

  override prefersInSubquery(): boolean {
    return true; // IN / NOT IN subqueries are planned as semi / anti joins
  }

  override textMatch(expr: string, mode: 'contains' | 'starts_with' | 'ends_with', text: string): string {
    // GoogleSQL's LIKE has no ESCAPE clause; these functions take the text as it is.
    if (mode === 'contains') return `(STRPOS(${expr}, ${this.literal(text)}) > 0)`;
    return `${mode === 'starts_with' ? 'STARTS_WITH' : 'ENDS_WITH'}(${expr}, ${this.literal(text)})`;
  }

  override jsonObjectText(entries: ReadonlyArray<readonly [key: string, expr: string, kind?: 'value' | 'json']>): string {
    if (entries.length === 0) return this.literal('{}');
    const parts = entries.map(([key, expr, kind]) => `${this.literal(key)}, ${kind === 'json' ? `PARSE_JSON(${expr})` : expr}`);
    return `TO_JSON_STRING(JSON_OBJECT(${parts.join(', ')}))`;
  }
}

/** Escapes `\` and the quote character with a backslash, and control characters as escapes. */
function escapeBackslashed(text: string, quote: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\u007f') out += '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0');
    else out += ch;
  }
  return out;
}
