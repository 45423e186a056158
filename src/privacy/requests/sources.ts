import type { IdentitySourceConfig } from '../../config/index.js';
import { IdentityTables, normalizeQuery } from '../../identity/index.js';
import type { Project } from '../../project/index.js';
import type { Row, Warehouse } from '../../warehouse/index.js';
import { identityPlanOf, type Subject } from './subject.js';

/** Where the person's raw rows still are: the customer's own tables, which the platform never deletes. */
export interface SourceRecordCount {
  source: string;
  relation: string;
  records: number;
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

/** Per identity source: how many raw rows still carry one of the person's identifiers. */
export async function countSourceRecords(project: Project, subject: Subject): Promise<SourceRecordCount[]> {
  const warehouse = await project.warehouse();
  const out: SourceRecordCount[] = [];
  for (const source of project.config.identity?.sources ?? []) {
    const keys = matchingKeysSql(project, warehouse, source, subject);
    let records = 0;
    if (keys && (await warehouse.relationExists(project.relation(source.relation)))) {
      const [row] = await warehouse.query<{ n: number | bigint }>(`SELECT COUNT(DISTINCT k.record_key) AS n FROM (${keys}) k`);
      records = Number(row?.n ?? 0);
    }
    out.push({ source: source.name, relation: relationName(project, source), records });
  }
  return out;
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
