import { BaseDialect } from './base.js';
import type { OrderKey } from './types.js';
import { BaseDbtMacros } from './dbt-macros.js';

export class DuckDbDialect extends BaseDialect {
  readonly name = 'duckdb' as const;
  readonly dbt = new BaseDbtMacros('duckdb');
  readonly formatterLanguage = 'duckdb' as const;
  /** Temporary tables live in the connection's `temp` catalog (in memory, spilling to the temp directory). */
  override readonly temporaryTables = true;
  override readonly atomicRename = true;
  protected readonly types = {
    string: 'VARCHAR',
    integer: 'BIGINT',
    number: 'DOUBLE',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
    json: 'JSON',
  };

  protected override temporaryRelation(name: string): string {
    return `temp.main.${this.quoteIdent(name)}`;
  }

  smallestN(expr: string, n: number, filter?: string): string {
    return `min(${expr}, ${Math.trunc(n)})${filter ? ` FILTER (WHERE ${filter})` : ''}`;
  }

  firstValueAgg(value: string, order: readonly OrderKey[]): string {
    // An ordered FIRST per group: one hash aggregation, no window (arg_max with a ROW key is slower).
    return `FIRST(${value} ORDER BY ${this.orderKeys(order)}) FILTER (WHERE ${value} IS NOT NULL)`;
  }

  timestampsAgg(expr: string): string {
    return `LIST(${expr}) FILTER (WHERE ${expr} IS NOT NULL)`;
  }

  countTimestampsSince(list: string, bound: string): string {
    // A vectorised lambda over each row's list: no unnest, no join.
    return `COALESCE(LEN(LIST_FILTER(${list}, lambda cdp_ts: cdp_ts >= ${bound})), 0)`;
  }

  dateDiff(unit: 'second' | 'minute' | 'hour' | 'day', start: string, end: string): string {
    // DATE_SUB counts whole units elapsed (truncated toward zero); DATE_DIFF would count
    // boundaries crossed (23:00 -> 01:00 is one 'day'), which other engines do not.
    return `DATE_SUB('${unit}', ${start}, ${end})`;
  }

  sha256Hex(expr: string): string {
    return `SHA256(${expr})`;
  }

  hash64(expr: string): string {
    return `CAST(('0x' || SUBSTR(SHA256(${expr}), 1, 15)) AS BIGINT)`;
  }

  regexMatches(expr: string, pattern: string): string {
    return `REGEXP_MATCHES(${expr}, ${this.literal(pattern)})`;
  }

  regexReplaceAll(expr: string, pattern: string, replacement: string): string {
    return `REGEXP_REPLACE(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)}, 'g')`;
  }

  jaroWinkler(a: string, b: string): string {
    return `JARO_WINKLER_SIMILARITY(${a}, ${b})`;
  }

  levenshtein(a: string, b: string): string {
    return `LEVENSHTEIN(${a}, ${b})`;
  }

  tokenJaccard(a: string, b: string): string {
    const wa = `LIST_DISTINCT(STRING_SPLIT(${this.wordString(a)}, ' '))`;
    const wb = `LIST_DISTINCT(STRING_SPLIT(${this.wordString(b)}, ' '))`;
    return `(CAST(LEN(LIST_INTERSECT(${wa}, ${wb})) AS DOUBLE) / LEN(LIST_DISTINCT(LIST_CONCAT(${wa}, ${wb}))))`;
  }

  override currentTimestampUtc(): string {
    return `(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')`;
  }

  override prefersInSubquery(): boolean {
    return true; // IN / NOT IN subqueries become hash semi/anti (mark) joins wherever they appear
  }

  override textMatch(expr: string, mode: 'contains' | 'starts_with' | 'ends_with', text: string): string {
    // Native string functions: no pattern escaping, and DuckDB vectorises them.
    const fn = { contains: 'CONTAINS', starts_with: 'STARTS_WITH', ends_with: 'ENDS_WITH' }[mode];
    return `${fn}(${expr}, ${this.literal(text)})`;
  }

  override merge(options: Parameters<BaseDialect['merge']>[0]): string[] {
    // DuckDB >= 1.4 has MERGE; INSERT ... ON CONFLICT needs a declared key, which models may lack.
    return super.merge(options);
  }

  override jsonObjectText(entries: ReadonlyArray<readonly [key: string, expr: string, kind?: 'value' | 'json']>): string {
    if (entries.length === 0) return this.literal('{}');
    const parts = entries.map(([key, expr, kind]) => `${this.literal(key)}, ${kind === 'json' ? `CAST(${expr} AS JSON)` : expr}`);
    return `CAST(JSON_OBJECT(${parts.join(', ')}) AS VARCHAR)`;
  }

  valuesHash(exprs: readonly string[]): string {
    // hash() of several arguments combines each one's hash in order; a NULL has a hash of its own.
    return `CAST(hash(${exprs.join(', ')}) AS VARCHAR)`;
  }

  override roundFloat(expr: string, digits: number): string {
    return `ROUND(${expr}, ${digits})`;
  }

  override isoUtcText(expr: string, engineType: string): string {
    const utc = /TIME ZONE|TZ/.test(engineType.toUpperCase()) ? `(${expr} AT TIME ZONE 'UTC')` : expr;
    return `STRFTIME(${utc}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  }
}
