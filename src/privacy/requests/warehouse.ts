import { membershipTables } from '../../audiences/index.js';
import { IdentityTables } from '../../identity/index.js';
import { LINKS_TABLE } from '../../identity/probabilistic/index.js';
import { NEAR_TABLE } from '../../identity/probabilistic/review.js';
import type { Project } from '../../project/index.js';
import type { RelationRef, Warehouse, WarehouseSession } from '../../warehouse/index.js';
import type { Subject } from './subject.js';

/** Rows of one warehouse table that held the person, deleted (or, in a dry run, that would be). */
export interface TableErasure {
  table: string;
  rows: number;
}

interface Target {
  ref: RelationRef;
  /** SQL condition over the table's own (unqualified) name; null when the person has nothing there. */
  where: string | null;
}

const CONSENT_TABLE = 'consent';

/**
 * The person's rows in everything the platform generated: outputs (profiles, resolved_records,
 * identity_graph, consent, profile_merges, identity_dropped), audience snapshots, and the
 * `_identity_*` state the next build starts from. Set-based DELETEs keyed by profile id and by
 * identifier node, so the person is gone at once; the next build is full anyway (the suppressions
 * changed) and cannot bring them back.
 */
function targets(project: Project, warehouse: Warehouse, subject: Subject): Target[] {
  const d = warehouse.dialect;
  const t = new IdentityTables(project.schema);
  const profiles = [...subject.profileIds, ...subject.formerProfileIds];
  const ids = profiles.length ? profiles.map((id) => d.literal(id)).join(', ') : null;
  const nodes = subject.nodes.length ? subject.nodes.map((n) => d.literal(n)).join(', ') : null;
  const byProfile = (ref: RelationRef, column = 'profile_id'): Target => ({ ref, where: ids && `${d.quoteIdent(column)} IN (${ids})` });
  const self = (ref: RelationRef, column: string) => `${d.quoteIdent(ref.name)}.${d.quoteIdent(column)}`;
  // Records of the person: those whose most trusted identifier is one of theirs.
  const personRecords = (ref: RelationRef, source = 'source', recordKey = 'record_key') =>
    `EXISTS (SELECT 1 FROM ${d.relation(t.state('records'))} k WHERE k.center IN (${nodes}) AND k.source = ${self(ref, source)} AND k.record_key = ${self(ref, recordKey)})`;
  const values = [...subject.identifiers.map((i) => [i.idType, i.value] as const), [subject.idType, subject.input.trim()] as const];
  const dropped = values.map(([type, value]) => `(id_type = ${d.literal(type)} AND id_value = ${d.literal(value)})`).join(' OR ');
  const audiences = membershipTables(project);
  const pairs = (name: string): Target => {
    const ref = { schema: project.schema, name };
    return { ref, where: nodes && `${personRecords(ref, 'source_l', 'record_key_l')} OR ${personRecords(ref, 'source_r', 'record_key_r')}` };
  };
  return [
    // State first: later conditions read _identity_records. Probabilistic pairs (linked and near the threshold) hold record keys only.
    pairs(LINKS_TABLE),
    pairs(NEAR_TABLE),
    { ref: t.state('occurrences'), where: nodes && `node IN (${nodes}) OR ${personRecords(t.state('occurrences'))}` },
    { ref: t.state('rejected'), where: nodes && personRecords(t.state('rejected')) },
    { ref: t.state('records'), where: nodes && `center IN (${nodes})` },
    { ref: t.state('edges'), where: nodes && `src IN (${nodes}) OR dst IN (${nodes})` },
    { ref: t.state('limited'), where: nodes && `node IN (${nodes})` },
    { ref: t.state('dictionary'), where: nodes && `node IN (${nodes})` },
    { ref: t.state('nodes'), where: nodes && `node IN (${nodes})` },
    byProfile(t.output('profiles')),
    byProfile(t.output('resolved')),
    byProfile(t.output('graph')),
    byProfile({ schema: project.schema, name: CONSENT_TABLE }),
    { ref: t.output('merges'), where: ids && `profile_id IN (${ids}) OR old_profile_id IN (${ids})` },
    { ref: t.output('dropped'), where: dropped },
    byProfile(audiences.membership),
    byProfile(audiences.events),
  ];
}

async function tableKinds(warehouse: Warehouse, schema: string): Promise<Map<string, 'table' | 'view'>> {
  const relations = await warehouse.listRelations(schema).catch(() => []);
  return new Map(relations.map((r) => [r.name.toLowerCase(), r.kind]));
}

/**
 * Counts (dry run) or deletes the person's rows, table by table, in one warehouse transaction where
 * the engine has them. Views (e.g. resolved_records on engines that keep it as one) are skipped:
 * they show what their tables hold.
 */
/** The person's records (source, key): those whose most trusted identifier is one of theirs. One person's records, a bounded list. */
export async function personRecordKeys(project: Project, subject: Subject): Promise<Array<{ source: string; recordKey: string }>> {
  if (!subject.nodes.length) return [];
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const records = new IdentityTables(project.schema).state('records');
  if (!(await warehouse.relationExists(records))) return [];
  const rows = await warehouse.query<{ source: unknown; record_key: unknown }>(
    `SELECT DISTINCT source, record_key FROM ${d.relation(records)} WHERE center IN (${subject.nodes.map((n) => d.literal(n)).join(', ')})`,
  );
  return rows.map((r) => ({ source: String(r.source), recordKey: String(r.record_key) }));
}

export async function eraseFromWarehouse(project: Project, subject: Subject, options: { dryRun: boolean }): Promise<TableErasure[]> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const kinds = await tableKinds(warehouse, project.schema);
  const present = targets(project, warehouse, subject).filter((target) => target.where !== null && kinds.get(target.ref.name.toLowerCase()) === 'table');
  const count = async (session: WarehouseSession | Warehouse, target: Target): Promise<number> => {
    const rows = await session.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${d.relation(target.ref)} WHERE ${target.where}`);
    return Number(rows[0]?.n ?? 0);
  };
  const out: TableErasure[] = [];
  const work = async (session: WarehouseSession | Warehouse) => {
    for (const target of present) {
      const rows = await count(session, target);
      if (!options.dryRun && rows > 0) await session.execute(`DELETE FROM ${d.relation(target.ref)} WHERE ${target.where}`);
      out.push({ table: target.ref.name, rows });
    }
  };
  if (options.dryRun) await work(warehouse);
  else await warehouse.transaction(work);
  return out;
}
