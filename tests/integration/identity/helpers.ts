import { randomBytes } from 'node:crypto';
import { openWarehouse, type ColumnDef, type Warehouse } from '../../../src/warehouse/index.js';

export const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export { TestProject } from '../../helpers/project.js';

export async function openDuckDb(): Promise<Warehouse> {
  return openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
}

export async function openPostgres(): Promise<Warehouse> {
  return openWarehouse({ type: 'postgres', connection: POSTGRES_URL, poolSize: 2 }, '/tmp');
}

/** A schema name no other test file uses. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchemas(warehouse: Warehouse, schemas: string[]): Promise<void> {
  for (const schema of schemas) await warehouse.execute(`DROP SCHEMA IF EXISTS ${warehouse.dialect.quoteIdent(schema)} CASCADE`);
}

export interface TableSpec {
  name: string;
  columns: ColumnDef[];
  rows: unknown[][];
}

export async function loadTables(warehouse: Warehouse, schema: string, tables: TableSpec[]): Promise<void> {
  await warehouse.createSchema(schema);
  for (const table of tables) await warehouse.loadTable({ schema, name: table.name }, table.columns, [table.rows]);
}

/** Appends rows to an existing table (loadTable replaces). */
export async function appendRows(warehouse: Warehouse, schema: string, table: TableSpec): Promise<void> {
  const d = warehouse.dialect;
  const tmp = `${table.name}__append`;
  await warehouse.loadTable({ schema, name: tmp }, table.columns, [table.rows]);
  await warehouse.execute(`INSERT INTO ${d.relation({ schema, name: table.name })} SELECT * FROM ${d.relation({ schema, name: tmp })}`);
  await warehouse.execute(`DROP TABLE ${d.relation({ schema, name: tmp })}`);
}

/** Groups `source:key` labels by profile: a sorted list of sorted groups, records without a profile left out. */
export async function profileGroups(warehouse: Warehouse, schema: string): Promise<string[][]> {
  const rows = await warehouse.query<{ source: string; record_key: string; profile_id: string | null }>(
    `SELECT source, record_key, profile_id FROM ${warehouse.dialect.relation({ schema, name: 'resolved_records' })}`,
  );
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    if (row.profile_id === null) continue;
    const list = groups.get(row.profile_id) ?? [];
    list.push(`${row.source}:${row.record_key}`);
    groups.set(row.profile_id, list);
  }
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Rows of a query as plain sorted JSON lines: for comparing whole tables across builds and engines. */
export async function snapshot(warehouse: Warehouse, sql: string): Promise<string[]> {
  const rows = await warehouse.query(sql);
  return rows
    .map((row) =>
      JSON.stringify(row, (_key, value: unknown) => {
        if (typeof value === 'bigint') return value.toString();
        if (typeof value === 'number' && !Number.isInteger(value)) return Number(value.toFixed(6));
        return value;
      }),
    )
    .sort();
}
