import type { Dialect } from '../warehouse/index.js';
import { dropReasonSql, parseBlocklistEntry, type BlocklistSql } from './junk.js';
import { normalizeLiteralsQuery, normalizeQuery } from './normalize.js';
import { keyTypes, type IdentityPlan, type IdTypePlan, type SourcePlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/**
 * Stage 1: read source rows (all of them, or those at or after each source's watermark) into
 * scratch tables, one row per (record, identifier value), normalised and classified in SQL:
 * - `stage_records(source, record_key, ts)`: every row read, identifiers or not;
 * - `stage_ids(source, record_key, ts, tier, raw, norm, node, reason)`: reason NULL when it links.
 * - `stage_values(tier, raw, norm, node, reason)`: each distinct value read, once.
 * `node` is the 64-bit surrogate hash64(id_type || ':' || norm), the same on every engine.
 */
export async function stageSources(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  options: { incremental: boolean; watermarks: ReadonlyMap<string, Date> },
): Promise<void> {
  const d = sql.d;
  const { incremental, watermarks } = options;
  const blocklists = await compileBlocklists(sql, plan);
  const recordSelects = plan.sources.map((s) => recordsSelect(d, s, watermarks.get(s.name)));
  const stageRecords = t.tmp('stage_records');
  const recordsSql = recordSelects.join(' UNION ALL ');
  // Rows at exactly the watermark are read again (more may have arrived with that time); the ones
  // already stored with that same timestamp are not new.
  await sql.create(
    stageRecords,
    incremental
      ? `SELECT n.* FROM (${recordsSql}) n LEFT JOIN ${sql.rel(t.state('records'))} o
         ON o.source = n.source AND o.record_key = n.record_key AND o.ts = n.ts WHERE o.source IS NULL`
      : recordsSql,
  );
  const rawSelects: string[] = [];
  for (const source of plan.sources) {
    for (const { idType, column } of source.ids) {
      const type = plan.types.find((x) => x.name === idType)!;
      rawSelects.push(rawSelect(d, source, type, column, watermarks.get(source.name)));
    }
  }
  const raw = t.tmp('stage_raw');
  const rawSql = rawSelects.join(' UNION ALL ');
  await sql.create(
    raw,
    incremental
      ? `SELECT x.* FROM (${rawSql}) x JOIN ${sql.rel(stageRecords)} k ON k.source = x.source AND k.record_key = x.record_key`
      : rawSql,
  );
  // Each distinct value is normalised, classified and hashed once (a cookie on 5,000 events: once).
  const valueSelects = plan.types.map((type) => valueSelect(d, plan, type, sql.rel(raw), blocklists.get(type.name)!));
  const values = t.tmp('stage_values');
  await sql.create(values, valueSelects.join(' UNION ALL '));
  await sql.create(
    t.tmp('stage_ids'),
    `SELECT r.source, r.record_key, r.ts, r.tier, r.raw, v.norm, v.node, v.reason FROM ${sql.rel(raw)} r JOIN ${sql.rel(values)} v ON v.tier = r.tier AND v.raw = r.raw`,
  );
  await sql.drop(raw);
}

function watermarkFilter(d: Dialect, source: SourcePlan, since: Date | undefined): string {
  return since ? ` AND s.${d.quoteIdent(source.timestamp)} >= ${d.literal(since)}` : '';
}

function recordsSelect(d: Dialect, source: SourcePlan, since: Date | undefined): string {
  return (
    `SELECT ${d.literal(source.name)} AS source, ${d.cast(`s.${d.quoteIdent(source.key)}`, 'string')} AS record_key, ` +
    `${d.cast(`s.${d.quoteIdent(source.timestamp)}`, 'timestamp')} AS ts FROM ${d.relation(source.relation)} s WHERE 1 = 1${watermarkFilter(d, source, since)}`
  );
}

/** One (source, id column): its non-empty values as read. */
function rawSelect(d: Dialect, source: SourcePlan, type: IdTypePlan, column: string, since: Date | undefined): string {
  const col = d.cast(`s.${d.quoteIdent(column)}`, 'string');
  return (
    `SELECT ${d.literal(source.name)} AS source, ${d.cast(`s.${d.quoteIdent(source.key)}`, 'string')} AS record_key, ` +
    `${d.cast(`s.${d.quoteIdent(source.timestamp)}`, 'timestamp')} AS ts, ${type.tier} AS tier, ${col} AS raw ` +
    `FROM ${d.relation(source.relation)} s WHERE ${col} IS NOT NULL AND TRIM(${col}) <> ''${watermarkFilter(d, source, since)}`
  );
}

/** One id type: each distinct raw value with its normalised form, surrogate and drop reason. */
function valueSelect(d: Dialect, plan: IdentityPlan, type: IdTypePlan, raw: string, block: BlocklistSql): string {
  const normalized = normalizeQuery(d, type, `SELECT DISTINCT tier, raw FROM ${raw} WHERE tier = ${type.tier}`);
  // Record keys ("0" included) are never junk; an explicit blocklist still applies to them.
  const reason = dropReasonSql(d, type, 'x.raw', 'x.norm', block, !plan.replaceDefaultBlocklist && !keyTypes(plan).has(type.name));
  return `SELECT x.tier, x.raw, x.norm, ${nodeSql(d, type.name, 'x.norm')} AS node, ${reason} AS reason FROM (${normalized}) x`;
}

/** The surrogate of a normalised value of `typeName`. */
export function nodeSql(d: Dialect, typeName: string, norm: string): string {
  return d.hash64(`${d.literal(`${typeName}:`)} || ${norm}`);
}

/** Blocklist entries per id type; exact values are normalised by the warehouse, like the data. */
async function compileBlocklists(sql: SqlRunner, plan: IdentityPlan): Promise<Map<string, BlocklistSql>> {
  const out = new Map<string, BlocklistSql>();
  for (const type of plan.types) {
    const entries = plan.blocklist[type.name] ?? [];
    const exact: string[] = [];
    const regexes: string[] = [];
    for (const entry of entries) {
      const parsed = parseBlocklistEntry(entry);
      if ('regex' in parsed) regexes.push(parsed.regex);
      else exact.push(parsed.exact);
    }
    let exactNormalized: string[] = [];
    if (exact.length) {
      const rows = await sql.query<{ norm: string | null }>(normalizeLiteralsQuery(sql.d, type, exact));
      exactNormalized = rows.map((r) => r.norm).filter((v): v is string => v !== null);
    }
    out.set(type.name, { exactNormalized, exactRaw: exact, regexes });
  }
  return out;
}
