import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from '../../../src/project/index.js';
import type { ColumnDef } from '../../../src/warehouse/index.js';

export interface TestProject {
  dir: string;
  project: Project;
  /** Writes syncs/<name>.yaml. */
  writeSync(name: string, yaml: string): void;
  close(): Promise<void>;
}

/** A project in a fresh temp dir: DuckDB file warehouse, SQLite state store, schema `cdp`. */
export async function makeProject(options: { warehouseConfig?: string; schema?: string } = {}): Promise<TestProject> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-sync-'));
  mkdirSync(join(dir, 'syncs'));
  const warehouse = options.warehouseConfig ?? "{ type: 'duckdb', path: '.cdp/warehouse.duckdb' }";
  writeFileSync(
    join(dir, 'cdp.config.ts'),
    `export default { warehouse: ${warehouse}, schema: '${options.schema ?? 'cdp'}', state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' } };\n`,
  );
  const project = await Project.load(dir);
  return {
    dir,
    project,
    writeSync: (name, yaml) => writeFileSync(join(dir, 'syncs', `${name}.yaml`), yaml),
    close: async () => {
      await project.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Person {
  id: string;
  email: string | null;
  first_name: string | null;
  score: number | null;
}

export const PEOPLE_COLUMNS: ColumnDef[] = [
  { name: 'id', kind: 'string' },
  { name: 'email', kind: 'string' },
  { name: 'first_name', kind: 'string' },
  { name: 'score', kind: 'number' },
];

export function people(count: number, from = 0): Person[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return { id: `p${String(n).padStart(6, '0')}`, email: `user${n}@example.com`, first_name: `Name${n}`, score: n % 100 };
  });
}

/** (Re)creates the model table `<schema>.people` with these rows. */
export async function loadPeople(project: Project, rows: readonly Person[], name = 'people'): Promise<void> {
  const warehouse = await project.warehouse();
  await warehouse.loadTable({ schema: project.modelSchema, name }, PEOPLE_COLUMNS, [rows.map((p) => [p.id, p.email, p.first_name, p.score])]);
}

export function webhookSyncYaml(name: string, url: string, extra: { mode?: string; batchSize?: number; secret?: string; fields?: string } = {}): string {
  return [
    `name: ${name}`,
    'from: { model: people }',
    'key: id',
    'destination:',
    '  type: webhook',
    '  config:',
    `    url: ${url}`,
    `    batch_size: ${extra.batchSize ?? 100}`,
    ...(extra.secret ? [`    secret: { env: ${extra.secret} }`] : []),
    `mode: ${extra.mode ?? 'mirror'}`,
    `fields: ${extra.fields ?? '{ email: email, first_name: first_name, score: score }'}`,
    '',
  ].join('\n');
}
