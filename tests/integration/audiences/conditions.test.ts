/**
 * Every operator and every condition kind, checked against the exact members of a small known data
 * set (see fixture.ts), on DuckDB and on Postgres with the same test body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileAudience, countAudience, saveAudience, type AudienceDefinition, type Condition } from '../../../src/audiences/index.js';
import { createFixture, ENGINES, INJECTION, type Fixture } from './fixture.js';

describe.each(ENGINES)('audience conditions on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
  });
  afterAll(async () => {
    await f?.close();
  });

  /** Member ids of `where`, checked both through the compiled SELECT and through COUNT. */
  async function members(where: Condition | Record<string, unknown>): Promise<string[]> {
    const definition = { where } as AudienceDefinition;
    const { sql } = await compileAudience(f.project, definition);
    const rows = await f.warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM (${sql}) m ORDER BY profile_id`);
    const ids = rows.map((r) => r.profile_id);
    expect(new Set(ids).size).toBe(ids.length); // one row per member
    expect(await countAudience(f.project, definition)).toBe(ids.length);
    return ids;
  }
  const trait = (name: string, op: string, value?: unknown) => ({ trait: name, op, ...(value === undefined ? {} : { value }) });
  const ALL = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];

  describe('trait operators', () => {
    it.each([
      ['eq', 'country', 'US', ['p1', 'p4', 'p7']],
      ['neq (includes NULL)', 'country', 'US', ['p2', 'p3', 'p5', 'p6', 'p8']],
      ['gt', 'lifetime_value', 450, ['p1', 'p3', 'p7']],
      ['gte', 'lifetime_value', 500, ['p1', 'p3', 'p7']],
      ['lt', 'lifetime_value', 99.5, ['p4', 'p8']],
      ['lte', 'lifetime_value', 99.5, ['p4', 'p6', 'p8']],
      ['between (inclusive)', 'lifetime_value', [99.5, 500], ['p2', 'p6', 'p7']],
      ['in', 'country', ['US', 'CA'], ['p1', 'p2', 'p4', 'p7']],
      ['not_in (includes NULL)', 'country', ['US', 'CA'], ['p3', 'p5', 'p6', 'p8']],
      ['contains', 'email', 'corp', ['p1', 'p3', 'p6']],
      ['not_contains (includes NULL)', 'email', 'corp', ['p2', 'p4', 'p5', 'p7', 'p8']],
      ['starts_with', 'email', "o'b", ['p6']],
      ['ends_with', 'email', '@corp.io', ['p1', 'p3', 'p6']],
      ['contains matches % and _ literally', 'email', '%_', ['p7']],
      ['eq on integer', 'orders_count', 1, ['p6', 'p8']],
      ['gte on integer', 'orders_count', 3, ['p1', 'p3', 'p7']],
      ['in on integer', 'orders_count', [0, 10], ['p3', 'p4']],
      ['eq on boolean', 'is_subscribed', false, ['p2', 'p6', 'p8']],
      ['neq on boolean (includes NULL)', 'is_subscribed', true, ['p2', 'p4', 'p6', 'p8']],
      ['lt on string', 'country', 'D', ['p2']],
    ] as const)('%s', async (label, column, value, expected) => {
      const op = label.split(' ')[0]!;
      expect(await members(trait(column, op, value))).toEqual(expected);
    });

    it.each([
      ['is_null', 'email', ['p5']],
      ['is_not_null', 'email', ['p1', 'p2', 'p3', 'p4', 'p6', 'p7', 'p8']],
      ['is_true', 'is_subscribed', ['p1', 'p3', 'p5', 'p7']],
      ['is_false', 'is_subscribed', ['p2', 'p6', 'p8']],
    ] as const)('%s', async (op, column, expected) => {
      expect(await members(trait(column, op))).toEqual(expected);
    });

    it.each([
      ['before a date: before that day starts', 'before', '2023-01-15', ['p3', 'p8']],
      ['after a date: after that day ends', 'after', '2024-01-01', ['p5']],
      ['eq a date', 'eq', '2023-01-15', ['p1']],
      ['gte a date', 'gte', '2024-01-01', ['p5', 'p6']],
      ['lte a date includes that day', 'lte', '2023-01-15', ['p1', 'p3', 'p8']],
      ['between dates includes both days', 'between', ['2023-01-15', '2023-06-01'], ['p1', 'p2', 'p7']],
      ['before a timestamp', 'before', '2023-01-15T00:00:01Z', ['p1', 'p3', 'p8']],
      ['neq a date (includes NULL)', 'neq', '2023-01-15', ['p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']],
    ] as const)('date trait: %s', async (_label, op, value, expected) => {
      expect(await members(trait('signup_date', op, value))).toEqual(expected);
    });

    it.each([
      ['within_last days', 'within_last', { days: 7 }, ['p1', 'p5', 'p7']],
      ['within_last hours', 'within_last', { hours: 6 }, ['p5']],
      ['not_within_last (includes NULL)', 'not_within_last', { days: 30 }, ['p2', 'p3', 'p4', 'p8']],
    ] as const)('timestamp trait: %s', async (_label, op, value, expected) => {
      expect(await members(trait('last_seen_at', op, value))).toEqual(expected);
    });
  });

  describe('groups', () => {
    it('all', async () => {
      expect(await members({ all: [trait('lifetime_value', 'gte', 100), trait('country', 'eq', 'US')] })).toEqual(['p1', 'p7']);
    });
    it('any', async () => {
      expect(await members({ any: [trait('country', 'eq', 'CA'), trait('email', 'ends_with', '@corp.io')] })).toEqual(['p1', 'p2', 'p3', 'p6']);
    });
    it('not is the exact complement, NULLs included', async () => {
      expect(await members({ not: trait('country', 'eq', 'US') })).toEqual(['p2', 'p3', 'p5', 'p6', 'p8']);
      expect(await members({ not: trait('lifetime_value', 'gt', 100) })).toEqual(['p4', 'p5', 'p6', 'p8']);
    });
    it('nested to several levels', async () => {
      const where = {
        all: [
          { any: [trait('country', 'in', ['US', 'GB']), { not: { any: [trait('lifetime_value', 'lt', 1000), trait('email', 'is_null')] } }] },
          { not: { all: [trait('is_subscribed', 'is_true'), { not: trait('orders_count', 'gte', 5) }] } },
        ],
      };
      // first: US/GB (p1 p4 p6 p7) or ltv >= 1000 with an email (p3); second: drops subscribed with < 5 orders (p7, p5)
      expect(await members(where)).toEqual(['p1', 'p3', 'p4', 'p6']);
    });
    it('empty groups: all matches everyone, any no one', async () => {
      expect(await members({ all: [] })).toEqual(ALL);
      expect(await members({ any: [] })).toEqual([]);
    });
  });

  describe('event conditions', () => {
    const orders = (extra: Record<string, unknown> = {}) => ({ event: 'order_completed', ...extra });
    it('did it at least once (default count)', async () => {
      expect(await members(orders())).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    });
    it.each([
      ['gte 2', { op: 'gte', value: 2 }, ['p1', 'p2']],
      ['gt 2', { op: 'gt', value: 2 }, ['p1']],
      ['eq 0: did not do it', { op: 'eq', value: 0 }, ['p8']],
      ['eq 1', { op: 'eq', value: 1 }, ['p3', 'p4', 'p5', 'p6', 'p7']],
      ['lt 2 includes profiles without any event', { op: 'lt', value: 2 }, ['p3', 'p4', 'p5', 'p6', 'p7', 'p8']],
      ['lte 0', { op: 'lte', value: 0 }, ['p8']],
      ['neq 1 includes zero', { op: 'neq', value: 1 }, ['p1', 'p2', 'p8']],
      ['between [2, 3]', { op: 'between', value: [2, 3] }, ['p1', 'p2']],
      ['between [0, 1] includes zero', { op: 'between', value: [0, 1] }, ['p3', 'p4', 'p5', 'p6', 'p7', 'p8']],
    ] as const)('count %s', async (_label, count, expected) => {
      expect(await members(orders({ count }))).toEqual(expected);
    });
    it('within days and hours', async () => {
      expect(await members(orders({ count: { op: 'eq', value: 1 }, within: { days: 30 } }))).toEqual(['p2', 'p3', 'p6', 'p7']);
      expect(await members(orders({ within: { hours: 48 } }))).toEqual(['p3']);
      // zero in the window: everyone without a recent order, including those who never ordered
      expect(await members(orders({ count: { op: 'eq', value: 0 }, within: { days: 30 } }))).toEqual(['p4', 'p5', 'p8']);
    });
    it('between dates: a date-only end includes that whole day', async () => {
      expect(await members(orders({ between: ['2024-01-31', '2024-01-31'] }))).toEqual(['p4']);
      expect(await members(orders({ between: ['2024-01-31T00:00:00Z', '2024-02-01T00:00:00Z'] }))).toEqual(['p4', 'p5']);
    });
    it('property filters with operators and groups', async () => {
      expect(await members(orders({ count: { op: 'gte', value: 2 }, where: { all: [{ property: 'amount', op: 'gt', value: 50 }] } }))).toEqual(['p1', 'p2']);
      expect(await members(orders({ where: { any: [{ property: 'channel', op: 'eq', value: 'pos' }, { property: 'amount', op: 'gte', value: 500 }] } }))).toEqual([
        'p1',
        'p3',
        'p7',
      ]);
      expect(await members(orders({ where: { not: { property: 'channel', op: 'eq', value: 'web' } } }))).toEqual(['p1', 'p3', 'p7']);
      expect(await members(orders({ where: { property: 'order_id', op: 'in', value: [9, 10] } }))).toEqual(['p4', 'p5']);
    });
    it('the issue example: count, window and property filter together', async () => {
      expect(
        await members(orders({ count: { op: 'gte', value: 2 }, within: { days: 90 }, where: { all: [{ property: 'amount', op: 'gt', value: 50 }] } })),
      ).toEqual([]);
      expect(await members(orders({ count: { op: 'gte', value: 1 }, within: { days: 90 }, where: { property: 'amount', op: 'gt', value: 50 } }))).toEqual([
        'p1',
        'p2',
        'p3',
        'p6',
      ]);
    });
    it('an event from a name column, in several streams', async () => {
      expect(await members({ event: 'page_view' })).toEqual(['p1', 'p2', 'p6', 'p7']);
      expect(await members({ event: 'page_view', count: { op: 'gte', value: 2 } })).toEqual(['p1', 'p2']);
      expect(await members({ event: 'page_view', within: { days: 7 } })).toEqual(['p1', 'p2', 'p6']);
      expect(await members({ event: 'add_to_cart' })).toEqual(['p3']);
      expect(await members({ event: 'app_open', within: { hours: 3 } })).toEqual(['p5']);
    });
    it('a property only some streams have is NULL in the others', async () => {
      expect(await members({ event: 'page_view', where: { property: 'platform', op: 'eq', value: 'ios' } })).toEqual(['p2']);
      expect(await members({ event: 'page_view', where: { property: 'platform', op: 'is_null' } })).toEqual(['p1', 'p2', 'p6']);
      expect(await members({ event: 'page_view', where: { property: 'page_url', op: 'starts_with', value: '/h' } })).toEqual(['p1', 'p2']);
    });
    it('events combine with traits and groups', async () => {
      const where = { all: [trait('country', 'eq', 'US'), { not: { event: 'page_view' } }, { any: [orders(), trait('email', 'contains', 'yahoo')] }] };
      expect(await members(where)).toEqual(['p4']);
    });
  });

  describe('audience references', () => {
    beforeAll(async () => {
      await saveAudience(f.project, { name: 'us_buyers', where: { all: [trait('country', 'eq', 'US'), { event: 'order_completed' }] } });
      f.writeAudienceFile('big_spenders', 'where:\n  trait: lifetime_value\n  op: gte\n  value: 500\n');
    });
    it('in an audience, and not in it', async () => {
      expect(await members({ audience: 'us_buyers' })).toEqual(['p1', 'p4', 'p7']);
      expect(await members({ not: { audience: 'us_buyers' } })).toEqual(['p2', 'p3', 'p5', 'p6', 'p8']);
    });
    it('references across the state store and YAML files, nested', async () => {
      await saveAudience(f.project, { name: 'us_big', where: { all: [{ audience: 'us_buyers' }, { audience: 'big_spenders' }] } });
      expect(await members({ audience: 'us_big' })).toEqual(['p1', 'p7']);
      expect(await members({ any: [{ audience: 'us_big' }, { audience: 'big_spenders' }] })).toEqual(['p1', 'p3', 'p7']);
      // A diamond (us_big and its sibling both reach us_buyers) is not a cycle.
      expect(await members({ all: [{ audience: 'us_big' }, { audience: 'us_buyers' }, { not: { audience: 'big_spenders' } }] })).toEqual([]);
      expect(await members({ any: [{ audience: 'us_buyers' }, { audience: 'us_big' }] })).toEqual(['p1', 'p4', 'p7']);
    });
  });

  describe('values are data, never SQL', () => {
    it('a value with quotes and a comment matches literally and harms nothing', async () => {
      expect(await members(trait('email', 'eq', INJECTION))).toEqual(['p8']);
      expect(await members(trait('email', 'contains', "'; drop"))).toEqual(['p8']);
      expect(await members(trait('email', 'in', [INJECTION, "x' OR '1'='1"]))).toEqual(['p8']);
      expect(await members(trait('email', 'eq', "x' OR '1'='1"))).toEqual([]);
      expect(await members({ event: 'order_completed', where: { property: 'channel', op: 'eq', value: "web' OR 'a'='a" } })).toEqual([]);
      expect(await members(trait('email', 'starts_with', "o'brien@"))).toEqual(['p6']);
      const rows = await f.warehouse.query(`SELECT COUNT(*) AS n FROM ${f.warehouse.dialect.relation({ schema: f.schema, name: 'profiles' })}`);
      expect(Number(rows[0]!.n)).toBe(8);
    });
    it('backslashes and newlines are kept as they are', async () => {
      expect(await members(trait('email', 'eq', 'a\\b\nc'))).toEqual([]);
      expect(await members(trait('email', 'not_contains', '\\'))).toEqual(ALL);
    });
  });
});
