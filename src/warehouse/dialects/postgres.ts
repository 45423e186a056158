import { CdpError } from '../../errors.js';
import type { RelationRef } from '../types.js';
import { BaseDialect } from './base.js';
import type { OrderKey } from './types.js';
import { PostgresDbtMacros } from './dbt-macros.js';

export class PostgresDialect extends BaseDialect {
  readonly name = 'postgres' as const;
  readonly dbt = new PostgresDbtMacros('postgres');
  readonly formatterLanguage = 'postgresql' as const;
  override readonly replacesOtherKind = true;
  protected readonly types = {
    string: 'TEXT',
    integer: 'BIGINT',
    number: 'DOUBLE PRECISION',
    boolean: 'BOOLEAN',
    timestamp: 'TIMESTAMP',
    date: 'DATE',
    json: 'JSONB',
  };

  override tryCast(expr: string, kind: Parameters<BaseDialect['tryCast']>[1]): string {
    // Postgres has no TRY_CAST; cdp_functions.cdp_try_cast_* helpers are created by the adapter on connect.
    return `cdp_functions.cdp_try_cast_${kind}((${expr})::text)`;
  }

  dateDiff(unit: 'second' | 'minute' | 'hour' | 'day', start: string, end: string): string {
    // Whole units elapsed, truncated toward zero (DuckDB's DATE_SUB, BigQuery's TIMESTAMP_DIFF).
    // Epochs of each side, so DATE and TIMESTAMP arguments both work (date - date is an integer).
    const seconds = `(EXTRACT(EPOCH FROM ${end}) - EXTRACT(EPOCH FROM ${start}))`;
    const per = { second: 1, minute: 60, hour: 3600, day: 86400 }[unit];
    return `CAST(TRUNC(${seconds} / ${per}) AS BIGINT)`;
  }

  sha256Hex(expr: string): string {
    return `ENCODE(SHA256(CONVERT_TO(${expr}, 'UTF8')), 'hex')`;
  }

  hash64(expr: string): string {
    return `(('x' || SUBSTR(${this.sha256Hex(expr)}, 1, 15))::BIT(60)::BIGINT)`;
  }

  regexMatches(expr: string, pattern: string): string {
    return `(${expr} ~ ${this.literal(pattern)})`;
  }

  regexReplaceAll(expr: string, pattern: string, replacement: string): string {
    return `REGEXP_REPLACE(${expr}, ${this.literal(pattern)}, ${this.literal(replacement)}, 'g')`;
  }

  jaroWinkler(a: string, b: string): string {
    // Created by the adapter (Postgres has no built-in Jaro-Winkler); same results as DuckDB's.
    return `cdp_functions.cdp_jaro_winkler(${a}, ${b})`;
  }

  levenshtein(a: string, b: string): string {
    // Created by the adapter over fuzzystrmatch when available; counts UTF-8 bytes like DuckDB.
    return `cdp_functions.cdp_levenshtein(${a}, ${b})`;
  }

  tokenJaccard(a: string, b: string): string {
    const wa = `STRING_TO_ARRAY(${this.wordString(a)}, ' ')`;
    const wb = `STRING_TO_ARRAY(${this.wordString(b)}, ' ')`;
    // Set operations over the two arrays' elements (INTERSECT / UNION are distinct).
    return (
      `(CASE WHEN ${wa} IS NULL OR ${wb} IS NULL THEN NULL ELSE ` +
      `CAST((SELECT COUNT(*) FROM (SELECT UNNEST(${wa}) INTERSECT SELECT UNNEST(${wb})) i) AS DOUBLE PRECISION) / ` +
      `(SELECT COUNT(*) FROM (SELECT UNNEST(${wa}) UNION SELECT UNNEST(${wb})) u) END)`
    );
  }

  override currentTimestampUtc(): string {
    return `(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')`;
  }

  /** Temporary tables live in the session's own `pg_temp` schema and skip the write-ahead log. */
  override readonly temporaryTables = true;
  override readonly atomicRename = true;

  protected override temporaryRelation(name: string): string {
    return `pg_temp.${this.quoteIdent(name)}`;
  }

  override createOrReplaceTableAs(target: RelationRef, select: string): string[] {
    // A temporary table is the session's own: nothing reads it during the swap, nothing to keep.
    if (this.isTemporary(target)) return [`DROP TABLE IF EXISTS ${this.relation(target)}`, this.createTableAs(target, select)];
    // Build beside the old table, then swap in one statement that keeps the views over it.
    const fresh = { schema: target.schema, name: scratchName(target.name) };
    return [`DROP TABLE IF EXISTS ${this.relation(fresh)}`, `CREATE TABLE ${this.relation(fresh)} AS ${select}`, this.replaceRelation(target, fresh.name)];
  }

  override createOrReplaceViewAs(target: RelationRef, select: string): string[] {
    // CREATE OR REPLACE VIEW fails when columns change; build beside and swap, keeping the views over it.
    const fresh = { schema: target.schema, name: scratchName(target.name) };
    return [`DROP VIEW IF EXISTS ${this.relation(fresh)}`, `CREATE VIEW ${this.relation(fresh)} AS ${select}`, this.replaceRelation(target, fresh.name)];
  }

  /**
   * One statement putting the relation `freshName` (same schema) in the place of `target`, whatever
   * kind `target` is: cdp_functions.cdp_replace_relation recreates the views (and materialized views)
   * over `target` with their comments, owner and grants, and fails, changing nothing, when one of
   * them no longer works (src/warehouse/adapters/postgres-replace.ts). Where the helpers could not
   * be installed (no privilege, docs/postgres.md), it falls back to DROP ... CASCADE, which drops them.
   */
  replaceRelation(target: RelationRef, freshName: string): string {
    const rel = this.relation(target);
    const args = [target.schema, target.name, freshName].map((v) => this.literal(v)).join(', ');
    return [
      'DO $cdp$ DECLARE k "char"; BEGIN',
      `IF pg_catalog.to_regprocedure('cdp_functions.cdp_replace_relation(text,text,text)') IS NOT NULL THEN`,
      `  PERFORM cdp_functions.cdp_replace_relation(${args});`,
      'ELSE',
      `  SELECT c.relkind INTO k FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(${this.literal(rel)});`,
      `  IF k = 'v' THEN DROP VIEW ${rel} CASCADE; ELSIF k = 'm' THEN DROP MATERIALIZED VIEW ${rel} CASCADE; ELSIF k IS NOT NULL THEN DROP TABLE ${rel} CASCADE; END IF;`,
      `  ALTER TABLE ${this.relation({ schema: target.schema, name: freshName })} RENAME TO ${this.quoteIdent(target.name)};`,
      'END IF; END $cdp$',
    ].join('\n');
  }

  override replaceTableByRename(target: RelationRef, freshName: string): string[] {
    return [this.replaceRelation(target, freshName)];
  }

  override rangeIndex(target: RelationRef, column: string): string[] {
    // Unnamed: Postgres picks a name unique in the schema, however long the table's name is.
    return [`CREATE INDEX ON ${this.relation(target)} (${this.quoteIdent(column)})`];
  }

  override merge(options: Parameters<BaseDialect['merge']>[0]): string[] {
    if (options.keys.length === 0) throw new CdpError('WAREHOUSE', 'merge needs at least one key column');
    return super.merge(options); // MERGE exists since Postgres 15
  }

  override unquotedName(name: string): string {
    return name.toLowerCase();
  }

  override binaryOrder(expr: string): string {
    // The database's default collation may be a locale (en_US): byte order is what DuckDB uses.
    return `(${expr}) COLLATE "C"`;
  }

  firstValueAgg(value: string, order: readonly OrderKey[]): string {
    return `(ARRAY_AGG(${value} ORDER BY ${this.orderKeys(order)}) FILTER (WHERE ${value} IS NOT NULL))[1]`;
  }

  timestampsAgg(expr: string): string {
    return `ARRAY_AGG(${expr}) FILTER (WHERE ${expr} IS NOT NULL)`;
  }

  countTimestampsSince(list: string, bound: string): string {
    // A scalar subquery over the row's own array (a function scan per row, no table read); NULL unnests to no rows.
    return `(SELECT COUNT(*) FROM UNNEST(${list}) AS cdp_times(cdp_ts) WHERE cdp_ts >= ${bound})`;
  }

  override analyzeTable(target: RelationRef): string | null {
    // Tables built by CREATE TABLE AS have no statistics until autovacuum runs: plan joins on real counts.
    return `ANALYZE ${this.relation(target)}`;
  }

  override jsonObjectText(entries: ReadonlyArray<readonly [key: string, expr: string, kind?: 'value' | 'json']>): string {
    if (entries.length === 0) return this.literal('{}');
    const pair = ([key, expr, kind]: readonly [string, string, ('value' | 'json')?]) => `${this.literal(key)}, ${kind === 'json' ? `(${expr})::json` : expr}`;
    if (entries.length <= 50) return `(json_build_object(${entries.map(pair).join(', ')}))::text`;
    // json_build_object takes at most 100 arguments: build jsonb objects of 50 pairs and merge them.
    const chunks: string[] = [];
    for (let i = 0; i < entries.length; i += 50) chunks.push(`jsonb_build_object(${entries.slice(i, i + 50).map(pair).join(', ')})`);
    return `(${chunks.join(' || ')})::text`;
  }
}

/** Postgres truncates identifiers to 63 bytes: shorten the base so the suffix survives. */
export function scratchName(name: string, suffix = '__cdp_new'): string {
  const room = 63 - Buffer.byteLength(suffix);
  let base = name;
  while (Buffer.byteLength(base) > room) base = base.slice(0, -1);
  // A cut through a surrogate pair would leave half a character.
  if (/[\ud800-\udbff]$/.test(base)) base = base.slice(0, -1);
  return `${base}${suffix}`;
}
