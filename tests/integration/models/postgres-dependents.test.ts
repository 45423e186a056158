/**
 * Postgres: rebuilding a table model alone (`cdp run --select`) or the identity outputs keeps the
 * views over them (a downstream view model, a user's own BI view); a view that uses a column the
 * rebuilt model no longer has fails the build, naming both, and nothing changes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { Project } from '../../../src/project/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { fixtureConfig, TABLES } from '../identity/fixtures.js';
import { dropSchemas, loadTables, openPostgres, TestProject, uniqueSchema } from '../identity/helpers.js';

const url = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let w: Warehouse;
const schemas: string[] = [];
beforeAll(async () => {
  w = await openPostgres();
});
afterAll(async () => {
  await dropSchemas(w, schemas);
  await w.close();
});

async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string; hint?: string; location?: { file?: string } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

describe('table models on Postgres', () => {
  const schema = uniqueSchema('t_models_dep');
  const raw = `${schema}_raw`;
  const bi = `${schema}_bi`;
  let dir: string;
  let project: Project;

  const write = (files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
  };
  const customers = (columns: string) => `{{ config(materialized='table') }}\nselect ${columns}\nfrom {{ source('${raw}', 'customers') }}`;

  beforeAll(async () => {
    schemas.push(schema, raw, bi);
    dir = mkdtempSync(join(tmpdir(), 'cdp-models-dep-'));
    project = new Project(dir, join(dir, 'cdp.config.ts'), parseConfig({ warehouse: { type: 'postgres', connection: url }, schema }));
    await w.execute(`CREATE SCHEMA "${raw}"; CREATE SCHEMA "${bi}"`);
    await w.execute(`CREATE TABLE "${raw}".customers AS SELECT * FROM (VALUES ('c1', 'Ann', 'fr'), ('c2', 'Bob', 'de')) AS t (id, name, country)`);
  });
  afterAll(async () => {
    await project.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a --select rebuild of the table keeps the downstream view model and a user view, with the new data', async () => {
    write({
      'models/customers.sql': customers('id, name, country'),
      'models/customer_names.sql': "select id, upper(name) as name from {{ ref('customers') }}",
    });
    await runProject(project, {});
    await w.execute(`CREATE VIEW "${bi}".by_country AS SELECT country, count(*) AS n FROM "${schema}".customers GROUP BY country`);

    await w.execute(`INSERT INTO "${raw}".customers VALUES ('c3', 'Cy', 'fr')`);
    const result = await runProject(project, { select: ['customers'] });
    expect(result.models.map((m) => [m.model, m.status, m.rows])).toEqual([['customers', 'success', 3]]);
    expect(await w.query(`SELECT id, name FROM "${schema}".customer_names ORDER BY id`)).toEqual([
      { id: 'c1', name: 'ANN' },
      { id: 'c2', name: 'BOB' },
      { id: 'c3', name: 'CY' },
    ]);
    expect(await w.query(`SELECT country, n FROM "${bi}".by_country ORDER BY country`)).toEqual([
      { country: 'de', n: 1 },
      { country: 'fr', n: 2 },
    ]);
  });

  it('a rebuild that removes a column a view uses fails naming the view and the column, and changes nothing', async () => {
    write({ 'models/customers.sql': customers('id, name') });
    await w.execute(`INSERT INTO "${raw}".customers VALUES ('c4', 'Dee', 'it')`);
    const error = await errorOf(runProject(project, { select: ['customers'] }));
    expect(error).toMatchObject({ code: 'MODEL_SQL', location: { file: 'models/customers.sql' } });
    expect(error.message).toBe(
      `model customers failed: cannot rebuild ${schema}.customers: its new version lacks columns that views over it use: view ${bi}.by_country uses country`,
    );
    expect(error.hint).toMatch(/^change or drop the view, or keep the column/);
    expect(await w.query(`SELECT count(*) AS n FROM "${schema}".customers`)).toEqual([{ n: 3 }]);
    expect(await w.query(`SELECT country, n FROM "${bi}".by_country ORDER BY country`)).toEqual([
      { country: 'de', n: 1 },
      { country: 'fr', n: 2 },
    ]);
    expect(await w.query(`SELECT count(*) AS n FROM "${schema}".customer_names`)).toEqual([{ n: 3 }]);
  });

  it('a model that changes from table to view keeps the views over it', async () => {
    write({ 'models/customers.sql': customers('id, name, country').replace("materialized='table'", "materialized='view'") });
    const result = await runProject(project, { select: ['customers'] });
    expect(result.models.map((m) => [m.model, m.status])).toEqual([['customers', 'success']]);
    expect((await w.listRelations(schema)).find((r) => r.name === 'customers')).toMatchObject({ kind: 'view' });
    expect(await w.query(`SELECT country, n FROM "${bi}".by_country ORDER BY country`)).toEqual([
      { country: 'de', n: 1 },
      { country: 'fr', n: 2 },
      { country: 'it', n: 1 },
    ]);
    expect(await w.query(`SELECT count(*) AS n FROM "${schema}".customer_names`)).toEqual([{ n: 4 }]);
  });
});

describe('identity outputs on Postgres', () => {
  it('a rebuild keeps a user view over the profiles', async () => {
    const raw = uniqueSchema('t_identity_dep_raw');
    const out = uniqueSchema('t_identity_dep_out');
    const bi = uniqueSchema('t_identity_dep_bi');
    schemas.push(raw, out, bi);
    await loadTables(w, raw, TABLES);
    const project = new TestProject(fixtureConfig(raw, out, { maxRecordsPerValue: 3 }), w);
    await buildIdentity(project, { full: true });
    await w.execute(`CREATE SCHEMA "${bi}"; CREATE VIEW "${bi}".valuable AS SELECT profile_id, lifetime_value FROM "${out}".profiles WHERE lifetime_value > 0`);
    const before = await w.query(`SELECT * FROM "${bi}".valuable ORDER BY profile_id`);
    expect(before.length).toBeGreaterThan(0);
    const oid = async () => (await w.query<{ oid: unknown }>(`SELECT to_regclass($1)::oid AS oid`, [`"${out}".profiles`]))[0]!.oid;
    const tableBefore = await oid();

    await buildIdentity(project, { full: true });
    expect(await oid()).not.toEqual(tableBefore); // the table was replaced...
    expect(await w.query(`SELECT * FROM "${bi}".valuable ORDER BY profile_id`)).toEqual(before); // ...and the view kept
  });
});
