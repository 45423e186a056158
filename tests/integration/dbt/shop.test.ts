/**
 * The `shop` fixture, a dbt project written in dbt's conventions (dbt_project.yml with folder
 * configs and vars, profiles.yml, seeds, sources.yml with a Jinja schema and freshness, macros with
 * adapter.dispatch / return() / namespace / do, an ephemeral model, custom schemas, an alias,
 * dbt.* cross-database macros), run unchanged with the cdp CLI on DuckDB and Postgres. Expected
 * tables are computed here from the raw rows with plain JavaScript.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFixture, type DbtFixture, type EngineName } from './harness.js';

const customers = [
  { id: 1, first: 'Michael', last: 'P.', signedUp: '2024-01-03' },
  { id: 2, first: 'Shawn', last: 'M.', signedUp: '2024-01-05' },
  { id: 3, first: 'Kathleen', last: 'P, Jr.', signedUp: '2024-02-11' },
  { id: 4, first: 'Jimmy', last: 'C.', signedUp: null },
];
const payments = [
  { id: 1, order: 1, method: 'credit_card', cents: 1000, refunded: false },
  { id: 2, order: 2, method: 'credit_card', cents: 2000, refunded: false },
  { id: 3, order: 3, method: 'coupon', cents: 100, refunded: true },
  { id: 4, order: 3, method: 'gift_card', cents: 2500, refunded: false },
  { id: 5, order: 4, method: 'bank_transfer', cents: 1750, refunded: false },
  { id: 6, order: 5, method: 'credit_card', cents: 990, refunded: false },
];
const orders = [
  { id: 1, user: 1, date: '2024-01-05', status: 'completed' },
  { id: 2, user: 3, date: '2024-01-20', status: 'shipped' },
  { id: 3, user: 1, date: '2024-02-02', status: 'COMPLETED' },
  { id: 4, user: 2, date: '2024-02-10', status: 'returned' },
  { id: 5, user: 2, date: '2024-03-01', status: 'placed' },
  { id: 6, user: 4, date: '2024-03-02', status: 'cancelled' },
];

// What the models compute, computed independently.
const kept = orders.filter((o) => ['placed', 'shipped', 'completed', 'returned'].includes(o.status));
const paid = payments.filter((p) => !p.refunded);
const expectedCustomers = customers.map((c) => {
  const mine = kept.filter((o) => o.user === c.id);
  const value = paid.filter((p) => mine.some((o) => o.id === p.order)).reduce((sum, p) => sum + p.cents, 0) / 100;
  return { customer_id: c.id, full_name: `${c.first} ${c.last}`, order_count: mine.length, lifetime_value: value, currency: 'EUR' };
});
const day = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const expectedByOrder = kept
  .map((o) => {
    const mine = paid.filter((p) => p.order === o.id);
    return { order_id: o.id, amount: mine.reduce((s, p) => s + p.cents, 0) / 100, methods: mine.map((p) => p.method).sort().join(', '), days_since_launch: day(o.date) - day('2024-01-01') };
  })
  .filter((row) => row.amount > 0);

const num = (value: unknown) => Number(value);

describe.each<EngineName>(['duckdb', 'postgres'])('the shop dbt project on %s', (engine) => {
  let fx: DbtFixture;
  beforeAll(async () => {
    fx = await openFixture('shop', engine);
    const w = await fx.warehouse();
    const d = w.dialect;
    const app = `${fx.schema}_app`;
    await w.createSchema(app);
    const values = orders.map((o) => `(${o.id}, ${o.user}, CAST('${o.date}' AS DATE), ${d.literal(o.status)}, ${d.currentTimestamp()})`).join(', ');
    await w.execute(`CREATE TABLE ${d.relation({ schema: app, name: 'app_orders' })} AS SELECT * FROM (VALUES ${values}) AS t(id, user_id, order_date, status, loaded_at)`);
    await w.execute(`CREATE TABLE ${d.relation({ schema: app, name: 'events' })} (id INTEGER, loaded_at TIMESTAMP)`);
  }, 60_000);
  afterAll(async () => fx?.close());

  it('cdp seed loads the CSVs into <target>_raw with inferred and configured types', async () => {
    const seed = await fx.cdp('seed');
    expect(seed.err).toBe('');
    expect(seed.code).toBe(0);
    expect(seed.out).toContain(`OK loaded seed file ${fx.schema}_raw.raw_customers 4 rows`);
    const rows = await fx.rows(`SELECT id, first_name, last_name, signed_up FROM ${fx.schema}_raw.raw_customers ORDER BY id`);
    expect(rows.map((r) => [num(r.id), r.first_name, r.last_name, r.signed_up === null ? null : new Date(r.signed_up as Date).toISOString().slice(0, 10)])).toEqual(customers.map((c) => [c.id, c.first, c.last, c.signedUp]));
    const w = await fx.warehouse();
    const columns = await w.listColumns({ schema: `${fx.schema}_raw`, name: 'raw_payments' });
    expect(Object.fromEntries(columns.map((c) => [c.name, c.kind]))).toEqual({ id: 'integer', order_id: 'integer', payment_method: 'string', amount: 'integer', refunded: 'boolean' });
    expect(columns.find((c) => c.name === 'amount')!.type).toBe('BIGINT');
  });

  it('cdp run builds the models with folder configs, custom schemas, alias, ephemeral CTEs and macros', async () => {
    const run = await fx.cdp('run');
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    // stg_payments is ephemeral: not built; stg_orders is a table by its yml config; marts go to <target>_marts.
    expect(run.out).toContain(`view model ${fx.schema}.stg_customers`);
    expect(run.out).toContain(`OK table model ${fx.schema}.stg_orders 4 rows`);
    expect(run.out).toContain(`OK table model ${fx.schema}_marts.customers 4 rows`);
    expect(run.out).toContain(`OK table model ${fx.schema}_marts.payments_by_order`);
    expect(run.out).not.toContain('stg_payments');
    const got = await fx.rows(`SELECT customer_id, full_name, order_count, lifetime_value, currency FROM ${fx.schema}_marts.customers ORDER BY customer_id`);
    expect(got.map((r) => ({ ...r, customer_id: num(r.customer_id), order_count: num(r.order_count), lifetime_value: num(r.lifetime_value) }))).toEqual(expectedCustomers);
    const byOrder = await fx.rows(`SELECT order_id, amount, methods, days_since_launch FROM ${fx.schema}_marts.payments_by_order ORDER BY order_id`);
    expect(byOrder.map((r) => ({ order_id: num(r.order_id), amount: num(r.amount), methods: r.methods, days_since_launch: num(r.days_since_launch) }))).toEqual(expectedByOrder);
  });

  it('package macros: dbt_utils.generate_surrogate_key, star (columns read from the warehouse), date_spine dispatched per adapter; the project generate_schema_name', async () => {
    // schema='exact_keys' goes where the project's generate_schema_name puts it.
    const keys = await fx.rows(`SELECT * FROM ${fx.schema}_keys_exact.customer_keys ORDER BY customer_id`);
    expect(Object.keys(keys[0]!)).toEqual(['customer_key', 'customer_id', 'order_count', 'lifetime_value', 'updated_at']);
    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    expect(keys.map((r) => r.customer_key)).toEqual(expectedCustomers.map((c) => md5(`${c.customer_id}-${c.full_name}`)));
    const calendar = await fx.rows(`SELECT date_day, month FROM ${fx.schema}_marts.calendar ORDER BY date_day`);
    const iso = (value: unknown) => new Date(value as Date).toISOString().slice(0, 10);
    expect(calendar.map((r) => iso(r.date_day))).toEqual(Array.from({ length: 7 }, (_, i) => `2024-01-0${i + 1}`));
    expect(new Set(calendar.map((r) => iso(r.month)))).toEqual(new Set(['2024-01-01']));
  });

  it('cdp test runs the yml tests; cdp source freshness checks loaded_at_field', async () => {
    const test = await fx.cdp('test', '--exclude', 'tag:broken');
    expect(test.code).toBe(0);
    // Generic tests of the package and the project, singular tests, warn_if/error_if, severity.
    expect(test.out).toContain('PASS  dbt_utils.expression_is_true customer_keys');
    expect(test.out).toContain('PASS  dbt_utils.at_least_one customer_keys.customer_key');
    expect(test.out).toContain('WARN  is_positive customer_keys.lifetime_value: 1 failing row(s)  (models/marts/schema.yml:26)');
    expect(test.out).toContain('PASS  singular assert_lifetime_value_not_negative');
    expect(test.out).toContain(`WARN  singular warn_on_customers_without_orders: ${expectedCustomers.filter((c) => c.order_count === 0).length} failing row(s)`);
    expect(test.out).toContain('PASS  unit customers');
    expect(test.out).toContain('17 test(s): 15 passed, 0 failed, 2 warned, 0 errored');
    // store_failures: the failing rows (none) are kept in <target>_dbt_test__audit.
    expect(await fx.rows(`SELECT * FROM ${fx.schema}_dbt_test__audit.assert_lifetime_value_not_negative`)).toEqual([]);
    const units = await fx.cdp('test', '--select', 'test_type:unit');
    expect(units.out).toContain('PASS  unit customers');
    expect(units.out).toContain('FAIL  unit customers: 2 failing row(s)');
    expect(units.out).toContain('2 test(s): 1 passed, 1 failed, 0 warned, 0 errored');
    expect(units.code).toBe(1);
    const singular = await fx.cdp('test', '--select', 'test_type:singular');
    expect(singular.out).toContain('2 test(s): 1 passed, 0 failed, 1 warned, 0 errored');
    const fresh = await fx.cdp('source', 'freshness');
    expect(fresh.code).toBe(0);
    expect(fresh.out).toMatch(/PASS {2}freshness of app\.orders: 0\.0h old/);
    expect(fresh.out).toContain('1 source(s): 1 pass, 0 warn, 0 error');
  });

  it('cdp ls prints the selection: tags, paths, config, sources, +, @, --exclude', async () => {
    const ls = async (...args: string[]) => (await fx.cdp('ls', '--resource-type', 'model', 'seed', ...args)).out.trim().split('\n').filter(Boolean);
    expect(await ls('--select', 'tag:finance')).toEqual(['shop.marts.finance.order_payments']);
    expect(await ls('--select', 'tag:staging', '--exclude', 'stg_payments')).toEqual(['shop.staging.stg_customers', 'shop.staging.stg_orders']);
    expect(await ls('--select', 'path:models/marts')).toEqual(['shop.marts.calendar', 'shop.marts.customers', 'shop.marts.customer_keys', 'shop.marts.finance.order_payments']);
    expect(await ls('--select', 'config.materialized:ephemeral')).toEqual(['shop.staging.stg_payments']);
    expect(await ls('--select', 'source:app+')).toEqual(['shop.staging.stg_orders', 'shop.marts.customers', 'shop.marts.customer_keys', 'shop.marts.finance.order_payments']);
    expect(await ls('--select', '+customers')).toEqual(['shop.raw_customers', 'shop.raw_payments', 'shop.staging.stg_customers', 'shop.staging.stg_orders', 'shop.staging.stg_payments', 'shop.marts.customers']);
    expect(await ls('--select', '1+customers', '--exclude', 'stg_orders')).toEqual(['shop.staging.stg_customers', 'shop.staging.stg_payments', 'shop.marts.customers']);
    expect(await ls('--select', '@stg_customers')).toEqual(['shop.raw_customers', 'shop.raw_payments', 'shop.staging.stg_customers', 'shop.staging.stg_orders', 'shop.staging.stg_payments', 'shop.marts.customers', 'shop.marts.customer_keys']);
    expect(await ls('--select', 'marts', '--exclude', 'tag:pii')).toEqual(['shop.marts.calendar', 'shop.marts.customer_keys', 'shop.marts.finance.order_payments']);
    expect(await ls('--select', 'stg_*,tag:staging')).toEqual(['shop.staging.stg_customers', 'shop.staging.stg_orders', 'shop.staging.stg_payments']);
  });

  it('cdp compile prints the SQL with the ephemeral model inlined and dbt.* macros rendered for the engine', async () => {
    const compiled = await fx.cdp('compile', 'order_payments', '--raw');
    expect(compiled.code).toBe(0);
    expect(compiled.out).toMatch(/^\s*with __dbt__cte__stg_payments as \(/);
    expect(compiled.out).toContain(`from "${fx.schema}_raw"."raw_payments"`);
    expect(compiled.out).toContain(engine === 'postgres' ? "string_agg(payment_method, ', ' order by payment_method)" : "string_agg(payment_method, ', ' order by payment_method)");
    expect(compiled.out).toContain(engine === 'postgres' ? "((max(order_date))::date - (cast('2024-01-01' as date))::date)" : "date_diff('day', cast('2024-01-01' as date)::timestamp, max(order_date)::timestamp)");
  });

  it('cdp build with --vars overrides a var; --target picks another output', async () => {
    const build = await fx.cdp('build', '--select', '+order_payments', '--vars', '{min_order_amount: 15}');
    expect(build.err).toBe('');
    expect(build.code).toBe(0);
    const byOrder = await fx.rows(`SELECT order_id FROM ${fx.schema}_marts.payments_by_order ORDER BY order_id`);
    expect(byOrder.map((r) => num(r.order_id))).toEqual(expectedByOrder.filter((r) => r.amount > 15).map((r) => r.order_id));
    // dbt's artifacts, for tools that read them.
    const manifest = JSON.parse(readFileSync(join(fx.dir, 'target/manifest.json'), 'utf8')) as { metadata: { dbt_schema_version: string }; nodes: Record<string, { depends_on: { nodes: string[] }; relation_name: string | null; config: { materialized: string } }>; child_map: Record<string, string[]> };
    expect(manifest.metadata.dbt_schema_version).toBe('https://schemas.getdbt.com/dbt/manifest/v12.json');
    expect(manifest.nodes['model.shop.customers']!.depends_on.nodes.sort()).toEqual(['model.shop.stg_customers', 'model.shop.stg_orders', 'model.shop.stg_payments']);
    expect(manifest.nodes['model.shop.customers']!.relation_name).toBe(`"${fx.schema}_marts"."customers"`);
    expect(manifest.nodes['model.shop.stg_payments']!.config.materialized).toBe('ephemeral');
    expect(manifest.child_map['source.shop.app.orders']).toEqual(['model.shop.stg_orders']);
    expect(manifest.child_map['seed.shop.raw_payments']).toEqual(['model.shop.stg_payments']);
    const runResults = JSON.parse(readFileSync(join(fx.dir, 'target/run_results.json'), 'utf8')) as { args: { which: string }; results: Array<{ unique_id: string; status: string; failures: number | null }> };
    expect(runResults.args.which).toBe('build');
    expect(runResults.results.map((r) => `${r.unique_id} ${r.status}`)).toEqual(expect.arrayContaining(['seed.shop.raw_payments success', 'model.shop.order_payments success', 'test.shop.unique_stg_orders_order_id pass']));
    expect(readFileSync(join(fx.dir, 'target/compiled/shop/models/marts/finance/order_payments.sql'), 'utf8')).toContain('having sum(amount) > 15');
    const missing = await fx.cdp('run', '--target', 'prod');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('profile shop has no target prod');
    expect(readFileSync(join(fx.dir, 'profiles.yml'), 'utf8')).toContain('target: dev');
  });
});
