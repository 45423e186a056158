import { CdpError } from '../../errors.js';
import type { RelationRef } from '../types.js';
import { BaseDialect } from './base.js';

export class PostgresDialect extends BaseDialect {
  readonly name = 'postgres' as const;
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

  override currentTimestampUtc(): string {
    return `(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')`;
  }

  override createOrReplaceTableAs(target: RelationRef, select: string): string[] {
    // Build beside the old table, then swap inside one transaction: readers never see a gap.
    const tmp = { schema: target.schema, name: `${target.name}__cdp_new` };
    const old = { schema: target.schema, name: `${target.name}__cdp_old` };
    return [
      `DROP TABLE IF EXISTS ${this.relation(tmp)}`,
      `CREATE TABLE ${this.relation(tmp)} AS ${select}`,
      `DROP TABLE IF EXISTS ${this.relation(old)} CASCADE`,
      `DO $$ BEGIN IF to_regclass(${this.literal(`${this.quoteIdent(target.schema)}.${this.quoteIdent(target.name)}`)}) IS NOT NULL THEN ` +
        `DROP VIEW IF EXISTS ${this.relation(target)} CASCADE; END IF; EXCEPTION WHEN wrong_object_type THEN NULL; END $$`,
      `ALTER TABLE IF EXISTS ${this.relation(target)} RENAME TO ${this.quoteIdent(old.name)}`,
      `ALTER TABLE ${this.relation(tmp)} RENAME TO ${this.quoteIdent(target.name)}`,
      `DROP TABLE IF EXISTS ${this.relation(old)} CASCADE`,
    ];
  }

  override createOrReplaceViewAs(target: RelationRef, select: string): string[] {
    // CREATE OR REPLACE VIEW fails when columns change; drop and create inside the caller's transaction.
    return [`DROP VIEW IF EXISTS ${this.relation(target)} CASCADE`, `CREATE VIEW ${this.relation(target)} AS ${select}`];
  }

  override merge(options: Parameters<BaseDialect['merge']>[0]): string[] {
    if (options.keys.length === 0) throw new CdpError('WAREHOUSE', 'merge needs at least one key column');
    return super.merge(options); // MERGE exists since Postgres 15
  }

  override binaryOrder(expr: string): string {
    // The database's default collation may be a locale (en_US): byte order is what DuckDB uses.
    return `(${expr}) COLLATE "C"`;
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
