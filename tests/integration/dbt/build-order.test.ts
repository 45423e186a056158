/**
 * `cdp build` runs tests as dbt build does, on the `layers` fixture: a model's unit tests right
 * before it, its data tests right after it, and a failure (model, unit test or data test at
 * severity error) skips only what depends on it — independent models are still built and tested.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type DbtFixture, type EngineName } from './harness.js';

describe.each<EngineName>(['duckdb', 'postgres'])('cdp build interleaves tests with models on %s', (engine) => {
  let fx: DbtFixture;
  const load = async (rows: Array<[number, number | null, number]>) => {
    const w = await fx.warehouse();
    const raw = w.dialect.relation({ schema: `${fx.schema}_raw`, name: 'orders' });
    await w.createSchema(`${fx.schema}_raw`);
    await w.execute(`DROP TABLE IF EXISTS ${raw}`);
    const values = rows.map(([id, customer, amount]) => `(${id}, ${customer === null ? 'CAST(NULL AS INTEGER)' : customer}, ${amount})`).join(', ');
    await w.execute(`CREATE TABLE ${raw} AS SELECT * FROM (VALUES ${values}) AS t(order_id, customer_id, amount)`);
  };
  /** The model and test lines in the order they were printed, without timings and schema. */
  const steps = (out: string) =>
    out
      .split('\n')
      .filter((line) => / (OK|SKIP|ERROR) .*model |^(PASS|FAIL|SKIP|ERROR) /.test(line))
      .map((line) => line.replace(/^\d+ of \d+ /, '').replace(/ in [\d.]+s$/, '').replace(/ \d+ rows$/, '').replace(`${fx.schema}.`, '').replace(/ {2}\(.*$/, ''));

  beforeAll(async () => {
    fx = await openFixture('layers', engine);
  }, 60_000);
  afterAll(async () => fx?.close());

  it('everything passes: each test runs right after its model, unit tests right before theirs', async () => {
    await load([
      [1, 7, 150],
      [2, 7, 20],
      [3, 8, 300],
    ]);
    const build = await fx.cdp('build');
    expect(build.err).toBe('');
    expect(build.code).toBe(0);
    expect(steps(build.out)).toEqual([
      'PASS  unique source raw.orders.order_id',
      'PASS  not_null source raw.orders.order_id',
      'OK table model calendar',
      'PASS  unique calendar.day_number',
      'OK table model stg_orders',
      'PASS  not_null stg_orders.customer_id',
      'PASS  unit big_orders',
      'OK table model big_orders',
      'PASS  unit orders_by_customer', // given as inline CSV, expected from tests/fixtures/customer_totals.csv
      'OK table model orders_by_customer',
      'PASS  unit top_customers', // given and expected as SQL
      'OK table model top_customers',
    ]);
    expect(build.out).toContain('7 test(s): 7 passed, 0 failed, 0 warned, 0 errored');
    // Tests on sources are named as dbt names them and selected with source:.
    const sourceTests = await fx.cdp('test', '--select', 'source:raw');
    expect(sourceTests.code).toBe(0);
    expect(sourceTests.out).toContain('2 test(s): 2 passed');
    const manifest = JSON.parse(readFileSync(join(fx.dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { depends_on: { nodes: string[] } }> };
    expect(manifest.nodes['test.layers.source_unique_raw_orders_order_id']!.depends_on.nodes).toEqual(['source.layers.raw.orders']);
  });

  it('a failing data test skips the descendants of the tested model; independent models are built', async () => {
    await load([
      [1, 7, 150],
      [2, null, 20],
    ]);
    const build = await fx.cdp('build');
    expect(build.code).toBe(1);
    expect(steps(build.out).slice(2)).toEqual([
      'OK table model calendar',
      'PASS  unique calendar.day_number',
      'OK table model stg_orders',
      'FAIL  not_null stg_orders.customer_id: 1 failing row(s)',
      'SKIP  unit big_orders: skipped because test not_null_stg_orders_customer_id failed',
      'SKIP table model big_orders (test not_null_stg_orders_customer_id failed)',
      'SKIP  unit orders_by_customer: skipped because test not_null_stg_orders_customer_id failed',
      'SKIP table model orders_by_customer (test not_null_stg_orders_customer_id failed)',
      'SKIP  unit top_customers: skipped because test not_null_stg_orders_customer_id failed',
      'SKIP table model top_customers (test not_null_stg_orders_customer_id failed)',
    ]);
    expect(build.err).toContain('1 of 7 test(s) did not pass; first: not_null_stg_orders_customer_id');
  });

  it('a failing unit test keeps its model and the model’s descendants from being built', async () => {
    await load([[1, 7, 150]]);
    const build = await fx.cdp('build', '--vars', '{big: 200}');
    expect(build.code).toBe(1);
    expect(steps(build.out).slice(2)).toEqual([
      'OK table model calendar',
      'PASS  unique calendar.day_number',
      'OK table model stg_orders',
      'PASS  not_null stg_orders.customer_id',
      'FAIL  unit big_orders: 1 failing row(s)',
      'SKIP table model big_orders (unit test big_orders_threshold failed)',
      'PASS  unit orders_by_customer',
      'OK table model orders_by_customer',
      'SKIP  unit top_customers: skipped because unit test big_orders_threshold failed',
      'SKIP table model top_customers (unit test big_orders_threshold failed)',
    ]);
  });

  it('a failing test on a source skips every model reading that source table, and their descendants', async () => {
    await load([
      [1, 7, 150],
      [1, 8, 20],
    ]);
    const build = await fx.cdp('build');
    expect(build.code).toBe(1);
    expect(steps(build.out)).toEqual([
      'FAIL  unique source raw.orders.order_id: 1 failing row(s)',
      'PASS  not_null source raw.orders.order_id',
      'OK table model calendar',
      'PASS  unique calendar.day_number',
      'SKIP table model stg_orders (test source_unique_raw_orders_order_id failed)',
      'SKIP  not_null stg_orders.customer_id: skipped because stg_orders was not built',
      'SKIP  unit big_orders: skipped because test source_unique_raw_orders_order_id failed',
      'SKIP table model big_orders (test source_unique_raw_orders_order_id failed)',
      'SKIP  unit orders_by_customer: skipped because test source_unique_raw_orders_order_id failed',
      'SKIP table model orders_by_customer (test source_unique_raw_orders_order_id failed)',
      'SKIP  unit top_customers: skipped because test source_unique_raw_orders_order_id failed',
      'SKIP table model top_customers (test source_unique_raw_orders_order_id failed)',
    ]);
  });
});
