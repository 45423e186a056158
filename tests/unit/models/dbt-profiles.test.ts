import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { loadModels } from '../../../src/models/index.js';
import { errorOf } from './fixture.js';

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
  delete process.env.DBT_PROFILES_DIR;
  delete process.env.CDP_TEST_PG_PASSWORD;
});

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-dbt-unit-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

const PROJECT = 'name: p\nprofile: p\n';

describe('dbt projects: profiles and targets', () => {
  it('without a profile: the embedded DuckDB, schema main (like dbt-duckdb)', async () => {
    const project = await Project.load(folder({ 'dbt_project.yml': PROJECT }));
    expect(project.config.warehouse).toEqual({ type: 'duckdb', path: '.cdp/warehouse.duckdb' });
    expect(project.target).toMatchObject({ schema: 'main', type: 'duckdb', file: null });
  });

  it("reads the project's profiles.yml, --target and env_var(); postgres maps to a connection URL", async () => {
    process.env.CDP_TEST_PG_PASSWORD = 's3cr/t';
    const profiles = [
      'p:',
      '  target: dev',
      '  outputs:',
      '    dev: {type: duckdb, path: dev.duckdb, schema: analytics}',
      '    pg:',
      '      type: postgres',
      "      host: \"{{ env_var('CDP_TEST_PG_HOST', 'db.internal') }}\"",
      '      port: 5433',
      '      user: etl',
      "      password: \"{{ env_var('CDP_TEST_PG_PASSWORD') }}\"",
      '      dbname: warehouse',
      '      schema: dbt_prod',
      '      threads: 3',
    ].join('\n');
    const dir = folder({ 'dbt_project.yml': PROJECT, 'profiles.yml': profiles });
    const dev = await Project.load(dir);
    expect(dev.config.warehouse).toMatchObject({ type: 'duckdb', path: join(dir, 'dev.duckdb') });
    expect(dev.modelSchema).toBe('analytics');
    const pg = await Project.load(dir, { target: 'pg' });
    expect(pg.config.warehouse).toEqual({ type: 'postgres', connection: 'postgres://etl:s3cr%2Ft@db.internal:5433/warehouse', poolSize: 3 });
    expect(pg.target).toMatchObject({ name: 'pg', schema: 'dbt_prod', database: 'warehouse', threads: 3 });
  });

  it('DBT_PROFILES_DIR wins over the project folder; a missing target names the ones there are', async () => {
    const elsewhere = folder({ 'profiles.yml': 'p:\n  target: ci\n  outputs:\n    ci: {type: duckdb, path: ":memory:", schema: ci}\n' });
    const dir = folder({ 'dbt_project.yml': PROJECT, 'profiles.yml': 'p:\n  outputs:\n    dev: {type: duckdb, schema: dev}\n' });
    process.env.DBT_PROFILES_DIR = elsewhere;
    expect((await Project.load(dir)).modelSchema).toBe('ci');
    const error = await errorOf(() => Project.load(dir, { target: 'prod' }));
    expect(error).toMatchObject({ code: 'CONFIG_NOT_FOUND', message: 'profile p has no target prod', hint: 'targets: ci' });
  });

  it('an unknown dbt_project.yml key or folder config is an error at its line', async () => {
    const unknownKey = await errorOf(() => Project.load(folder({ 'dbt_project.yml': `${PROJECT}modles:\n  p: {}\n` })));
    expect(unknownKey).toMatchObject({ code: 'CONFIG_INVALID', location: { file: 'dbt_project.yml', line: 3 } });
    expect(unknownKey.message).toBe("dbt_project.yml: cdp does not support the key 'modles'");
    const project = await Project.load(folder({ 'dbt_project.yml': `${PROJECT}models:\n  p:\n    staging:\n      +materialised: table\n`, 'models/staging/a.sql': 'select 1 as x' }));
    const badConfig = await errorOf(() => loadModels(project));
    expect(badConfig).toMatchObject({ code: 'CONFIG_INVALID', location: { file: 'dbt_project.yml', line: 6 } });
    expect(badConfig.message).toContain("cdp does not support the config '+materialised'");
  });

  it('folder configs inherit, yml config: overrides them, the file config() overrides both', async () => {
    const project = await Project.load(
      folder({
        'dbt_project.yml': `${PROJECT}models:\n  p:\n    +materialized: table\n    +tags: [all]\n    staging:\n      +materialized: view\n      +schema: stg\n      +tags: [staging]\n`,
        'models/staging/a.sql': 'select 1 as x',
        'models/staging/b.sql': "{{ config(materialized='table', tags=['b']) }}\nselect 1 as x",
        'models/staging/c.sql': 'select 1 as x',
        'models/staging/props.yml': 'version: 2\nmodels:\n  - name: c\n    config:\n      materialized: ephemeral\n      schema: other\n',
        'models/top.sql': "select * from {{ ref('a') }}",
      }),
    );
    const graph = loadModels(project);
    expect(graph.get('a')!.config).toEqual({ materialized: 'view', uniqueKey: [], tags: ['all', 'staging'] });
    expect(graph.get('a')!.relation).toEqual({ schema: 'main_stg', name: 'a' });
    expect(graph.get('b')!.config).toEqual({ materialized: 'table', uniqueKey: [], tags: ['all', 'staging', 'b'] });
    expect(graph.get('c')!.config.materialized).toBe('ephemeral');
    expect(graph.get('c')!.relation.schema).toBe('main_other');
    expect(graph.get('top')!.relation).toEqual({ schema: 'main', name: 'top' });
    expect(graph.get('top')!.config.materialized).toBe('table');
  });
});
