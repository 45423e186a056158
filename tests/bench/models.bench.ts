/**
 * Runner overhead of `cdp run` on DuckDB: the time of runProject against the time of executing
 * the very same rendered statements directly on the same warehouse, side by side in one run
 * (alternating, median of several rounds). Aim: ratio <= 1.1.
 *
 *   CDP_BENCH_MODEL_ROWS  rows of the generated event table (default 2,000,000)
 *   CDP_BENCH_ROUNDS      measured rounds per side (default 3, after one warm-up each)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseConfig } from '../../src/config/index.js';
import { buildContext, loadModels, planBuild } from '../../src/models/index.js';
import { runProject } from '../../src/pipeline/index.js';
import { Project } from '../../src/project/index.js';

const ROWS = Number(process.env.CDP_BENCH_MODEL_ROWS ?? 2_000_000);
const ROUNDS = Number(process.env.CDP_BENCH_ROUNDS ?? 3);

const MODELS: Record<string, string> = {
  'models/staging/stg_events.sql': "select event_id, user_id, kind, amount, ts from {{ source('raw', 'events') }} where amount >= 0",
  'models/marts/user_totals.sql':
    "{{ config(materialized='table') }}\nselect user_id, count(*) as events, sum(amount) as total, max(ts) as last_seen\nfrom {{ ref('stg_events') }}\ngroup by user_id",
  'models/marts/kind_by_day.sql':
    "{{ config(materialized='table') }}\nselect kind, cast(ts as date) as day, count(*) as events, avg(amount) as avg_amount\nfrom {{ ref('stg_events') }}\ngroup by kind, cast(ts as date)",
  'models/marts/events_enriched.sql':
    "{{ config(materialized='table') }}\nselect e.event_id, e.user_id, e.amount, u.total as user_total, e.amount / nullif(u.total, 0) as share\nfrom {{ ref('stg_events') }} e join {{ ref('user_totals') }} u using (user_id)",
  'models/marts/events_inc.sql':
    "{{ config(materialized='incremental', unique_key='event_id') }}\nselect event_id, user_id, amount, ts from {{ ref('stg_events') }}\n{% if is_incremental() %}where ts > (select max(ts) from {{ this }}){% endif %}",
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(): Promise<void> {
  await runFiveModels();
  await runDbtProject();
}

async function runFiveModels(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-models-'));
  for (const [file, text] of Object.entries(MODELS)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const project = new Project(dir, join(dir, 'cdp.config.ts'), parseConfig({ warehouse: { type: 'duckdb', path: join(dir, '.cdp/warehouse.duckdb') } }));
  try {
    const warehouse = await project.warehouse();
    const generated = performance.now();
    await warehouse.execute('CREATE SCHEMA IF NOT EXISTS raw');
    await warehouse.execute(
      `CREATE OR REPLACE TABLE raw.events AS
       SELECT i AS event_id, 'u' || CAST(i % ${Math.max(1, Math.floor(ROWS / 15))} AS VARCHAR) AS user_id, CAST(i % 7 AS INTEGER) AS kind,
              CAST(i % 1000 AS DOUBLE) / 10 AS amount, TIMESTAMP '2024-01-01' + to_seconds(CAST(i % 7776000 AS BIGINT)) AS ts
       FROM range(${ROWS}) AS t(i)`,
    );
    process.stdout.write(`generated raw.events: ${ROWS.toLocaleString('en-US')} rows in ${((performance.now() - generated) / 1000).toFixed(2)} s\n`);

    // Exactly what the runner executes on a full refresh: the planned statements of each model in DAG order.
    const graph = loadModels(project);
    const existing = new Map((await warehouse.listRelations(project.modelSchema)).map((r) => [`${r.schema}.${r.name}`, r.kind] as const));
    await warehouse.createSchema(project.modelSchema);
    const direct = async () => {
      for (const model of graph.models) {
        const plan = await planBuild(model, { warehouse, env: graph.env, fullRefresh: true, existing });
        for (const statement of plan.statements) await warehouse.execute(statement);
        existing.set(`${model.relation.schema}.${model.relation.name}`, model.config.materialized === 'view' ? 'view' : 'table');
      }
    };
    await timeSeconds(() => runProject(project, { fullRefresh: true }));
    const { runner: r, direct: d } = await sideBySide(() => runProject(project, { fullRefresh: true }), direct);
    const models = graph.models.length;
    process.stdout.write(`models: ${models} (view, 3 tables, incremental) over ${ROWS.toLocaleString('en-US')} source rows; median of ${ROUNDS} rounds\n`);
    process.stdout.write(`  cdp run (runProject):        ${r.toFixed(3)} s   ${Math.round(ROWS / r).toLocaleString('en-US')} source rows/s\n`);
    process.stdout.write(`  same SQL executed directly:  ${d.toFixed(3)} s   ${Math.round(ROWS / d).toLocaleString('en-US')} source rows/s\n`);
    process.stdout.write(`  runner overhead ratio:       ${(r / d).toFixed(3)}  (aim <= 1.1)\n`);
  } finally {
    await project.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A dbt project of 30 models (dbt_project.yml with folder configs, profiles.yml, a dispatched
 * macro, dbt.* cross-database macros, 10 staging views, 10 intermediate tables, 10 marts), run
 * with `cdp run` against the very same rendered statements executed directly (rendered once,
 * outside the timing: the baseline is the SQL alone). Aim: ratio <= 1.05.
 */
export async function runDbtProject(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-dbt-'));
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: bench\nprofile: bench\nconfig-version: 2\nmodels:\n  bench:\n    staging:\n      +materialized: view\n    intermediate:\n      +materialized: table\n      +schema: int\n    marts:\n      +materialized: table\n      +tags: [marts]\n',
    'profiles.yml': `bench:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: ${join(dir, 'bench.duckdb')}\n      schema: analytics\n`,
    'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n',
    'macros/bucket.sql': "{% macro bucket(col) %}{{ return(adapter.dispatch('bucket')(col)) }}{% endmacro %}\n{% macro default__bucket(col) %}case when {{ col }} < 25 then 'low' when {{ col }} < 75 then 'mid' else 'high' end{% endmacro %}\n",
  };
  for (let k = 0; k < 10; k++) {
    files[`models/staging/stg_kind_${k}.sql`] = `select event_id, user_id, amount, ts, {{ bucket('amount') }} as bucket from {{ source('raw', 'events') }} where kind = ${k % 7}`;
    files[`models/intermediate/int_user_${k}.sql`] = `select user_id, bucket, count(*) as events, sum(amount) as total, max(ts) as last_seen\nfrom {{ ref('stg_kind_${k}') }}\ngroup by user_id, bucket`;
    files[`models/marts/mart_${k}.sql`] = `select i.user_id, {{ dbt.date_trunc('month', 'i.last_seen') }} as month, sum(i.total) as total, sum(i.events) as events\nfrom {{ ref('int_user_${k}') }} i\njoin {{ ref('int_user_${(k + 1) % 10}') }} j on j.user_id = i.user_id and j.bucket = i.bucket\ngroup by 1, 2`;
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const project = await Project.load(dir);
  try {
    const warehouse = await project.warehouse();
    await warehouse.execute('CREATE SCHEMA IF NOT EXISTS raw');
    await warehouse.execute(
      `CREATE OR REPLACE TABLE raw.events AS
       SELECT i AS event_id, 'u' || CAST(i % ${Math.max(1, Math.floor(ROWS / 15))} AS VARCHAR) AS user_id, CAST(i % 7 AS INTEGER) AS kind,
              CAST(i % 1000 AS DOUBLE) / 10 AS amount, TIMESTAMP '2024-01-01' + to_seconds(CAST(i % 7776000 AS BIGINT)) AS ts
       FROM range(${ROWS}) AS t(i)`,
    );
    const graph = loadModels(project);
    await runProject(project, { fullRefresh: true });
    // The baseline: every statement the runner executes, rendered once up front.
    const context = await buildContext(warehouse, graph, graph.models, true);
    const statements: string[] = [];
    for (const model of graph.models) statements.push(...(await planBuild(model, context)).statements);
    const direct = async () => {
      for (const statement of statements) await warehouse.execute(statement);
    };
    const { runner: r, direct: d } = await sideBySide(() => runProject(project, { fullRefresh: true }), direct);
    process.stdout.write(`dbt project: ${graph.models.length} models (10 views, 20 tables) over ${ROWS.toLocaleString('en-US')} source rows; median of ${ROUNDS} rounds; load ${loadavg()[0]!.toFixed(2)}\n`);
    process.stdout.write(`  cdp run (parse, render, build, count, record): ${r.toFixed(3)} s\n`);
    process.stdout.write(`  same SQL executed directly:                    ${d.toFixed(3)} s\n`);
    process.stdout.write(`  runner overhead ratio:                         ${(r / d).toFixed(3)}  (aim <= 1.05)\n`);
  } finally {
    await project.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();

async function timeSeconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** Median seconds of the runner and of the direct baseline, alternating round by round after one warm-up of the baseline. */
async function sideBySide(runner: () => Promise<unknown>, direct: () => Promise<unknown>): Promise<{ runner: number; direct: number }> {
  await timeSeconds(direct);
  const runnerTimes: number[] = [];
  const directTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    runnerTimes.push(await timeSeconds(runner));
    directTimes.push(await timeSeconds(direct));
  }
  return { runner: median(runnerTimes), direct: median(directTimes) };
}
