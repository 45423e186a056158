import { SUPPRESSIONS_TABLE } from '../../identity/index.js';
import type { Project } from '../../project/index.js';
import type { RelationRef, Warehouse } from '../../warehouse/index.js';
import type { SubjectIdentifier } from './subject.js';

/**
 * `<schema>.identity_suppressions(id_type, id_value, request_id, suppressed_at)`: identifiers of
 * erased people. Every identity build drops the source rows carrying one of these values (see
 * src/identity/suppress.ts) and rebuilds in full when the list changes, so a deleted person is
 * never re-created from late-arriving rows. Values are stored normalised (the build normalises
 * them again, which leaves them unchanged).
 */
const COLUMNS = [
  ['id_type', 'string'],
  ['id_value', 'string'],
  ['request_id', 'string'],
  ['suppressed_at', 'timestamp'],
] as const;

export function suppressionsRelation(project: Project): RelationRef {
  return { schema: project.schema, name: SUPPRESSIONS_TABLE };
}

/** Creates the table, or adds the columns an older one (id_type, id_value only) lacks. */
export async function ensureSuppressionsTable(warehouse: Warehouse, table: RelationRef): Promise<void> {
  const d = warehouse.dialect;
  await warehouse.createSchema(table.schema);
  if (!(await warehouse.relationExists(table))) {
    await warehouse.execute(`CREATE TABLE ${d.relation(table)} (${COLUMNS.map(([name, kind]) => `${d.quoteIdent(name)} ${d.typeName(kind)}`).join(', ')})`);
    return;
  }
  const have = new Set((await warehouse.listColumns(table)).map((c) => c.name.toLowerCase()));
  for (const [name, kind] of COLUMNS) {
    if (!have.has(name)) await warehouse.execute(`ALTER TABLE ${d.relation(table)} ADD COLUMN ${d.quoteIdent(name)} ${d.typeName(kind)}`);
  }
}

function valuesSql(warehouse: Warehouse, identifiers: readonly SubjectIdentifier[], requestId: string, at: Date): string {
  const d = warehouse.dialect;
  return identifiers
    .map(
      (i) =>
        `SELECT ${d.cast(d.literal(i.idType), 'string')} AS id_type, ${d.cast(d.literal(i.value), 'string')} AS id_value, ` +
        `${d.cast(d.literal(requestId), 'string')} AS request_id, ${d.cast(d.literal(at), 'timestamp')} AS suppressed_at`,
    )
    .join(' UNION ALL ');
}

/** How many of these identifiers are suppressed already (0 when the table does not exist). */
export async function countSuppressed(warehouse: Warehouse, table: RelationRef, identifiers: readonly SubjectIdentifier[]): Promise<number> {
  if (!identifiers.length || !(await warehouse.relationExists(table))) return 0;
  const d = warehouse.dialect;
  const [row] = await warehouse.query<{ n: number | bigint }>(
    `SELECT COUNT(*) AS n FROM (${valuesSql(warehouse, identifiers, '', new Date(0))}) x ` +
      `WHERE EXISTS (SELECT 1 FROM ${d.relation(table)} s WHERE s.id_type = x.id_type AND s.id_value = x.id_value)`,
  );
  return Number(row?.n ?? 0);
}

/** Adds the identifiers not yet suppressed, in one statement. */
export async function addSuppressions(warehouse: Warehouse, table: RelationRef, identifiers: readonly SubjectIdentifier[], requestId: string, at: Date): Promise<void> {
  if (!identifiers.length) return;
  await ensureSuppressionsTable(warehouse, table);
  const d = warehouse.dialect;
  await warehouse.execute(
    `INSERT INTO ${d.relation(table)} (id_type, id_value, request_id, suppressed_at) ` +
      `SELECT x.id_type, x.id_value, x.request_id, x.suppressed_at FROM (${valuesSql(warehouse, identifiers, requestId, at)}) x ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${d.relation(table)} s WHERE s.id_type = x.id_type AND s.id_value = x.id_value)`,
  );
}
