import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProject } from '../../../src/pipeline/index.js';
import { Project } from '../../../src/project/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { fixtureConfig, TABLES } from '../identity/fixtures.js';
import { dropSchemas, loadTables, POSTGRES_URL, uniqueSchema, type TableSpec } from '../identity/helpers.js';

import type { EngineName as Engine } from '../warehouse/engines.js';

export type { Engine };

/** A model-like table keyed by email (what a sync "from a model keyed by email" reads). */
export const NEWSLETTER: TableSpec = {
  name: 'newsletter',
  columns: [
    { name: 'email', kind: 'string' },
    { name: 'first_name', kind: 'string' },
  ],
  rows: [
    ['Alice@Gmail.com', 'Alice'],
    ['frank@work.com', 'Frank'],
  ],
};

export interface PrivacyProject {
  dir: string;
  project: Project;
  warehouse: Warehouse;
  raw: string;
  schema: string;
  writeSync(name: string, yaml: string): void;
  close(): Promise<void>;
}

/**
 * The identity fixture (alice, bob, carol, dave, erin, frank, grace, the till) in a project on
 * disk: DuckDB file or Postgres warehouse, SQLite state store, one audience, built once.
 */
export interface PrivacyProjectOptions {
  /** More raw tables (in the raw schema). */
  tables?: TableSpec[];
  /** models/<name>.sql files, given the raw schema's name. */
  models?: (raw: string) => Record<string, string>;
  /** Changes to the config before it is written. */
  config?: (config: Omit<CdpConfigInput, 'warehouse' | 'state'>, raw: string) => void;
}

export async function privacyProject(engine: Engine, options: PrivacyProjectOptions = {}): Promise<PrivacyProject> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-privacy-'));
  mkdirSync(join(dir, 'syncs'));
  mkdirSync(join(dir, 'audiences'));
  const raw = engine === 'duckdb' ? 'raw' : uniqueSchema('praw');
  const schema = engine === 'duckdb' ? 'cdp' : uniqueSchema('pcdp');
  const models = options.models?.(raw) ?? {};
  if (Object.keys(models).length) mkdirSync(join(dir, 'models'));
  for (const [name, sql] of Object.entries(models)) writeFileSync(join(dir, 'models', `${name}.sql`), sql);
  const config = {
    ...fixtureConfig(raw, schema),
    warehouse: engine === 'duckdb' ? { type: 'duckdb', path: '.cdp/warehouse.duckdb' } : { type: 'postgres', connection: POSTGRES_URL, poolSize: 2 },
    state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' },
    events: [{ source: 'orders', name: "'order_completed'" }],
  };
  options.config?.(config, raw);
  writeFileSync(join(dir, 'cdp.config.ts'), `export default ${JSON.stringify(config, null, 2)};\n`);
  writeFileSync(join(dir, 'audiences', 'spenders.yaml'), 'where: { trait: lifetime_value, op: gte, value: 20 }\n');
  writeFileSync(join(dir, 'audiences', 'everyone.yaml'), 'where: { trait: record_count, op: gte, value: 1 }\n');
  const project = await Project.load(dir);
  const warehouse = await project.warehouse();
  await loadTables(warehouse, raw, [...TABLES, NEWSLETTER, ...(options.tables ?? [])]);
  await runProject(project);
  return {
    dir,
    project,
    warehouse,
    raw,
    schema,
    writeSync: (name, yaml) => writeFileSync(join(dir, 'syncs', `${name}.yaml`), yaml),
    async close() {
      if (engine === 'postgres') await dropSchemas(warehouse, [raw, schema]);
      await project.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sync of the profiles table keyed by profile_id. */
export function profileSync(name: string, type: string, schema: string, mode = 'upsert'): string {
  return `name: ${name}\nfrom: { model: ${schema}.profiles }\nkey: profile_id\ndestination: { type: ${type}, config: {} }\nmode: ${mode}\nfields: { first_name: first_name }\n`;
}

/** A sync of the newsletter model keyed by email. */
export function emailSync(name: string, type: string, raw: string): string {
  return `name: ${name}\nfrom: { model: ${raw}.newsletter }\nkey: email\ndestination: { type: ${type}, config: {} }\nmode: upsert\nfields: { email: email, first_name: first_name }\n`;
}
