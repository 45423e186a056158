/**
 * The end-to-end check behind `npm run check:bigquery` / `check:snowflake`: on a real warehouse,
 * with real credentials, it builds a throwaway copy of the demo project in fresh schemas
 * (datasets), loads a tiny demo, runs the whole pipeline (models, identity graph, profiles), counts
 * every demo audience, prints what it found and drops everything it created.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { countAudience, listAudiences } from '../src/audiences/index.js';
import { loadConfig, type WarehouseConfig } from '../src/config/index.js';
import { generateDemo } from '../src/demo/index.js';
import { isCdpError } from '../src/errors.js';
import { runProject } from '../src/pipeline/index.js';
import { Project } from '../src/project/index.js';
import type { Warehouse } from '../src/warehouse/index.js';

const REPO = resolve(import.meta.dirname, '..');

export interface CheckOptions {
  warehouse: WarehouseConfig;
  /** Prefix of the schemas/datasets created (a random suffix is added). */
  prefix: string;
  people: number;
  /** Keep the schemas afterwards (to look at the tables). */
  keep: boolean;
  /** Extra lines to print once the warehouse is open (e.g. a BigQuery dry run). */
  extra?: (warehouse: Warehouse, schema: string) => Promise<string[]>;
}

export function requireEnv(name: string, what: string): string {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set: ${what}`);
    process.exit(2);
  }
  return value;
}

export async function checkWarehouse(options: CheckOptions): Promise<void> {
  const suffix = randomBytes(3).toString('hex');
  const schema = `${options.prefix}_${suffix}`;
  const raw = `${options.prefix}_raw_${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), 'cdp-warehouse-check-'));
  const say = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${line}`);
  const started = performance.now();
  let project: Project | undefined;
  let warehouse: Warehouse | undefined;
  try {
    // A copy of the demo project whose raw source points at this run's raw schema.
    cpSync(join(REPO, 'models'), join(dir, 'models'), { recursive: true });
    cpSync(join(REPO, 'audiences'), join(dir, 'audiences'), { recursive: true });
    const sources = join(dir, 'models', 'sources.yml');
    writeFileSync(sources, readFileSync(sources, 'utf8').replace(/schema: raw\b/, `schema: ${raw}`));
    const { config } = await loadConfig(REPO);
    const projectConfig = { ...config, warehouse: options.warehouse, schema, models: { path: 'models' }, state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') } };
    writeFileSync(join(dir, 'cdp.config.mjs'), `export default ${JSON.stringify(projectConfig, null, 2)};\n`);
    project = await Project.load(dir);
    warehouse = await project.warehouse();
    say(`connected to ${warehouse.type}; schemas ${raw} (demo data) and ${schema} (models, identity, profiles)`);

    const demo = await generateDemo(warehouse, { people: options.people, schema: raw, onProgress: (line) => say(`demo: ${line}`) });
    say(`demo data for ${demo.people} people loaded`);
    const run = await runProject(project, { onProgress: (line) => say(line) });
    say(`pipeline done: ${run.models.length} models, ${run.identity?.profiles ?? 0} profiles, ${run.identity?.identifiers ?? 0} identifiers, ${run.identity?.rounds ?? 0} rounds`);

    const d = warehouse.dialect;
    const [profiles] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS ${d.quoteIdent('n')} FROM ${d.relation({ schema, name: 'profiles' })}`);
    const [truth] = await warehouse.query<{ n: number }>(`SELECT COUNT(DISTINCT ${d.quoteIdent('person_id')}) AS ${d.quoteIdent('n')} FROM ${d.relation({ schema: raw, name: 'demo_truth' })}`);
    say(`profiles: ${profiles?.n} (the demo has ${truth?.n} true people)`);
    for (const audience of await listAudiences(project)) say(`audience ${audience.name}: ${await countAudience(project, audience.name)} members`);
    for (const line of (await options.extra?.(warehouse, schema)) ?? []) say(line);
    if (!profiles || Number(profiles.n) === 0) throw new Error('no profiles were built');
    say('OK');
  } catch (error) {
    console.error(isCdpError(error) ? `FAILED: ${error.oneLine()}` : `FAILED: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  } finally {
    if (warehouse && !options.keep) {
      for (const name of [schema, raw]) {
        await warehouse
          .execute(`DROP SCHEMA IF EXISTS ${name.split('.').map((part) => warehouse!.dialect.quoteIdent(part)).join('.')} CASCADE`)
          .then(() => say(`dropped ${name}`))
          .catch((error: unknown) => console.error(`could not drop ${name}: ${(error as Error).message}`));
      }
    } else if (options.keep) say(`kept ${raw} and ${schema}`);
    await project?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
