import { afterEach, describe, expect, it } from 'vitest';
import { getDialect } from '../../../src/warehouse/index.js';
import { loadModels, renderModel, type ModelGraph } from '../../../src/models/index.js';
import type { Project } from '../../../src/project/index.js';
import { errorOf, removeProject, tempProject } from './fixture.js';

let project: Project | undefined;
afterEach(() => {
  if (project) removeProject(project);
  project = undefined;
});

function load(files: Record<string, string>): ModelGraph {
  project = tempProject(files);
  return loadModels(project);
}

describe('model templating', () => {
  it('renders ref, source and this as relations quoted by the dialect', () => {
    const graph = load({
      'models/a.sql': 'select 1 as id',
      'models/sub/b.sql': "select * from {{ ref('a') }} join {{ source('raw', 'Orders') }} using (id) -- {{ this }}",
    });
    const b = graph.get('b')!;
    expect(b.file).toBe('models/sub/b.sql');
    expect(b.config).toEqual({ materialized: 'view', uniqueKey: [], tags: [] });
    expect(b.refs).toEqual([{ name: 'a', line: 1 }]);
    expect(b.sources).toEqual([{ source: 'raw', table: 'Orders', schema: 'raw', identifier: 'Orders', line: 1 }]);
    const sql = renderModel(b, graph.names, { dialect: getDialect('postgres'), modelSchema: 'analytics', isIncremental: false });
    expect(sql).toBe('select * from "analytics"."a" join "raw"."Orders" using (id) -- "analytics"."b"');
  });

  it('reads config() keyword arguments, later calls overriding earlier ones', () => {
    const graph = load({
      'models/src.sql': 'select 1 as id',
      'models/t.sql': "{{ config(materialized='view') }}{{ config(materialized='incremental', unique_key=['id', 'day'], tags='daily') }}\nselect * from {{ ref('src') }}",
      'models/u.sql': "{{ config(materialized='table', unique_key='id') }}\nselect 1 as id",
    });
    expect(graph.get('t')!.config).toEqual({ materialized: 'incremental', uniqueKey: ['id', 'day'], tags: ['daily'] });
    expect(graph.get('u')!.config).toEqual({ materialized: 'table', uniqueKey: ['id'], tags: [] });
  });

  it('is_incremental() switches the rendered SQL, and refs inside its block are dependencies', () => {
    const template = [
      "{{ config(materialized='incremental', unique_key='id') }}",
      "select * from {{ ref('events') }}",
      '{% if is_incremental() %}',
      "where ts > (select max(ts) from {{ this }}) and id not in (select id from {{ ref('deleted') }})",
      '{% endif %}',
    ].join('\n');
    const graph = load({ 'models/events.sql': 'select 1 as id', 'models/deleted.sql': 'select 1 as id', 'models/inc.sql': template });
    const inc = graph.get('inc')!;
    expect(inc.refs).toEqual([
      { name: 'events', line: 2 },
      { name: 'deleted', line: 4 },
    ]);
    expect(graph.models.map((m) => m.name)).toEqual(['deleted', 'events', 'inc']);
    const options = { dialect: getDialect('duckdb'), modelSchema: 'cdp' };
    expect(renderModel(inc, graph.names, { ...options, isIncremental: false }).trim()).toBe('select * from "cdp"."events"');
    expect(renderModel(inc, graph.names, { ...options, isIncremental: true })).toContain('where ts > (select max(ts) from "cdp"."inc") and id not in (select id from "cdp"."deleted")');
  });

  it('supports Jinja statements, loops and comments', () => {
    const graph = load({
      'models/pivot.sql': "{# a comment with {{ ref('nope') }} #}{% set kinds = ['a', 'b'] %}select\n{% for k in kinds %}  sum(case when kind = '{{ k }}' then 1 end) as n_{{ k }}{{ ',' if not loop.last }}\n{% endfor %}from t",
    });
    const sql = renderModel(graph.get('pivot')!, graph.names, { dialect: getDialect('duckdb'), modelSchema: 'cdp', isIncremental: false });
    expect(sql).toBe("select\n  sum(case when kind = 'a' then 1 end) as n_a,\n  sum(case when kind = 'b' then 1 end) as n_b\nfrom t");
    expect(graph.get('pivot')!.refs).toEqual([]);
  });

  it('env_var() reads the environment, with a default', () => {
    process.env.CDP_TEST_MODELS_VAR = 'from_env';
    const graph = load({ 'models/e.sql': "select '{{ env_var('CDP_TEST_MODELS_VAR') }}' as a, '{{ env_var('CDP_TEST_MODELS_UNSET', 'dflt') }}' as b" });
    expect(renderModel(graph.get('e')!, graph.names, { dialect: getDialect('duckdb'), modelSchema: 'cdp', isIncremental: false })).toBe("select 'from_env' as a, 'dflt' as b");
    delete process.env.CDP_TEST_MODELS_VAR;
  });
});

describe('model template errors name the file and line', () => {
  it('a Jinja syntax error', async () => {
    const error = await errorOf(() => load({ 'models/bad.sql': "select 1\nfrom x\nwhere {{ ref('a' }}" }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/bad.sql', line: 3 } });
    expect(error.message).toContain('template error');
  });

  it('an undefined variable', async () => {
    const error = await errorOf(() => load({ 'models/bad.sql': 'select 1\n\nfrom {{ tabel }}' }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/bad.sql', line: 3 } });
  });

  it('a call of an unknown function', async () => {
    const error = await errorOf(() => load({ 'models/bad.sql': "select 1\nfrom {{ reff('x') }}" }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/bad.sql', line: 2 } });
    expect(error.hint).toContain('ref, source, config');
  });

  it('an invalid config value', async () => {
    const error = await errorOf(() => load({ 'models/bad.sql': "-- header\n\n{{ config(materialized='tabel') }}\nselect 1" }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/bad.sql', line: 3 } });
    expect(error.message).toContain('invalid config(materialized=...)');
  });

  it('a misspelt config key', async () => {
    const error = await errorOf(() => load({ 'models/bad.sql': "{{ config(materialised='table') }}\nselect 1" }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/bad.sql', line: 1 } });
    expect(error.message).toContain('materialised');
  });

  it('an unknown ref, with the closest model name', async () => {
    const error = await errorOf(() => load({ 'models/stg_orders.sql': 'select 1 as id', 'models/report.sql': "select *\nfrom {{ ref('stg_order') }}" }));
    expect(error).toMatchObject({ code: 'MODEL_UNKNOWN_REF', location: { file: 'models/report.sql', line: 2 }, hint: "did you mean 'stg_orders'?" });
    expect(error.message).toBe("ref('stg_order') in model report: there is no model named stg_order");
  });

  it('an unset env var without default', async () => {
    const error = await errorOf(() => load({ 'models/e.sql': "select\n'{{ env_var('CDP_TEST_MODELS_NEVER_SET') }}'" }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/e.sql', line: 2 } });
  });

  it('two models with the same name', async () => {
    const error = await errorOf(() => load({ 'models/a/x.sql': 'select 1', 'models/b/x.sql': 'select 2' }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/b/x.sql' } });
    expect(error.message).toBe('two models are named x: models/a/x.sql and models/b/x.sql');
  });

  it('a model named like a generated table', async () => {
    const error = await errorOf(() => load({ 'models/profiles.sql': 'select 1' }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/profiles.sql', line: 1 } });
    expect(error.message).toBe('model profiles would overwrite the generated table cdp.profiles');
  });
});

describe('errors on the first line keep their line', () => {
  it('an unknown function called on line 1', async () => {
    const error = await errorOf(() => load({ 'models/bad.sql': "{{ reff('x') }}\nselect 1" }));
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/bad.sql', line: 1 } });
  });
  it('an unknown ref on line 1', async () => {
    const error = await errorOf(() => load({ 'models/bad.sql': "{{ ref('x') }}" }));
    expect(error).toMatchObject({ code: 'MODEL_UNKNOWN_REF', location: { file: 'models/bad.sql', line: 1 } });
  });
});
