/**
 * The demo on real Postgres: the same seed loads the same rows as on DuckDB (COPY keeps padded,
 * accented, quoted and empty strings apart from NULL), and the staging models build on both with
 * equal row counts. Runs in its own database, since the models read the fixed schema `raw`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { generateDemo, SOURCE_TABLES } from '../../../src/demo/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { Project } from '../../../src/project/index.js';
import type { Row, Warehouse } from '../../../src/warehouse/index.js';
import { REFERENCE_DATE, tempProject, type TempProject } from './project.js';

const BASE_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DATABASE = `t_demo_${randomBytes(5).toString('hex')}`;
const PEOPLE = 600;
const SEED = 21;

function urlFor(database: string): string {
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const configFor = (warehouse: string) => `export default { warehouse: ${warehouse}, schema: 'cdp' };\n`;

let pgProject: TempProject;
let duckProject: TempProject;
const projects: Project[] = [];
let onPg: Warehouse;
let onDuck: Warehouse;

beforeAll(async () => {
  await admin(`CREATE DATABASE ${DATABASE}`);
  pgProject = tempProject(configFor(`{ type: 'postgres', connection: ${JSON.stringify(urlFor(DATABASE))} }`));
  duckProject = tempProject(configFor(`{ type: 'duckdb', path: '.cdp/warehouse.duckdb' }`));
  for (const dir of [pgProject.dir, duckProject.dir]) {
    const project = await Project.load(dir);
    projects.push(project);
    await generateDemo(await project.warehouse(), { people: PEOPLE, seed: SEED, referenceDate: REFERENCE_DATE });
    await runProject(project);
  }
  onPg = await projects[0]!.warehouse();
  onDuck = await projects[1]!.warehouse();
});

afterAll(async () => {
  for (const project of projects) await project.close();
  await admin(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  pgProject?.remove();
  duckProject?.remove();
});

async function counts(w: Warehouse, relations: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const relation of relations) out[relation] = Number((await w.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${relation}`))[0]!.n);
  return out;
}

describe('cdp demo data on Postgres', () => {
  it('loads the raw tables with the same columns and kinds as DuckDB', async () => {
    for (const name of [...SOURCE_TABLES.map((t) => t.name), 'demo_truth']) {
      const pgColumns = await onPg.listColumns({ schema: 'raw', name });
      const duckColumns = await onDuck.listColumns({ schema: 'raw', name });
      expect(pgColumns.map((c) => [c.name, c.kind]), name).toEqual(duckColumns.map((c) => [c.name, c.kind]));
      expect(pgColumns.length, name).toBeGreaterThan(2);
    }
  });

  it('has the same row counts on both engines, raw and staging', async () => {
    const relations = [...SOURCE_TABLES.flatMap((t) => [`raw.${t.name}`, `cdp.stg_${t.name}`]), 'raw.demo_truth'];
    const pgCounts = await counts(onPg, relations);
    expect(pgCounts).toEqual(await counts(onDuck, relations));
    for (const t of SOURCE_TABLES) expect(pgCounts[`cdp.stg_${t.name}`]).toBe(pgCounts[`raw.${t.name}`]);
  });

  it('keeps every value: padded, accented, quoted and empty strings, amounts and timestamps', async () => {
    for (const table of SOURCE_TABLES) {
      const key = table.columns[0]!.name;
      const sql = `SELECT * FROM raw.${table.name} ORDER BY ${key}`;
      const [a, b] = await Promise.all([onPg.query(sql), onDuck.query(sql)]);
      expect(a.length, table.name).toBe(b.length);
      const differing = a.filter((row: Row, i: number) => JSON.stringify(row) !== JSON.stringify(b[i]));
      expect(differing.slice(0, 3), table.name).toEqual([]);
    }
    const empty = `SELECT COUNT(*) AS n FROM raw.crm_contacts WHERE email = '' OR phone = ''`;
    const [pgEmpty, duckEmpty] = await Promise.all([onPg.query(empty), onDuck.query(empty)]);
    expect(Number(pgEmpty[0]!.n)).toBe(Number(duckEmpty[0]!.n));
    expect(Number(pgEmpty[0]!.n)).toBeGreaterThan(0);
  });
});
