import type { SqlLanguage } from 'sql-formatter';
import type { ColumnDef, ColumnKind, RelationRef } from '../types.js';
import type { DbtMacros, Dialect, DialectName, MergeOptions, OrderKey, SqlValue, TimeUnit } from './types.js';

type Kind = Exclude<ColumnKind, 'other'>;

/** Doubles the quote character inside `text` and wraps it: the ANSI rule for strings and identifiers. */
export function wrapQuoted(text: string, quote: string): string {
  return quote + text.split(quote).join(quote + quote) + quote;
}

/**
 * What most engines share. Each dialect overrides what its engine does differently; nothing
 * here is specific to one engine.
 */
/** What separates words for `tokenJaccard`: whitespace and ASCII punctuation (POSIX classes, read alike by RE2, Postgres and Snowflake). */
export const WORD_SEPARATORS = '[[:space:][:punct:]]+';

export abstract class BaseDialect implements Dialect {
  abstract readonly name: DialectName;
  abstract readonly dbt: DbtMacros;
  abstract readonly formatterLanguage: SqlLanguage;
  protected abstract readonly types: Record<Kind, string>;
  readonly replacesOtherKind?: boolean;

  quoteIdent(name: string): string {
    return wrapQuoted(name, '"');
  }

  readonly temporaryTables: boolean = false;
  readonly atomicRename: boolean = false;

  relation(ref: RelationRef): string {
    if (this.isTemporary(ref)) return this.temporaryRelation(ref.name);
    return `${this.quoteIdent(ref.schema)}.${this.quoteIdent(ref.name)}`;
  }

  /** Whether `ref` names a session temporary table on this engine. */
  protected isTemporary(ref: RelationRef): boolean {
    return !!ref.temporary && this.temporaryTables;
  }

  /** The qualified name of the session temporary table `name` (engines with `temporaryTables` override it). */
  protected temporaryRelation(name: string): string {
    throw new TypeError(`the ${this.name} dialect has no temporary tables (${name})`);
  }

  /** `TEMPORARY ` for a session temporary table, else nothing: the keyword of CREATE statements. */
  protected temporaryKeyword(ref: RelationRef): string {
    return this.isTemporary(ref) ? 'TEMPORARY ' : '';
  }

  literal(value: SqlValue): string {
    if (value === null) return 'NULL';
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} into SQL`);
      return String(value);
    }
    if (value instanceof Date) return `${this.cast(this.stringLiteral(value.toISOString()), 'timestamp')}`;
    return this.stringLiteral(value);
  }

  /** A string literal. Engines with backslash escapes in strings override this. */
  protected stringLiteral(text: string): string {
    if (text.includes('\u0000')) throw new TypeError('NUL characters cannot be written into SQL');
    return wrapQuoted(text, "'");
  }

  param(index: number): string {
    return `$${index}`;
  }

  typeName(kind: Kind): string {
    return this.types[kind];
  }

  columnDefinitions(columns: readonly ColumnDef[]): string {
    return columns.map((c) => `${this.quoteIdent(c.name)} ${this.typeName(c.kind)}`).join(', ');
  }

  columnKind(engineType: string): ColumnKind {
    const t = engineType.toUpperCase().trim();
    // Arrays and nested types (TEXT[], INTEGER[3], STRUCT(...), MAP(...)) are not scalars.
    if (/\[\d*\]$/.test(t) || /^(STRUCT|MAP|UNION|LIST|ARRAY)\b/.test(t)) return 'other';
    if (/^(VARCHAR|TEXT|STRING|CHAR|CHARACTER|NVARCHAR|UUID|NAME|CHARACTER VARYING)/.test(t)) return 'string';
    if (/^(BIGINT|INTEGER|INT|INT2|INT4|INT8|INT64|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)\b/.test(t)) return 'integer';
    if (/^(DOUBLE|FLOAT|REAL|DECIMAL|NUMERIC|NUMBER|FLOAT8|FLOAT4|FLOAT64|BIGNUMERIC|DOUBLE PRECISION)/.test(t)) {
      return /^(NUMBER|NUMERIC|DECIMAL)\s*\(\s*\d+\s*,\s*0\s*\)$/.test(t) ? 'integer' : 'number';
    }
    if (/^(BOOLEAN|BOOL)$/.test(t)) return 'boolean';
    if (/^(TIMESTAMP|DATETIME)/.test(t)) return 'timestamp';
    if (/^DATE$/.test(t)) return 'date';
    if (/^(JSON|JSONB|VARIANT|OBJECT)/.test(t)) return 'json';
    return 'other';
  }

  cast(expr: string, kind: Kind): string {
    return `CAST(${expr} AS ${this.typeName(kind)})`;
  }

  tryCast(expr: string, kind: Kind): string {
    return `TRY_CAST(${expr} AS ${this.typeName(kind)})`;
  }

  currentTimestamp(): string {
    return 'CURRENT_TIMESTAMP';
  }

  dateAdd(expr: string, amount: number, unit: TimeUnit): string {
    if (!Number.isInteger(amount)) throw new TypeError('dateAdd takes a whole number of units');
    const sign = amount < 0 ? '-' : '+';
    return `(${expr} ${sign} INTERVAL '${Math.abs(amount)} ${unit}')`;
  }

  abstract dateDiff(unit: 'second' | 'minute' | 'hour' | 'day', start: string, end: string): string;
  abstract sha256Hex(expr: string): string;
  abstract hash64(expr: string): string;
  abstract regexMatches(expr: string, pattern: string): string;
  abstract regexReplaceAll(expr: string, pattern: string, replacement: string): string;
  abstract timestampsAgg(expr: string): string;
  abstract countTimestampsSince(list: string, bound: string): string;
  abstract jaroWinkler(a: string, b: string): string;
  abstract levenshtein(a: string, b: string): string;
  abstract tokenJaccard(a: string, b: string): string;

  /** A string's words as `split(..., ' ')` expects them: separators folded to one space, trimmed, NULL when none is left. */
  protected wordString(expr: string): string {
    return `NULLIF(TRIM(${this.regexReplaceAll(expr, WORD_SEPARATORS, ' ')}), '')`;
  }

  concat(...exprs: string[]): string {
    return `(${exprs.join(' || ')})`;
  }

  length(expr: string): string {
    return `LENGTH(${expr})`;
  }

  stringAgg(expr: string, separator: string, orderBy?: string): string {
    return `STRING_AGG(${expr}, ${this.literal(separator)}${orderBy ? ` ORDER BY ${orderBy}` : ''})`;
  }

  createOrReplaceTableAs(target: RelationRef, select: string): string[] {
    return [`CREATE OR REPLACE ${this.temporaryKeyword(target)}TABLE ${this.relation(target)} AS ${select}`];
  }

  createTableAs(target: RelationRef, select: string): string {
    return `CREATE ${this.temporaryKeyword(target)}TABLE ${this.relation(target)} AS ${select}`;
  }

  createOrReplaceViewAs(target: RelationRef, select: string): string[] {
    return [`CREATE OR REPLACE VIEW ${this.relation(target)} AS ${select}`];
  }

  dropRelation(target: RelationRef, kind: 'table' | 'view'): string {
    return `DROP ${kind === 'table' ? 'TABLE' : 'VIEW'} IF EXISTS ${this.relation(target)}`;
  }

  renameTable(from: RelationRef, toName: string): string {
    return `ALTER TABLE ${this.relation(from)} RENAME TO ${this.quoteIdent(toName)}`;
  }

  replaceRelationAs(target: RelationRef, kind: 'table' | 'view', select: string, existing: 'table' | 'view' | null | undefined): string[] {
    const dropOther = existing && existing !== kind && !this.replacesOtherKind ? [this.dropRelation(target, existing)] : [];
    const create = kind === 'view' ? this.createOrReplaceViewAs(target, select) : this.createOrReplaceTableAs(target, select);
    return [...dropOther, ...create];
  }

  replaceTableByRename(target: RelationRef, freshName: string): string[] {
    return [this.dropRelation(target, 'table'), this.renameTable({ schema: target.schema, name: freshName }, target.name)];
  }

  rangeIndex(_target: RelationRef, _column: string): string[] {
    return [];
  }

  merge(options: MergeOptions): string[] {
    const { target, source, keys, insertColumns, updateColumns } = options;
    const q = (c: string) => this.quoteIdent(c);
    const on = keys.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ');
    const update = updateColumns.length
      ? `WHEN MATCHED THEN UPDATE SET ${updateColumns.map((c) => `${q(c)} = s.${q(c)}`).join(', ')} `
      : '';
    return [
      `MERGE INTO ${this.relation(target)} AS t USING (${source}) AS s ON ${on} ` +
        update +
        `WHEN NOT MATCHED THEN INSERT (${insertColumns.map(q).join(', ')}) VALUES (${insertColumns.map((c) => `s.${q(c)}`).join(', ')})`,
    ];
  }

  limit(n: number, offset?: number): string {
    if (!Number.isInteger(n) || n < 0) throw new TypeError('limit takes a non-negative integer');
    return `LIMIT ${n}${offset ? ` OFFSET ${Math.trunc(offset)}` : ''}`;
  }

  currentTimestampUtc(): string {
    return this.currentTimestamp();
  }

  prefersInSubquery(): boolean {
    return false;
  }

  textMatch(expr: string, mode: 'contains' | 'starts_with' | 'ends_with', text: string): string {
    // LIKE with the pattern characters of `text` escaped, so they match literally.
    const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
    const pattern = mode === 'starts_with' ? `${escaped}%` : mode === 'ends_with' ? `%${escaped}` : `%${escaped}%`;
    return `(${expr} LIKE ${this.literal(pattern)} ESCAPE ${this.literal('\\')})`;
  }

  /** `ORDER BY` keys with NULLS LAST in either direction (for ordered aggregates). */
  protected orderKeys(order: readonly OrderKey[]): string {
    return order.map((k) => `${k.expr} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`).join(', ');
  }

  binaryOrder(expr: string): string {
    return expr;
  }

  unquotedName(name: string): string {
    return name;
  }

  analyzeTable(_target: RelationRef): string | null {
    return null;
  }

  unionDistinct(): string {
    return 'UNION';
  }

  jsonObjectText(entries: ReadonlyArray<readonly [key: string, expr: string, kind?: 'value' | 'json']>): string {
    // SQL:2016 JSON_OBJECT; engines with their own JSON functions override this.
    if (entries.length === 0) return this.literal('{}');
    const parts = entries.map(([key, expr, kind]) => `KEY ${this.literal(key)} VALUE ${expr}${kind === 'json' ? ' FORMAT JSON' : ''}`);
    return this.cast(`JSON_OBJECT(${parts.join(', ')} NULL ON NULL)`, 'string');
  }

  md5Hex(expr: string): string {
    // DuckDB, Postgres and Snowflake return hex text; engines returning bytes override this.
    return `MD5(${expr})`;
  }

  isoUtcText(expr: string, engineType: string): string {
    const utc = /TIME ZONE|TZ/.test(engineType.toUpperCase()) ? `(${expr} AT TIME ZONE 'UTC')` : expr;
    return `TO_CHAR(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  }

  roundFloat(expr: string, digits: number): string {
    // Postgres rounds to a number of places only as NUMERIC.
    return `CAST(ROUND(CAST(${expr} AS NUMERIC), ${digits}) AS DOUBLE PRECISION)`;
  }
}
