/**
 * Sequences, event aggregates and first/last times (issue #17): exact members of a data set built
 * for their edges (ties, events exactly at a window's edge, equal timestamps, order), on DuckDB and
 * Postgres, each compared with hand-written SQL that answers the same question another way
 * (self-joins and NOT EXISTS instead of the compiler's window functions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAudience, countAudience, describeCondition, type AudienceDefinition, type Condition, type PropertyFilter } from '../../../src/audiences/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { createFixture, ENGINES, loadTables, type Fixture } from './fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Far enough in the past that every `within` of these tests has elapsed. */
const T0 = Date.parse('2025-01-01T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

type View = [id: string, profile: string, event: string, page: string, ts: Date];
type Order = [id: number, profile: string, amount: number | null, channel: string, ts: Date];

const views: View[] = [
  ['v1', 's1', 'page_view', '/p', at(0)],
  ['v2', 's2', 'page_view', '/p', at(0)],
  ['v3', 's3', 'page_view', '/p', at(0)],
  ['v4', 's4', 'page_view', '/p', at(0)],
  ['v5', 's5', 'page_view', '/p', at(DAY)],
  ['v6a', 's6', 'page_view', '/p', at(0)],
  ['v6b', 's6', 'page_view', '/p', at(40 * DAY)],
  ['v7', 's7', 'page_view', '/p', at(0)],
  ['v9', 's9', 'page_view', '/p', at(0)],
  ['v10', 's10', 'page_view', '/p', new Date(Date.now() - 2 * DAY)],
  ['v11', 's11', 'page_view', '/p', at(0)],
  ['c11', 's11', 'add_to_cart', '/cart', at(DAY)],
  ['v12', 's12', 'page_view', '/p', at(0)],
  ['c12', 's12', 'add_to_cart', '/cart', at(DAY)],
  ['v13', 's13', 'page_view', '/blog', at(0)],
];
const orders: Order[] = [
  [1, 's1', 100, 'web', at(10 * DAY)],
  [2, 's2', 50, 'web', at(30 * DAY)],
  [3, 's2', 50, 'web', at(30 * DAY)],
  [4, 's3', 70, 'web', at(30 * DAY + 1000)],
  [5, 's4', 20, 'web', at(0)],
  [6, 's5', 30, 'web', at(0)],
  [7, 's6', 200, 'pos', at(45 * DAY)],
  [8, 's9', 10, 'pos', at(DAY)],
  [9, 's11', 40, 'web', at(2 * DAY)],
  [10, 's12', null, 'web', at(-DAY)],
  [11, 's13', 5, 'web', at(DAY)],
  [12, 's13', 5, 'pos', at(2 * DAY)],
];
const PROFILES = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 's12', 's13'];

/** The audience fixture's tables with this file's rows (app events: none, with a page_url column like web's). */
async function load(w: Warehouse, schema: string): Promise<void> {
  await loadTables(w, schema, {
    profiles: { columns: [{ name: 'profile_id', kind: 'string' }, { name: 'country', kind: 'string' }], rows: PROFILES.map((p, i) => [p, i % 2 ? 'US' : 'DE']) },
    web: views.map(([id, profile, event, page, ts]) => [id, profile, event, page, ts]),
    app: [],
    appProperty: 'page_url',
    orders,
  });
}

describe.each(ENGINES)('event conditions on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine, { load: false });
    await load(f.warehouse, f.schema);
  });
  afterAll(async () => {
    await f?.close();
  });

  async function members(where: Condition): Promise<string[]> {
    const definition: AudienceDefinition = { where };
    const { sql } = await compileAudience(f.project, definition);
    const rows = await f.warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM (${sql}) m ORDER BY profile_id`);
    const ids = rows.map((r) => r.profile_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await countAudience(f.project, definition)).toBe(ids.length);
    return ids;
  }
  const complement = (ids: string[]) => PROFILES.filter((p) => !ids.includes(p)).sort();

  /** The hand-written answer: profile ids of `sql`, over views `v`, orders `o` and their profiles. */
  async function handWritten(where: string): Promise<string[]> {
    const s = f.schema;
    const sql = `
      WITH v AS (SELECT r.profile_id, e.event, e.page_url, e.ts FROM "${s}".web_events e JOIN "${s}".resolved_records r ON r.source = 'web_events' AND r.record_key = e.event_id),
           o AS (SELECT r.profile_id, e.amount, e.channel, e.ordered_at AS ts FROM "${s}".orders e JOIN "${s}".resolved_records r ON r.source = 'orders' AND r.record_key = CAST(e.order_id AS VARCHAR))
      SELECT p.profile_id FROM "${s}".profiles p WHERE ${where} ORDER BY p.profile_id`;
    return (await f.warehouse.query<{ profile_id: string }>(sql)).map((r) => r.profile_id);
  }

  const viewThenBuy = (days?: number, completed = true, where?: PropertyFilter): Condition =>
    ({
      sequence: [{ event: 'page_view' }, { event: 'order_completed', ...(days ? { within: { days } } : {}), ...(where ? { where } : {}) }],
      completed,
    }) as Condition;

  describe('sequences', () => {
    it('completed: in order, strictly after, within the step window (edge included), any witness', async () => {
      const ids = await members(viewThenBuy(30));
      // s2 buys exactly 30 days after; s3 one second late; s4 at the same instant; s5 before viewing;
      // s6's first view is too early but its second one is a witness.
      expect(ids).toEqual(['s1', 's11', 's13', 's2', 's6', 's9'].sort());
      expect(ids).toEqual(
        await handWritten(`EXISTS (SELECT 1 FROM v JOIN o ON o.profile_id = v.profile_id AND o.ts > v.ts AND o.ts <= v.ts + INTERVAL '30 days'
          WHERE v.profile_id = p.profile_id AND v.event = 'page_view')`),
      );
    });

    it('without a step window: any time after; with step filters', async () => {
      expect(await members(viewThenBuy())).toEqual(['s1', 's11', 's13', 's2', 's3', 's6', 's9'].sort());
      expect(await members(viewThenBuy(undefined, true, { property: 'channel', op: 'eq', value: 'pos' }))).toEqual(['s13', 's6', 's9']);
    });

    it('three steps, each after the one before', async () => {
      const where = {
        sequence: [{ event: 'page_view' }, { event: 'add_to_cart', within: { hours: 24 } }, { event: 'order_completed', within: { days: 7 } }],
        completed: true,
      } as Condition;
      // s12 added to cart but its order came before.
      expect(await members(where)).toEqual(['s11']);
      expect(await members({ not: where })).toEqual(complement(['s11']));
    });

    it('a top-level window bounds the first step', async () => {
      const recent = { sequence: [{ event: 'page_view' }], within: { days: 7 }, completed: true } as Condition;
      expect(await members(recent)).toEqual(['s10']);
    });

    it('not completed: did the steps before the last, the window elapsed, no last step within it after', async () => {
      const ids = await members(viewThenBuy(14, false));
      // s3: no order within 14 days of its view; s4: the order at the same instant is not after;
      // s5: its order came before; s6: the first view had no order within 14 days; s7: never bought;
      // s12: its only order came the day before; s10: viewed 2 days ago, 14 days have not passed;
      // s13: its view is followed by orders.
      expect(ids).toEqual(['s12', 's2', 's3', 's4', 's5', 's6', 's7'].sort());
      expect(ids).toEqual(
        await handWritten(`EXISTS (SELECT 1 FROM v WHERE v.profile_id = p.profile_id AND v.event = 'page_view' AND v.ts <= CURRENT_TIMESTAMP - INTERVAL '14 days'
          AND NOT EXISTS (SELECT 1 FROM o WHERE o.profile_id = v.profile_id AND o.ts > v.ts AND o.ts <= v.ts + INTERVAL '14 days'))`),
      );
      expect(await members({ not: viewThenBuy(14, false) })).toEqual(complement(ids));
    });
  });

  it('members enter and leave as events arrive (a later purchase, a bigger basket)', async () => {
    const s = f.schema;
    const notBought = viewThenBuy(14, false);
    const bought = viewThenBuy(14);
    const spent = { event: 'order_completed', aggregate: { fn: 'sum', property: 'amount' }, op: 'gte', value: 100 } as Condition;
    expect(await members(notBought)).toContain('s7');
    expect(await members(bought)).not.toContain('s7');
    expect(await members(spent)).not.toContain('s7');
    // s7 buys 14 days after its view (the edge), for 150.
    await f.warehouse.execute(`INSERT INTO "${s}".orders (order_id, customer, amount, channel, ordered_at) VALUES (99, 's7', 150, 'web', ${f.warehouse.dialect.literal(at(14 * DAY))})`);
    await f.warehouse.execute(`INSERT INTO "${s}".resolved_records (source, record_key, profile_id) VALUES ('orders', '99', 's7')`);
    try {
      expect(await members(notBought)).not.toContain('s7');
      expect(await members(bought)).toContain('s7');
      expect(await members(spent)).toContain('s7');
    } finally {
      await f.warehouse.execute(`DELETE FROM "${s}".orders WHERE order_id = 99`);
      await f.warehouse.execute(`DELETE FROM "${s}".resolved_records WHERE source = 'orders' AND record_key = '99'`);
    }
    expect(describeCondition(notBought)).toBe('page_view, and not order_completed within 14 days after');
    expect(describeCondition(spent)).toBe('total amount of order_completed ≥ 100');
  });

  describe('aggregates', () => {
    const sum = (op: string, value: unknown, extra: Record<string, unknown> = {}) =>
      ({ event: 'order_completed', aggregate: { fn: 'sum', property: 'amount' }, op, value, ...extra }) as Condition;

    it('sum compares with a threshold (ties included by gte), and is 0 for profiles without orders', async () => {
      const ids = await members(sum('gte', 100));
      expect(ids).toEqual(['s1', 's2', 's6']);
      expect(ids).toEqual(await handWritten(`(SELECT SUM(o.amount) FROM o WHERE o.profile_id = p.profile_id) >= 100`));
      const small = await members(sum('lt', 20));
      expect(small).toEqual(await handWritten(`COALESCE((SELECT SUM(o.amount) FROM o WHERE o.profile_id = p.profile_id), 0) < 20`));
      expect(small).toContain('s8');
      expect(await members({ not: sum('gte', 100) })).toEqual(complement(['s1', 's2', 's6']));
    });

    it('with a filter and a window', async () => {
      expect(await members(sum('eq', 5, { where: { property: 'channel', op: 'eq', value: 'web' } }))).toEqual(['s13']);
      expect(await members(sum('gt', 0, { between: ['2025-01-01', '2025-01-02'] }))).toEqual(['s13', 's4', 's5', 's9'].sort());
    });

    it('avg, min, max and count_distinct', async () => {
      const agg = (fn: string, op: string, value: unknown, property = 'amount') => ({ event: 'order_completed', aggregate: { fn, property }, op, value }) as Condition;
      expect(await members(agg('avg', 'eq', 50))).toEqual(['s2']);
      expect(await members(agg('min', 'lte', 10))).toEqual(['s13', 's9']);
      expect(await members(agg('max', 'gt', 100))).toEqual(['s6']);
      expect(await members(agg('count_distinct', 'gte', 2, 'channel'))).toEqual(['s13']);
      expect(await members(agg('count_distinct', 'eq', 0, 'channel'))).toEqual(['s10', 's7', 's8']);
      // s12's only order has no amount: no average, so not "avg is null"-style matches.
      expect(await members(agg('avg', 'gte', 0))).not.toContain('s12');
    });
  });

  describe('first and last time', () => {
    it('before, after, within and not within the last', async () => {
      const first = (op: string, value: unknown) => ({ event: 'page_view', first: { op, value } }) as Condition;
      const last = (op: string, value: unknown) => ({ event: 'order_completed', last: { op, value } }) as Condition;
      expect(await members(first('after', '2025-01-01'))).toEqual(['s10', 's5']);
      expect(await members(first('within_last', { days: 7 }))).toEqual(['s10']);
      expect(await members(last('before', '2025-01-02'))).toEqual(['s12', 's4', 's5']);
      // never bought: no last time, so not "last bought more than 90 days ago".
      const lapsed = await members(last('not_within_last', { days: 90 }));
      expect(lapsed).toEqual(['s1', 's11', 's12', 's13', 's2', 's3', 's4', 's5', 's6', 's9'].sort());
      expect(lapsed).toEqual(await handWritten(`(SELECT MAX(o.ts) FROM o WHERE o.profile_id = p.profile_id) < CURRENT_TIMESTAMP - INTERVAL '90 days'`));
    });
  });
});
