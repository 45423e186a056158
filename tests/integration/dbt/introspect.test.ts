/**
 * The `introspect` fixture: templates that ask the warehouse while rendering, as real dbt projects
 * do — a dbt_utils-style get_column_values macro over run_query() driving a pivot, a
 * `{% call statement(..., fetch_result=True) %}` read back with load_result(), and
 * adapter.get_relation() on the model's own table — and a source with `quoting: {identifier:
 * false}`, on DuckDB and Postgres. Expected columns and
 * values are computed here from the loaded rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type DbtFixture, type EngineName } from './harness.js';

const payments = [
  { order_id: 1, method: 'card', amount: 10 },
  { order_id: 1, method: 'voucher', amount: 5 },
  { order_id: 2, method: 'bank', amount: 40 },
  { order_id: 3, method: 'card', amount: 7 },
];

describe.each<EngineName>(['duckdb', 'postgres'])('templates that ask the warehouse while rendering, on %s', (engine) => {
  let fx: DbtFixture;
  const load = async (rows: typeof payments) => {
    const w = await fx.warehouse();
    const d = w.dialect;
    const raw = d.relation({ schema: `${fx.schema}_raw`, name: 'payments' });
    await w.createSchema(`${fx.schema}_raw`);
    await w.execute(`DROP TABLE IF EXISTS ${raw}`);
    const values = rows.map((p) => `(${p.order_id}, ${d.literal(p.method)}, ${p.amount})`).join(', ');
    await w.execute(`CREATE TABLE ${raw} AS SELECT * FROM (VALUES ${values}) AS t(order_id, method, amount)`);
  };
  const num = (value: unknown) => Number(value);

  beforeAll(async () => {
    fx = await openFixture('introspect', engine);
  }, 60_000);
  afterAll(async () => fx?.close());

  it('run_query() finds the pivot columns in the data; statement/load_result and get_relation answer from the warehouse', async () => {
    await load(payments);
    const run = await fx.cdp('run');
    expect(run.err).toBe('read 3 values of method\n');
    expect(run.code).toBe(0);
    const pivot = await fx.rows(`SELECT * FROM ${fx.schema}.payments_by_method ORDER BY order_id`);
    expect(Object.keys(pivot[0]!)).toEqual(['order_id', 'bank_amount', 'card_amount', 'voucher_amount', 'total_amount']);
    expect(pivot.map((r) => [r.order_id, r.bank_amount, r.card_amount, r.voucher_amount, r.total_amount].map(num))).toEqual([
      [1, 0, 10, 5, 15],
      [2, 40, 0, 0, 40],
      [3, 0, 7, 0, 7],
    ]);
    const summary = await fx.rows(`SELECT * FROM ${fx.schema}.payments_summary`);
    expect(summary.map((r) => ({ largest: num(r.largest_payment), build: r.build, orders: num(r.orders) }))).toEqual([{ largest: 40, build: 'first build', orders: 3 }]);
    // quoting: {identifier: false}: PAYMENTS is the name the engine folds it to (payments on Postgres).
    expect((await fx.rows(`SELECT n FROM ${fx.schema}.payments_count`)).map((r) => num(r.n))).toEqual([4]);
  });

  it('a second run sees new data and the existing table; cdp compile shows the SQL the run would execute', async () => {
    await load([...payments, { order_id: 4, method: 'wallet', amount: 99 }]);
    const run = await fx.cdp('run');
    expect(run.code).toBe(0);
    expect(run.err).toBe('read 4 values of method\n');
    const pivot = await fx.rows(`SELECT * FROM ${fx.schema}.payments_by_method WHERE order_id = 4`);
    expect(num(pivot[0]!.wallet_amount)).toBe(99);
    const summary = await fx.rows(`SELECT * FROM ${fx.schema}.payments_summary`);
    expect(summary.map((r) => ({ largest: num(r.largest_payment), build: r.build }))).toEqual([{ largest: 99, build: 'rebuilt' }]);
    const compiled = await fx.cdp('compile', 'payments_by_method', '--raw');
    expect(compiled.code).toBe(0);
    expect(compiled.out).toContain(`sum(case when method = 'wallet' then amount else 0 end) as wallet_amount`);
  });

  it('for another dialect there is no warehouse to ask: the error names the call and the line', async () => {
    const compiled = await fx.cdp('compile', 'payments_summary', '--dialect', engine === 'duckdb' ? 'postgres' : 'duckdb');
    expect(compiled.code).not.toBe(0);
    expect(compiled.err).toMatch(/payments_summary\.sql:\d+/);
    expect(compiled.err).toContain('needs the warehouse');
  });
});
