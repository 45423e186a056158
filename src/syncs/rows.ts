import { audienceMembersSql } from '../audiences/index.js';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { ColumnInfo, Warehouse } from '../warehouse/index.js';
import type { PreparedSync } from './load.js';
import type { SyncTables } from './tables.js';

/** The rows a sync sends: a relation (a model, or a view over an audience's members) and its columns. */
export interface SyncRows {
  /** Something to put after FROM. */
  from: string;
  columns: ColumnInfo[];
  /** "model cdp.vip" / "audience vip_recent_buyers", for messages. */
  label: string;
}

export async function resolveSyncRows(project: Project, warehouse: Warehouse, sync: PreparedSync, tables: SyncTables): Promise<SyncRows> {
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
  const sql = await audienceMembersSql(project, from.audience, { split: from.split });
  // A view gives the audience's columns through the catalog and keeps the plan SQL readable.
  await warehouse.createSchema(tables.members.schema);
  await warehouse.transaction(async (session) => {
    for (const statement of d.createOrReplaceViewAs(tables.members, sql)) await session.execute(statement);
  });
  const columns = await warehouse.listColumns(tables.members);
  return { from: d.relation(tables.members), columns, label: `audience ${from.audience}${from.split ? ` (split ${from.split})` : ''}` };
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
