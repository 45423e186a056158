import type { IdentitySourceConfig } from '../../config/index.js';
import { IdentityTables, normalizeQuery, type IdentityPlan } from '../../identity/index.js';
import { logger } from '../../logger.js';
import { loadModels, type ModelGraph } from '../../models/index.js';
import type { Project } from '../../project/index.js';
import type { RelationRef, Row, Warehouse } from '../../warehouse/index.js';
import { consentIdNormalizeQuery, planConsent, type ConsentSourcePlan } from '../../identity/consent/index.js';
import { identityPlanOf, type Subject } from './subject.js';

/** Where the person's raw rows still are: the customer's own tables, which the platform never deletes. */
export interface SourceRecordCount {
  /** The identity source's or consent source's name. */
  source: string;
  /** `identity.sources` or `privacy.consent.sources`. */
  kind: 'identity' | 'consent';
  /** The relation the source reads (schema.table). */
  relation: string;
  /** Rows of it carrying one of the person's identifiers (in any identifier column, normalised). */
  records: number;
  /**
   * Only when `relation` is a model (rebuilt from other tables: deleting in it achieves nothing):
   * the warehouse tables it is built from, through its refs, as `schema.table` (its `source()`
   * calls, the tables `sources.yml` documents). That is where the rows must be deleted. Empty when
   * the model names its tables without `source()`.
   */
  upstream?: string[];
}

export interface SourceRecords {
  source: string;
  relation: string;
  rows: Row[];
  /** More rows than the export reads per source. */
  truncated: boolean;
}

/** Rows read per source into an access export (the count beyond it is still reported). */
export const MAX_EXPORT_ROWS_PER_SOURCE = 50_000;

function relationName(project: Project, source: IdentitySourceConfig): string {
  const ref = project.relation(source.relation);
  return `${ref.schema}.${ref.name}`;
}

/**
 * The keys of a source's rows carrying one of the person's identifiers in any identifier column,
 * each column normalised with the identity build's own SQL; null when the source has no column of
 * the person's id types.
 */
function matchingKeysSql(project: Project, warehouse: Warehouse, source: IdentitySourceConfig, subject: Subject): string | null {
  const d = warehouse.dialect;
  const plan = identityPlanOf(project);
  const relation = d.relation(project.relation(source.relation));
  const parts: string[] = [];
  for (const [idType, column] of Object.entries(source.ids)) {
    const type = plan.types.find((t) => t.name === idType);
    const values = subject.identifiers.filter((i) => i.idType === idType).map((i) => d.literal(i.value));
    if (!type || !values.length) continue;
    const inner = `SELECT ${d.cast(`r.${d.quoteIdent(column)}`, 'string')} AS raw, ${d.cast(`r.${d.quoteIdent(source.key)}`, 'string')} AS record_key FROM ${relation} r`;
    parts.push(`SELECT x.record_key FROM (${normalizeQuery(d, type, inner)}) x WHERE x.norm IN (${values.join(', ')})`);
  }
  return parts.length ? parts.join(' UNION ALL ') : null;
}

/**
 * Per identity source and consent source: how many raw rows still carry one of the person's
 * identifiers, and, for a source that reads a model, the upstream tables to delete them in.
 */
export async function countSourceRecords(project: Project, subject: Subject): Promise<SourceRecordCount[]> {
  const warehouse = await project.warehouse();
  const plan = identityPlanOf(project);
  const upstream = upstreamResolver(project);
  const out: SourceRecordCount[] = [];
  for (const source of project.config.identity?.sources ?? []) {
    const keys = matchingKeysSql(project, warehouse, source, subject);
    let records = 0;
    if (keys && (await warehouse.relationExists(project.relation(source.relation)))) {
      const [row] = await warehouse.query<{ n: number | bigint }>(`SELECT COUNT(DISTINCT k.record_key) AS n FROM (${keys}) k`);
      records = Number(row?.n ?? 0);
    }
    out.push(withUpstream({ source: source.name, kind: 'identity', relation: relationName(project, source), records }, upstream(project.relation(source.relation))));
  }
  for (const source of planConsent(project)?.sources ?? []) {
    const matching = matchingConsentRowsSql(warehouse, plan, source, subject);
    let records = 0;
    if (matching && (await warehouse.relationExists(source.relation))) {
      const [row] = await warehouse.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM (${matching}) m`);
      records = Number(row?.n ?? 0);
    }
    out.push(withUpstream({ source: source.name, kind: 'consent', relation: `${source.relation.schema}.${source.relation.name}`, records }, upstream(source.relation)));
  }
  return out;
}

function withUpstream(count: SourceRecordCount, upstream: string[] | null): SourceRecordCount {
  return upstream ? { ...count, upstream } : count;
}

/**
 * The rows of a consent source carrying one of the person's identifiers in any identifier column
 * (each normalised like consent resolution does it), one row per source row: the columns are
 * normalised one after the other, each step carrying the columns still to check and a hit flag.
 * Null when the source has no column of the person's id types.
 */
function matchingConsentRowsSql(warehouse: Warehouse, plan: IdentityPlan, source: ConsentSourcePlan, subject: Subject): string | null {
  const d = warehouse.dialect;
  const columns = source.ids
    .map(({ idType, column }) => ({ idType, column, values: subject.identifiers.filter((i) => i.idType === idType).map((i) => d.literal(i.value)) }))
    .filter((c) => c.values.length && plan.types.some((t) => t.name === c.idType));
  if (!columns.length) return null;
  const id = (i: number) => d.quoteIdent(`cdp_id_${i}`);
  const hit = (i: number) => d.quoteIdent(`cdp_hit_${i}`);
  let rows = `SELECT ${columns.map((c, i) => `${d.cast(`s.${d.quoteIdent(c.column)}`, 'string')} AS ${id(i)}`).join(', ')} FROM ${d.relation(source.relation)} s`;
  columns.forEach((c, i) => {
    const normalized = consentIdNormalizeQuery(d, plan, c.idType, `SELECT p.*, p.${id(i)} AS raw FROM (${rows}) p`);
    const carried = [...columns.keys()].filter((j) => j > i).map((j) => `n.${id(j)}`);
    const hits = [...columns.keys()].filter((j) => j < i).map((j) => `n.${hit(j)}`);
    rows =
      `SELECT ${[...carried, ...hits].map((x) => `${x}, `).join('')}` +
      `CASE WHEN n.norm IN (${c.values.join(', ')}) THEN 1 ELSE 0 END AS ${hit(i)} FROM (${normalized}) n`;
  });
  return `SELECT 1 AS hit FROM (${rows}) x WHERE ${columns.map((_, i) => `x.${hit(i)} = 1`).join(' OR ')}`;
}

/**
 * `relation` -> the warehouse tables its model is built from (null when it is not a model).
 * Models are loaded once; a project whose models cannot be loaded reports no upstream (logged).
 */
function upstreamResolver(project: Project): (relation: RelationRef) => string[] | null {
  let graph: ModelGraph | null | undefined;
  const same = (a: RelationRef, b: RelationRef) => a.schema.toLowerCase() === b.schema.toLowerCase() && a.name.toLowerCase() === b.name.toLowerCase();
  return (relation) => {
    if (graph === undefined) {
      try {
        graph = loadModels(project);
      } catch (error) {
        logger.warn({ err: error }, 'privacy: models could not be loaded; source records name no upstream tables');
        graph = null;
      }
    }
    const model = graph?.models.find((m) => same(m.relation, relation));
    if (!graph || !model) return null;
    const tables = new Set<string>();
    const seen = new Set<string>();
    const stack = [model.name];
    while (stack.length) {
      const current = graph.get(stack.pop()!);
      if (!current || seen.has(current.name)) continue;
      seen.add(current.name);
      for (const s of current.sources) tables.add(`${s.schema}.${s.table}`);
      stack.push(...current.refs.map((r) => r.name));
    }
    return [...tables].sort();
  };
}

/**
 * For an access export: every column of the rows identity resolution attributed to the person's
 * profile(s) (resolved_records), per identity source.
 */
export async function readSourceRecords(project: Project, subject: Subject): Promise<SourceRecords[]> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const t = new IdentityTables(project.schema);
  if (!subject.profileIds.length || !(await warehouse.relationExists(t.output('resolved')))) return [];
  const ids = subject.profileIds.map((id) => d.literal(id)).join(', ');
  const out: SourceRecords[] = [];
  for (const source of project.config.identity?.sources ?? []) {
    const ref = project.relation(source.relation);
    if (!(await warehouse.relationExists(ref))) continue;
    const keys = `SELECT record_key FROM ${d.relation(t.output('resolved'))} WHERE source = ${d.literal(source.name)} AND profile_id IN (${ids})`;
    const rows = await warehouse.query(
      `SELECT r.* FROM ${d.relation(ref)} r WHERE ${d.cast(`r.${d.quoteIdent(source.key)}`, 'string')} IN (${keys}) ` +
        `ORDER BY r.${d.quoteIdent(source.key)} ${d.limit(MAX_EXPORT_ROWS_PER_SOURCE + 1)}`,
    );
    if (!rows.length) continue;
    const truncated = rows.length > MAX_EXPORT_ROWS_PER_SOURCE;
    out.push({ source: source.name, relation: relationName(project, source), rows: truncated ? rows.slice(0, MAX_EXPORT_ROWS_PER_SOURCE) : rows, truncated });
  }
  return out;
}
