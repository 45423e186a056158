import type { Dialect } from '../warehouse/index.js';
import { dropReasonSql, parseBlocklistEntry, type BlocklistSql } from './junk.js';
import { cleanedRawSelect, normalizeLiteralsQuery, normalizeQuery } from './normalize.js';
import { keyTypes, type IdentityPlan, type IdTypePlan, type SourcePlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/**
 * Stage 1: read source rows (all of them, or those at or after each source's watermark) into
 * scratch tables, normalised and classified in SQL:
 * - `stage_records(source, record_key, ts)`: every row read, identifiers or not;
 * - `stage_values(tier, raw, node, reason, id_value)`: each distinct value read, once (reason
 *   NULL when it links; id_value: its normalised form, or for a refused one what
 *   `identity_dropped` shows: the normalised form, else the value as read, trimmed);
 * - `stage_ids(source, record_key, ts, tier, node)`: one row per (record, usable identifier);
 * - `stage_rejected(source, record_key, ts, tier, node, id_value, reason)`: the refused ones.
 * `node` is the 64-bit surrogate hash64(id_type || ':' || norm), the same on every engine.
 *
 * The source rows are read straight from the sources for the values and again for the rows (a
 * columnar scan), never copied to a table of raw strings first; the row tables carry no strings
 * but the record key, so they are cheap to write and to read back.
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
  const stageRecords = t.tmp('stage_records');
  if (incremental) {
    const recordsSql = plan.sources.map((s) => recordsSelect(d, s, watermarks.get(s.name))).join(' UNION ALL ');
    // Rows at exactly the watermark are read again (more may have arrived with that time); the ones
    // already stored with that same timestamp are not new.
    await sql.create(
      stageRecords,
      `SELECT n.* FROM (${recordsSql}) n LEFT JOIN ${sql.rel(t.state('records'))} o
       ON o.source = n.source AND o.record_key = n.record_key AND o.ts = n.ts WHERE o.source IS NULL`,
    );
  }
  // One id type's non-empty values as read, per (source, id column); an incremental build keeps the new or changed records only.
  const rawOf = (type: IdTypePlan): string | null => {
    const selects = plan.sources.flatMap((source) =>
      source.ids.filter((id) => id.idType === type.name).map(({ column }) => rawSelect(d, source, type, column, watermarks.get(source.name))),
    );
    if (!selects.length) return null;
    const all = selects.join(' UNION ALL ');
    return incremental
      ? `SELECT x.* FROM (${all}) x JOIN ${sql.rel(stageRecords)} k ON k.source = x.source AND k.record_key = x.record_key`
      : all;
  };
  const raws = plan.types.flatMap((type) => {
    const raw = rawOf(type);
    return raw ? [{ type, raw }] : [];
  });
  // Each distinct value is normalised, classified and hashed once (a cookie on 5,000 events: once).
  const values = t.tmp('stage_values');
  await sql.create(values, raws.map(({ type, raw }) => valueSelect(d, plan, type, raw, blocklists.get(type.name)!)).join(' UNION ALL '));
  const rows = (usable: boolean) =>
    raws
      .map(
        ({ type, raw }) =>
          `SELECT r.source, r.record_key, r.ts, r.tier, v.node${usable ? '' : ', v.id_value, v.reason'} FROM (${raw}) r ` +
          `JOIN ${sql.rel(values)} v ON v.tier = ${type.tier} AND v.raw = r.raw WHERE v.reason IS ${usable ? '' : 'NOT '}NULL`,
      )
      .join(' UNION ALL ');
  if (incremental) {
    await sql.create(t.tmp('stage_ids'), rows(true));
  } else {
    // One row per record with its usable node per id type: its center is the first non-NULL one.
    await sql.create(stageRecords, plan.sources.map((source) => wideRecordSelect(d, plan, source, sql.rel(values))).join(' UNION ALL '));
    await sql.create(t.tmp('stage_ids'), unpivotRecordsSelect(d, plan, sql.rel(stageRecords)));
  }
  await sql.create(t.tmp('stage_rejected'), rows(false));
}

/**
 * A full build stages each record as one row, `stage_records(source, record_key, ts, center,
 * node_<tier>...)`: its usable node per id type (NULL when it has none). Source keys are checked
 * unique, so a record is one source row and its center (most trusted usable identifier) is the
 * first non-NULL node: no aggregation over its identifiers, no join back to the records. Its
 * edges are read off the row too (edges.ts), and without the node columns it is `new_records`
 * (finalize.ts).
 */
function nodeColumn(type: IdTypePlan): string {
  return `node_${type.tier}`;
}

function wideRecordSelect(d: Dialect, plan: IdentityPlan, source: SourcePlan, values: string): string {
  const joins: string[] = [];
  const nodes: string[] = [];
  const columns = plan.types.map((type) => {
    const id = source.ids.find((x) => x.idType === type.name);
    if (!id) return `CAST(NULL AS ${d.typeName('integer')}) AS ${d.quoteIdent(nodeColumn(type))}`;
    const alias = `v${type.tier}`;
    joins.push(
      `LEFT JOIN (SELECT raw, node FROM ${values} WHERE tier = ${type.tier} AND reason IS NULL) ${alias} ON ${alias}.raw = ${d.cast(`s.${d.quoteIdent(id.column)}`, 'string')}`,
    );
    nodes.push(`${alias}.node`);
    return `${alias}.node AS ${d.quoteIdent(nodeColumn(type))}`;
  });
  // The center: the first usable node in tier order (plan.types is in tier order).
  const center = nodes.length === 0 ? `CAST(NULL AS ${d.typeName('integer')})` : nodes.length === 1 ? nodes[0]! : `COALESCE(${nodes.join(', ')})`;
  return (
    `SELECT ${d.literal(source.name)} AS source, ${d.cast(`s.${d.quoteIdent(source.key)}`, 'string')} AS record_key, ` +
    `${d.cast(`s.${d.quoteIdent(source.timestamp)}`, 'timestamp')} AS ts, ${center} AS center, ${columns.join(', ')} FROM ${d.relation(source.relation)} s ${joins.join(' ')}`
  );
}

/**
 * A full build's occurrences off its staged records: one row per (record, usable node), in one
 * scan of the records (each joined to the id types' tiers) rather than one scan per id type.
 */
function unpivotRecordsSelect(d: Dialect, plan: IdentityPlan, records: string): string {
  const tiers = plan.types.map((type) => `SELECT ${type.tier} AS tier`).join(' UNION ALL ');
  const node = `CASE k.tier ${plan.types.map((type) => `WHEN ${type.tier} THEN g.${d.quoteIdent(nodeColumn(type))}`).join(' ')} END`;
  return `SELECT source, record_key, ts, tier, node FROM (SELECT g.source, g.record_key, g.ts, k.tier, ${node} AS node FROM ${records} g CROSS JOIN (${tiers}) k) x WHERE node IS NOT NULL`;
}

/** The node columns of a full build's staged records (see `wideRecordSelect`), in tier order. */
export function recordNodeColumns(plan: IdentityPlan): Array<{ type: IdTypePlan; column: string }> {
  return plan.types.map((type) => ({ type, column: nodeColumn(type) }));
}

/** A full build's staged records (see `wideRecordSelect`): the tier of each record's center, NULL without a usable identifier. */
export function recordCenterTierSql(d: Dialect, plan: IdentityPlan, alias: string): string {
  return `CASE ${plan.types.map((type) => `WHEN ${alias}.${d.quoteIdent(nodeColumn(type))} IS NOT NULL THEN ${type.tier}`).join(' ')} END`;
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

/** One id type (`raw`: its values as read): each distinct value with its surrogate, drop reason and shown value (the normalised one where there is one). */
function valueSelect(d: Dialect, plan: IdentityPlan, type: IdTypePlan, raw: string, block: BlocklistSql): string {
  // LOWER(TRIM(raw)) once per value: the normaliser and the junk checks read it several times.
  const normalized = normalizeQuery(d, type, cleanedRawSelect(`SELECT DISTINCT ${type.tier} AS tier, raw FROM (${raw}) r`), { clean: 'clean' });
  // Record keys ("0" included) are never junk; an explicit blocklist still applies to them.
  const reason = dropReasonSql(d, type, 'x.raw', 'x.norm', block, !plan.replaceDefaultBlocklist && !keyTypes(plan).has(type.name), 'x.clean');
  return (
    `SELECT y.tier, y.raw, y.node, y.reason, COALESCE(y.norm, TRIM(y.raw)) AS id_value ` +
    `FROM (SELECT x.tier, x.raw, x.norm, ${nodeSql(d, type.name, 'x.norm')} AS node, ${reason} AS reason FROM (${normalized}) x) y`
  );
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
