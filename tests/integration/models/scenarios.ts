/**
 * The same model scenarios, run on every real warehouse engine (duckdb.test.ts, postgres.test.ts).
 * Each scenario gets a fresh project directory and its own schemas.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseConfig, type CdpConfigInput } from '../../../src/config/index.js';
import { runSchemaTests } from '../../../src/models/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { Project } from '../../../src/project/index.js';
import type { Row } from '../../../src/warehouse/index.js';

export interface Engine {
  /** Warehouse config and fresh, unique schema names for one scenario. */
  newWarehouse(projectDir: string): { warehouse: CdpConfigInput['warehouse']; schema: string; raw: string };
  /** Drops what the scenarios created (schemas on shared servers). */
  cleanup(): Promise<void>;
}

export interface Scenario {
  project: Project;
  /** Model schema and raw (source) schema. */
  schema: string;
  raw: string;
  write(files: Record<string, string>): void;
  remove(file: string): void;
  exec(sql: string): Promise<void>;
  rows(sql: string): Promise<Row[]>;
  count(relation: string): Promise<number>;
  kinds(): Promise<Record<string, string>>;
  progress: string[];
  run(options?: { select?: string[]; fullRefresh?: boolean }): ReturnType<typeof runProject>;
}

async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string; location?: { file?: string; line?: number }; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}

export function defineModelScenarios(engine: Engine): void {
  const open: Scenario[] = [];
  afterAll(async () => {
    for (const scenario of open) {
      await scenario.project.close();
      rmSync(scenario.project.dir, { recursive: true, force: true });
    }
    await engine.cleanup();
  });

  async function scenario(): Promise<Scenario> {
    const dir = mkdtempSync(join(tmpdir(), 'cdp-models-it-'));
    const { warehouse, schema, raw } = engine.newWarehouse(dir);
    const project = new Project(dir, join(dir, 'cdp.config.ts'), parseConfig({ warehouse, schema }));
    const progress: string[] = [];
    const w = () => project.warehouse();
    const s: Scenario = {
      project,
      schema,
      raw,
      progress,
      write(files) {
        for (const [file, text] of Object.entries(files)) {
          mkdirSync(dirname(join(dir, file)), { recursive: true });
          writeFileSync(join(dir, file), text);
        }
      },
      remove(file) {
        unlinkSync(join(dir, file));
      },
      async exec(sql) {
        await (await w()).execute(sql);
      },
      async rows(sql) {
        return (await w()).query(sql);
      },
      async count(relation) {
        const [row] = await (await w()).query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${relation}`);
        return Number(row!.n);
      },
      async kinds() {
        const list = await (await w()).listRelations(schema);
        return Object.fromEntries(list.map((r) => [r.name, r.kind]));
      },
      run(options = {}) {
        return runProject(project, { ...options, onProgress: (line) => progress.push(line) });
      },
    };
    open.push(s);
    await s.exec(`CREATE SCHEMA IF NOT EXISTS ${raw}`);
    await s.exec(
      `CREATE TABLE ${raw}.orders AS SELECT order_id, customer_id, CAST(amount AS DOUBLE PRECISION) AS amount, updated_at FROM (VALUES
        (1, 'c1', 10.0, CAST('2024-01-01 10:00:00' AS TIMESTAMP)),
        (2, 'c1', 20.0, CAST('2024-01-02 10:00:00' AS TIMESTAMP)),
        (3, 'c2', 30.0, CAST('2024-01-03 10:00:00' AS TIMESTAMP)),
        (4, 'c3', 40.0, CAST('2024-01-04 10:00:00' AS TIMESTAMP))
      ) AS t (order_id, customer_id, amount, updated_at)`,
    );
    return s;
  }

  it('builds views, tables and incremental models in DAG order, merges increments and records every build', async () => {
    const s = await scenario();
    s.write({
      'models/staging/stg_orders.sql': `select order_id, customer_id, amount, updated_at\nfrom {{ source('${s.raw}', 'orders') }}`,
      'models/marts/customer_totals.sql':
        "{{ config(materialized='table') }}\nselect customer_id, count(*) as orders, sum(amount) as total\nfrom {{ ref('stg_orders') }}\ngroup by customer_id;\n",
      'models/marts/orders_inc.sql': [
        "{{ config(materialized='incremental', unique_key='order_id') }}",
        "select * from {{ ref('stg_orders') }}",
        '{% if is_incremental() %}',
        'where updated_at > (select max(updated_at) from {{ this }})',
        '{% endif %}',
      ].join('\n'),
      'models/marts/orders_log.sql': [
        "{{ config(materialized='incremental') }}",
        "select order_id, amount, updated_at from {{ ref('stg_orders') }}",
        '{% if is_incremental() %}where updated_at > (select max(updated_at) from {{ this }}){% endif %}',
        '-- a trailing comment and semicolon must not break the statements the SELECT is embedded in;',
      ].join('\n'),
    });

    const first = await s.run();
    expect(first.identity).toBeUndefined();
    expect(first.models.map((m) => [m.model, m.materialized, m.status, m.mode, m.rows])).toEqual([
      ['stg_orders', 'view', 'success', 'create', null],
      ['customer_totals', 'table', 'success', 'create', 3],
      ['orders_inc', 'incremental', 'success', 'create', 4],
      ['orders_log', 'incremental', 'success', 'create', 4],
    ]);
    expect(await s.kinds()).toEqual({ stg_orders: 'view', customer_totals: 'table', orders_inc: 'table', orders_log: 'table' });
    expect(s.progress).toContain(`1 of 4 START view model ${s.schema}.stg_orders`);
    expect(s.progress.some((line) => new RegExp(`^2 of 4 OK table model ${s.schema}\\.customer_totals 3 rows in \\d+\\.\\d\\ds$`).test(line))).toBe(true);
    expect(await s.rows(`SELECT customer_id, orders, total FROM ${s.schema}.customer_totals ORDER BY customer_id`)).toEqual([
      { customer_id: 'c1', orders: 2, total: 30 },
      { customer_id: 'c2', orders: 1, total: 30 },
      { customer_id: 'c3', orders: 1, total: 40 },
    ]);

    // Order 2 changes and order 5 arrives: the keyed model updates 2 and adds 5, the keyless one appends both.
    await s.exec(`UPDATE ${s.raw}.orders SET amount = 25.0, updated_at = CAST('2024-02-01 00:00:00' AS TIMESTAMP) WHERE order_id = 2`);
    await s.exec(`INSERT INTO ${s.raw}.orders VALUES (5, 'c2', 50.0, CAST('2024-02-02 00:00:00' AS TIMESTAMP))`);
    const second = await s.run();
    expect(second.models.map((m) => [m.model, m.mode, m.rows])).toEqual([
      ['stg_orders', 'create', null],
      ['customer_totals', 'create', 3],
      ['orders_inc', 'incremental', 5],
      ['orders_log', 'incremental', 6],
    ]);
    expect(await s.rows(`SELECT order_id, amount FROM ${s.schema}.orders_inc ORDER BY order_id`)).toEqual([
      { order_id: 1, amount: 10 },
      { order_id: 2, amount: 25 },
      { order_id: 3, amount: 30 },
      { order_id: 4, amount: 40 },
      { order_id: 5, amount: 50 },
    ]);
    expect(await s.rows(`SELECT order_id, amount FROM ${s.schema}.orders_log ORDER BY order_id, amount`)).toEqual([
      { order_id: 1, amount: 10 },
      { order_id: 2, amount: 20 },
      { order_id: 2, amount: 25 },
      { order_id: 3, amount: 30 },
      { order_id: 4, amount: 40 },
      { order_id: 5, amount: 50 },
    ]);

    const refreshed = await s.run({ fullRefresh: true, select: ['orders_log'] });
    expect(refreshed.models.map((m) => [m.model, m.mode, m.rows])).toEqual([['orders_log', 'create', 5]]);

    const builds = await (await s.project.state()).modelBuilds.latest();
    expect(builds.map((b) => [b.model, b.status, b.rows])).toEqual([
      ['customer_totals', 'success', 3],
      ['orders_inc', 'success', 5],
      ['orders_log', 'success', 5],
      ['stg_orders', 'success', null],
    ]);
  });

  it('a model with a SQL error names its file and line, keeps the previous table and skips the models after it', async () => {
    const s = await scenario();
    const broken = (column: string) =>
      `{{ config(materialized='table') }}\n\nselect\n  order_id,\n  ${column}\nfrom {{ ref('base') }}`;
    s.write({
      'models/base.sql': `{{ config(materialized='table') }}\nselect * from {{ source('${s.raw}', 'orders') }}`,
      'models/broken.sql': broken('amount'),
      'models/downstream.sql': "select * from {{ ref('broken') }}",
      'models/zz_independent.sql': "{{ config(materialized='table') }}\nselect 1 as one",
    });
    await s.run();
    expect(await s.count(`${s.schema}.broken`)).toBe(4);

    s.write({ 'models/broken.sql': broken('no_such_column') });
    await s.exec(`DELETE FROM ${s.raw}.orders WHERE order_id > 1`);
    s.progress.length = 0;
    const error = await errorOf(s.run());
    expect(error).toMatchObject({ code: 'MODEL_SQL', location: { file: 'models/broken.sql', line: 5 } });
    expect(error.message).toMatch(/^model broken failed: .*no_such_column/);
    expect(await s.count(`${s.schema}.broken`)).toBe(4);
    expect(s.progress.filter((line) => / (ERROR|SKIP) /.test(line)).map((line) => line.replace(/ in .*$/, '').replace(/ \(.*$/, ''))).toEqual([
      `2 of 4 ERROR table model ${s.schema}.broken`,
      `3 of 4 SKIP view model ${s.schema}.downstream`,
    ]);
    // As in dbt, a model that does not depend on the failed one is still built.
    expect(s.progress.some((line) => line.startsWith(`4 of 4 OK table model ${s.schema}.zz_independent`))).toBe(true);
    const builds = await (await s.project.state()).modelBuilds.latest();
    expect(builds.map((b) => [b.model, b.status])).toEqual([
      ['base', 'success'],
      ['broken', 'error'],
      ['downstream', 'skipped'],
      ['zz_independent', 'success'],
    ]);
    expect(builds.find((b) => b.model === 'broken')!.error).toContain('models/broken.sql:5');
  });

  it('a ref cycle, a missing source and a broken model config fail before anything is built', async () => {
    const s = await scenario();
    s.write({ 'models/a.sql': `{{ config(materialized='table') }}\nselect * from {{ source('${s.raw}', 'orders') }}` });
    await s.run();
    expect(await s.count(`${s.schema}.a`)).toBe(4);
    // Each bad run below would empty `a` if it built anything.
    s.write({ 'models/a.sql': `{{ config(materialized='table') }}\nselect * from {{ source('${s.raw}', 'orders') }} where 1 = 0` });

    s.write({ 'models/p.sql': "select * from {{ ref('q') }}", 'models/q.sql': "select *\nfrom {{ ref('p') }}" });
    const cycle = await errorOf(s.run());
    expect(cycle).toMatchObject({ code: 'MODEL_CYCLE', location: { file: 'models/p.sql', line: 1 } });
    expect(cycle.message).toBe('ref cycle: p -> q -> p (files: models/p.sql, models/q.sql)');
    expect(await s.count(`${s.schema}.a`)).toBe(4);
    s.remove('models/p.sql');
    s.remove('models/q.sql');

    s.write({ 'models/b.sql': `select *\nfrom {{ source('${s.raw}', 'no_such_table') }}` });
    const missing = await errorOf(s.run());
    expect(missing).toMatchObject({ code: 'SOURCE_MISSING', location: { file: 'models/b.sql', line: 2 } });
    expect(missing.message).toBe(`source('${s.raw}', 'no_such_table') in model b: ${s.raw}.no_such_table does not exist in the warehouse`);
    expect(await s.count(`${s.schema}.a`)).toBe(4);
    expect(Object.keys(await s.kinds())).toEqual(['a']);
    s.remove('models/b.sql');

    s.write({ 'models/c.sql': "-- c\n{{ config(materialized='tabel') }}\nselect 1 as x" });
    const config = await errorOf(s.run());
    expect(config).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/c.sql', line: 2 } });
    expect(await s.count(`${s.schema}.a`)).toBe(4);
    expect(Object.keys(await s.kinds())).toEqual(['a']);
  });

  it('switches a model between view and table, and --select builds only what is selected', async () => {
    const s = await scenario();
    const a = (kind: string) => `{{ config(materialized='${kind}') }}\nselect * from {{ source('${s.raw}', 'orders') }}`;
    s.write({ 'models/a.sql': a('view'), 'models/b.sql': "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('a') }}", 'models/c.sql': 'select 1 as one' });
    const notBuilt = await errorOf(s.run({ select: ['b'] }));
    expect(notBuilt).toMatchObject({ code: 'MODEL_NOT_FOUND', location: { file: 'models/b.sql', line: 2 }, hint: 'select it too: --select +b' });
    expect(await s.kinds()).toEqual({});
    await s.run({ select: ['+b'] });
    expect(await s.kinds()).toEqual({ a: 'view', b: 'table' });
    s.write({ 'models/a.sql': a('table') });
    const summary = await s.run({ select: ['a+'] });
    expect(summary.models.map((m) => m.model)).toEqual(['a', 'b']);
    expect(await s.kinds()).toEqual({ a: 'table', b: 'table' });
    expect(await s.count(`${s.schema}.a`)).toBe(4);
    s.write({ 'models/a.sql': a('view') });
    await s.run({ select: ['a'] });
    expect((await s.kinds()).a).toBe('view');
    expect(await s.count(`${s.schema}.a`)).toBe(4);
    const unbuilt = await errorOf(s.run({ select: ['c+', 'x'] }));
    expect(unbuilt).toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('an incremental unique_key that is not a column is an error at the config line', async () => {
    const s = await scenario();
    const model = (key: string) => `select order_id, amount from {{ source('${s.raw}', 'orders') }}\n{{ config(materialized='incremental', unique_key='${key}') }}`;
    s.write({ 'models/inc.sql': model('order_id') });
    await s.run();
    s.write({ 'models/inc.sql': model('id') });
    const error = await errorOf(s.run());
    expect(error).toMatchObject({ code: 'MODEL_PARSE', location: { file: 'models/inc.sql', line: 2 } });
    expect(error.message).toBe(`unique_key id of model inc is not a column of ${s.schema}.inc`);
    expect(await s.count(`${s.schema}.inc`)).toBe(4);
  });

  it('schema tests count the rows of the test query, as dbt does', async () => {
    const s = await scenario();
    s.write({
      'models/customers.sql': "{{ config(materialized='table') }}\nselect * from (values ('c1', 'gold'), ('c2', 'silver'), ('c2', 'iron'), (null, 'gold')) as t (id, tier)",
      'models/orders.sql': `select * from {{ source('${s.raw}', 'orders') }}`,
      'models/schema.yml': [
        'version: 2',
        'models:',
        '  - name: customers',
        '    columns:',
        '      - name: id',
        '        tests: [unique, not_null]',
        '      - name: tier',
        '        data_tests:',
        "          - accepted_values: {values: ['gold', 'silver']}",
        "          - accepted_values: {values: ['gold'], config: {severity: warn}}",
        '  - name: orders',
        '    columns:',
        '      - name: order_id',
        '        tests: [unique, not_null]',
        '      - name: customer_id',
        '        tests:',
        "          - relationships: {to: ref('customers'), field: id}",
        "          - relationships: {to: ref('customers'), field: id, config: {where: \"customer_id <> 'c3'\"}}",
      ].join('\n'),
    });
    const before = await runSchemaTests(s.project);
    expect(before.every((r) => r.status === 'error' && /does not exist/.test(r.error!))).toBe(true);
    await s.run();
    const results = await runSchemaTests(s.project);
    expect(results.map((r) => [r.test.kind, `${r.test.model}.${r.test.column}`, r.status, r.failures])).toEqual([
      // unique returns one row per duplicated value (c2), as dbt's test query does.
      ['unique', 'customers.id', 'fail', 1],
      ['not_null', 'customers.id', 'fail', 1],
      ['accepted_values', 'customers.tier', 'fail', 1],
      ['accepted_values', 'customers.tier', 'warn', 2],
      ['unique', 'orders.order_id', 'pass', 0],
      ['not_null', 'orders.order_id', 'pass', 0],
      ['relationships', 'orders.customer_id', 'fail', 1],
      ['relationships', 'orders.customer_id', 'pass', 0],
    ]);
    const selected = await runSchemaTests(s.project, { select: ['orders'] });
    expect(selected).toHaveLength(4);
  });
}
