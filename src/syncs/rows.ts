import { audienceCatalog, audienceMembersSql, loadPriorityList, priorityListSql, SLOT_COLUMN, SPLIT_COLUMN } from '../audiences/index.js';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { ColumnInfo, Warehouse } from '../warehouse/index.js';
import { describeSyncFrom, type SyncFrom } from './definition.js';
import { identifierColumns, withPreferredIdentifiers } from './identifier-sql.js';
import type { PreparedSync } from './load.js';
import type { SyncTables } from './tables.js';
import { checkAskedFormat } from './values-sql.js';

/** The rows a sync sends: a relation (a model, or a view over an audience's members) and its columns. */
export interface SyncRows {
  /** Something to put after FROM. */
  from: string;
  columns: ColumnInfo[];
  /** "model cdp.vip" / "audience vip_recent_buyers", for messages. */
  label: string;
}

/** The rows a sync sends, with the preferred identifiers its `{ identifier }` fields ask for (identifier-sql.ts). */
export async function resolveSyncRows(project: Project, warehouse: Warehouse, sync: PreparedSync, tables: SyncTables): Promise<SyncRows> {
  return withPreferredIdentifiers(project, warehouse, sync, await sourceRows(project, warehouse, sync, tables));
}

async function sourceRows(project: Project, warehouse: Warehouse, sync: PreparedSync, tables: SyncTables): Promise<SyncRows> {
  const d = warehouse.dialect;
  const { from } = sync.definition;
  if ('model' in from) {
    const relation = project.relation(from.model);
    const columns = await warehouse.listColumns(relation);
    if (columns.length === 0) {
      throw new CdpError('SYNC_INVALID', `model ${from.model} does not exist in the warehouse (${relation.schema}.${relation.name})`, {
        location: { file: sync.file ?? undefined, line: sync.location.lineOf?.(['from', 'model']), path: 'from.model' },
        hint: 'build it with `cdp run`, or fix the model name',
      });
    }
    return { from: d.relation(relation), columns, label: `model ${relation.schema}.${relation.name}` };
  }
  const sql = await membersSql(project, sync, from);
  // A view gives the audience's columns through the catalog and keeps the plan SQL readable.
  await warehouse.createSchema(tables.members.schema);
  await warehouse.transaction(async (session) => {
    for (const statement of d.createOrReplaceViewAs(tables.members, sql)) await session.execute(statement);
  });
  const columns = await warehouse.listColumns(tables.members);
  return { from: d.relation(tables.members), columns, label: describeSyncFrom(from) };
}

/** The members of an audience (or split group), or of one slot of a priority list (with its `audience` column). */
async function membersSql(project: Project, sync: PreparedSync, from: Exclude<SyncFrom, { model: string }>): Promise<string> {
  if ('audience' in from) return audienceMembersSql(project, from.audience, { split: from.split });
  try {
    return await priorityListSql(project, await loadPriorityList(project, from.priority_list), { slot: from.slot });
  } catch (error) {
    if (!(error instanceof CdpError) || error.location.file) throw error;
    // An unknown list or slot is the sync's mistake: point at its line.
    const path = error.location.path === 'slot' ? ['from', 'slot'] : ['from', 'priority_list'];
    throw new CdpError('SYNC_INVALID', error.message, {
      location: { file: sync.file ?? undefined, line: sync.location.lineOf?.(path), path: path.join('.') },
      hint: error.hint,
      cause: error,
    });
  }
}

export interface MappedColumns {
  key: ColumnInfo;
  /** In definition order. */
  fields: Array<{ field: string; column: ColumnInfo }>;
}

/** Checks the key and every mapped column exist; the error names the field, its line and the columns there are. */
export function mapColumns(sync: PreparedSync, source: SyncRows): MappedColumns {
  const byName = new Map(source.columns.map((c) => [c.name, c]));
  const byLower = new Map(source.columns.map((c) => [c.name.toLowerCase(), c]));
  const find = (name: string, path: string[]): ColumnInfo => {
    const column = byName.get(name) ?? byLower.get(name.toLowerCase());
    if (column) return column;
    const available = source.columns.map((c) => c.name);
    throw new CdpError('SYNC_INVALID', `column "${name}" does not exist in ${source.label}`, {
      location: { file: sync.file ?? undefined, line: sync.location.lineOf?.(path), path: path.join('.') },
      hint: `available columns: ${available.slice(0, 40).join(', ')}${available.length > 40 ? ', …' : ''}`,
    });
  };
  const { definition } = sync;
  return {
    key: find(definition.key, ['key']),
    fields: Object.entries(definition.fields).map(([field, column]) => ({ field, column: find(column, ['fields', field]) })),
  };
}

/**
 * The columns a sync's rows will have, from the warehouse catalog and without creating anything:
 * a model's, or `profiles`' plus the split group (audiences with splits) or the slot (priority
 * lists). Empty when the relation is not built yet.
 */
async function plannedSourceColumns(project: Project, warehouse: Warehouse, from: SyncFrom, audienceHasSplits: boolean): Promise<ColumnInfo[]> {
  if ('model' in from) return warehouse.listColumns(project.relation(from.model));
  const profiles = await warehouse.listColumns(audienceCatalog(project).profiles);
  if (profiles.length === 0) return [];
  const extra = 'priority_list' in from ? SLOT_COLUMN : audienceHasSplits ? SPLIT_COLUMN : undefined;
  return extra ? [...profiles, { name: extra, type: warehouse.dialect.typeName('string').toUpperCase(), kind: 'string' }] : profiles;
}

/**
 * Checks, before a sync is saved, that its key and mapped columns exist (mapColumns' error: the
 * field and the columns there are). Skipped while the source is not built: its run says so.
 */
export async function checkMappedColumns(project: Project, sync: PreparedSync, audienceHasSplits: boolean): Promise<void> {
  const warehouse = await project.warehouse();
  const columns = await plannedSourceColumns(project, warehouse, sync.definition.from, audienceHasSplits);
  if (columns.length === 0) return;
  const mapped = mapColumns(sync, { from: '', columns: [...columns, ...identifierColumns(warehouse.dialect, sync)], label: describeSyncFrom(sync.definition.from) });
  for (const { field, column } of mapped.fields) {
    const rule = sync.definition.fieldRules?.[field];
    if (rule && 'as' in rule) checkAskedFormat(rule.as, field, column);
  }
}
