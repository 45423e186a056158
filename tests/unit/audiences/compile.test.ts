import { describe, expect, it } from 'vitest';
import { AudienceQueryBuilder, indent } from '../../../src/audiences/compile.js';
import { parseDateValue } from '../../../src/audiences/dates.js';
import type { ResolvedCondition } from '../../../src/audiences/resolve.js';
import type { EventStreamInfo } from '../../../src/audiences/catalog.js';
import { getDialect } from '../../../src/warehouse/index.js';

const tables = { profiles: { schema: 'cdp', name: 'profiles' }, resolvedRecords: { schema: 'cdp', name: 'resolved_records' } };
const source = { trait: 'x' } as never;
const trait = (column: string, kind: 'string' | 'number' | 'timestamp', predicate: unknown): ResolvedCondition =>
  ({ type: 'trait', column, kind, predicate, path: ['where'], source }) as ResolvedCondition;
const orders: EventStreamInfo = {
  source: 'orders',
  relation: { schema: 'cdp', name: 'stg_orders' },
  key: 'order_id',
  timestamp: 'ordered_at',
  nameSql: "'order_completed'",
  constantName: 'order_completed',
  columns: new Map([
    ['order_id', 'integer'],
    ['amount', 'number'],
    ['ordered_at', 'timestamp'],
  ]),
};

describe('audience SQL', () => {
  it.each(['duckdb', 'postgres'] as const)('escapes values through the dialect on %s', (name) => {
    const d = getDialect(name);
    const b = new AudienceQueryBuilder(d, tables);
    const sql = b.predicate(trait('email', 'string', { op: 'eq', value: "'; drop table profiles; --" }));
    expect(sql).toBe(`p."email" = '''; drop table profiles; --'`);
    const odd = b.predicate(trait('we"ird', 'string', { op: 'in', value: ["a'b", 'c'] }));
    expect(odd).toBe(`p."we""ird" IN ('a''b', 'c')`);
  });

  it('uses LIKE with escaped pattern characters on Postgres and native functions on DuckDB', () => {
    const condition = trait('email', 'string', { op: 'contains', value: '50%_off\\' });
    expect(new AudienceQueryBuilder(getDialect('postgres'), tables).predicate(condition)).toBe(`(p."email" LIKE '%50\\%\\_off\\\\%' ESCAPE '\\')`);
    expect(new AudienceQueryBuilder(getDialect('duckdb'), tables).predicate(condition)).toBe(`CONTAINS(p."email", '50%_off\\')`);
  });

  it('makes predicates under NOT two-valued so NOT is an exact complement', () => {
    const b = new AudienceQueryBuilder(getDialect('duckdb'), tables);
    const gt = trait('lifetime_value', 'number', { op: 'gt', value: 5 });
    expect(b.predicate(gt)).toBe('p."lifetime_value" > 5');
    expect(b.predicate({ type: 'not', item: gt, path: [], source })).toBe('NOT (COALESCE(p."lifetime_value" > 5, FALSE))');
  });

  it('compiles an event condition to one aggregated LEFT JOIN; zero-including counts keep the non-matches', () => {
    const b = new AudienceQueryBuilder(getDialect('postgres'), tables);
    const event = (count: unknown): ResolvedCondition =>
      ({
        type: 'event',
        event: 'order_completed',
        streams: [orders],
        count,
        within: { days: 90 },
        where: { type: 'property', column: 'amount', kind: 'number', predicate: { op: 'gt', value: 50 } },
        path: [],
        source,
      }) as ResolvedCondition;
    expect(b.predicate(event({ op: 'gte', value: 2 }))).toBe('ev1."profile_id" IS NOT NULL');
    expect(b.predicate(event({ op: 'lt', value: 3 }))).toBe('ev2."profile_id" IS NULL');
    expect(b.predicate(event({ op: 'eq', value: 0 }))).toBe('ev3."profile_id" IS NULL');
    expect(b.predicate(event({ op: 'gte', value: 2 }))).toBe('ev1."profile_id" IS NOT NULL'); // same join reused
    const from = b.from();
    expect(from).toContain('FROM "cdp"."profiles" AS p\nLEFT JOIN (');
    expect(from).toContain(`SELECT CAST(s."order_id" AS TEXT) AS "record_key"`);
    expect(from).toContain(`WHERE s."ordered_at" >= ((CURRENT_TIMESTAMP AT TIME ZONE 'UTC') - INTERVAL '90 day')`);
    expect(from).toContain('HAVING COUNT(*) >= 2');
    expect(from).toContain('HAVING COUNT(*) >= 3'); // lt 3 joins the profiles with 3 or more
    expect(from.match(/LEFT JOIN/g)).toHaveLength(3);
    expect(from.split('ev3')[0]!.split('ev2')[1]).not.toContain('HAVING COUNT(*) >= 2');
  });

  it('on engines that plan IN / EXISTS as hash joins, tests membership instead of joining', () => {
    const b = new AudienceQueryBuilder(getDialect('duckdb'), tables);
    const event = (count: unknown, within?: unknown): ResolvedCondition =>
      ({ type: 'event', event: 'order_completed', streams: [orders], count, within, path: [], source }) as ResolvedCondition;
    const did = b.predicate(event({ op: 'gte', value: 1 }, { days: 7 }));
    expect(did.startsWith('p."profile_id" IN (\n  SELECT r."profile_id"\n  FROM "cdp"."resolved_records" AS r\n  JOIN (')).toBe(true);
    expect(did).not.toContain('GROUP BY');
    const twice = b.predicate(event({ op: 'gte', value: 2 }));
    // Every order is an order_completed and there is no window: resolved_records alone answers.
    expect(twice).toBe(
      'p."profile_id" IN (\n  SELECT r."profile_id"\n  FROM "cdp"."resolved_records" AS r\n' +
        `  WHERE r."source" = 'orders' AND r."profile_id" IS NOT NULL\n  GROUP BY r."profile_id"\n  HAVING COUNT(*) >= 2\n)`,
    );
    expect(b.predicate(event({ op: 'lt', value: 2 }))).toContain('p."profile_id" NOT IN (');
    // After trait filters, "did not" is a correlated anti join on the remaining profiles.
    const narrowed = b.predicate({ type: 'all', items: [trait('country', 'string', { op: 'eq', value: 'US' }), event({ op: 'eq', value: 0 })], path: [], source });
    expect(narrowed).toContain(`NOT EXISTS (\n    SELECT 1\n    FROM "cdp"."resolved_records" AS r\n    WHERE r."source" = 'orders' AND r."profile_id" = p."profile_id"\n  )`);
    expect(b.from()).toBe('FROM "cdp"."profiles" AS p');
  });

  it('indents SQL without touching newlines inside string literals', () => {
    expect(indent("SELECT 'a\nb'\nFROM t")).toBe("  SELECT 'a\nb'\n  FROM t");
  });
});

describe('date values', () => {
  it('reads dates as whole UTC days and timestamps as instants (UTC unless a zone is given)', () => {
    expect(parseDateValue('2024-01-31')).toEqual({ start: new Date('2024-01-31T00:00:00Z'), end: new Date('2024-02-01T00:00:00Z'), dateOnly: true });
    expect(parseDateValue('2024-01-31T10:00:00')?.start).toEqual(new Date('2024-01-31T10:00:00Z'));
    expect(parseDateValue('2024-01-31 10:00')?.start).toEqual(new Date('2024-01-31T10:00:00Z'));
    expect(parseDateValue('2024-01-31T10:00:00.123456+02:00')?.start).toEqual(new Date('2024-01-31T08:00:00.123Z'));
    expect(parseDateValue('2024-02-30')).toBeUndefined();
    expect(parseDateValue('yesterday')).toBeUndefined();
  });
});
