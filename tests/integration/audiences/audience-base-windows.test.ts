/**
 * `within` event conditions in the audience base (src/audiences/base.ts): the base keeps each
 * profile's matching event times since the widest window before the build, and a count at any later
 * time gives the live answer, on DuckDB and Postgres. Time is pinned by a dialect whose clock reads
 * a fixed instant: the base is built at T0 and counted at T0, at later instants, and with events
 * exactly at the edges of the windows then.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audienceCountSql,
  buildAudienceBase,
  countAudience,
  refreshAudienceCatalog,
  saveAudience,
  validateAudience,
  type AudienceDefinition,
  type Condition,
} from '../../../src/audiences/index.js';
import { audienceBaseRelation, audienceBaseSelectSql, type EventNode } from '../../../src/audiences/base.js';
import { AudienceQueryBuilder, type AudienceTables } from '../../../src/audiences/compile.js';
import type { ResolvedCondition } from '../../../src/audiences/resolve.js';
import { audienceTables } from '../../../src/audiences/sql.js';
import type { Dialect } from '../../../src/warehouse/index.js';
import { createFixture, ENGINES, loadTables, type Fixture } from './fixture.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The build's instant, and instants the counts are taken at (the build's among them). */
const T0 = Date.parse('2030-03-01T12:00:00.000Z');
const QUERY_TIMES = { build: T0, 'an hour later': T0 + HOUR, '10 days later': T0 + 10 * DAY, '30 days later': T0 + 30 * DAY, '45 days later': T0 + 45 * DAY };
const T1 = QUERY_TIMES['10 days later'];
const at = (ms: number) => new Date(ms);

/** A dialect whose clock reads `instant`: the windows of everything compiled with it end there. */
function clockAt(d: Dialect, instant: number): Dialect {
  const pinned = Object.create(d) as Dialect & { currentTimestampUtc(): string };
  pinned.currentTimestampUtc = () => d.literal(at(instant));
  return pinned;
}

const order = (extra: object) => ({ event: 'order_completed', ...extra }) as Condition;
const pageView = (extra: object) => ({ event: 'page_view', ...extra }) as Condition;
/** Windowed conditions and their neighbours in the base: the same events without a window, an absolute range (`between`, kept as a count). */
const CONDITIONS: Record<string, Condition> = {
  'ordered within 30 days': order({ within: { days: 30 } }),
  'two orders within 30 days': order({ within: { days: 30 }, count: { op: 'gte', value: 2 } }),
  'no order within 7 days': order({ within: { days: 7 }, count: { op: 'eq', value: 0 } }),
  'one or two web orders within 90 days': order({ within: { days: 90 }, count: { op: 'between', value: [1, 2] }, where: { property: 'channel', op: 'eq', value: 'web' } }),
  'fewer than 2 page views within 48 hours': pageView({ within: { hours: 48 }, count: { op: 'lt', value: 2 } }),
  'not a page view within 30 days': { not: pageView({ within: { days: 30 } }) } as Condition,
  'ordered within 7 days or in the US': { any: [order({ within: { days: 7 } }), { trait: 'country', op: 'eq', value: 'US' }] } as Condition,
  'three orders ever': order({ count: { op: 'gte', value: 3 } }),
  'ordered in February 2030': order({ between: ['2030-02-01', '2030-02-28'] }),
};

/** Orders (and page views) at the edges of the windows at the build and at the later query times. */
function dataSet() {
  const profiles = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'].map((id, i) => [id, ['US', 'DE', 'FR', 'US', 'GB', 'CA'][i]]);
  const orders: Array<[number, string, number | null, string, Date]> = [];
  const add = (profile: string, ms: number, channel = 'web') => orders.push([orders.length + 1, profile, 10, channel, at(ms)]);
  add('p1', T1 - 30 * DAY); // exactly at the 30-day edge 10 days later: counts then
  add('p1', T1 - 30 * DAY - 1); // a millisecond before it: does not
  add('p2', T0 - 30 * DAY); // exactly at the edge at the build: in the list, counted at the build only
  add('p2', T0 - 30 * DAY - 1); // before the list's horizon: never counted in 30 days
  add('p2', T0 - 7 * DAY, 'pos'); // exactly at the 7-day edge at the build
  add('p3', T0 - 90 * DAY); // the 90-day edge at the build
  add('p3', T0 - 89 * DAY);
  add('p3', T0 - 1 * DAY);
  add('p4', T0 + 5 * DAY); // a time after the build (loaded before it): counted at every query time until it ages out
  add('p4', Date.parse('2030-02-01T00:00:00Z')); // first instant of the absolute range
  add('p4', Date.parse('2030-02-28T23:59:59.999Z'), 'pos'); // its last millisecond
  add('p5', Date.parse('2030-03-01T00:00:00Z')); // just after it
  add('p5', QUERY_TIMES['45 days later'] - 7 * DAY); // the 7-day edge 45 days later
  add('p5', QUERY_TIMES['30 days later'] - 30 * DAY); // the 30-day edge 30 days later (= the build)
  const web: Array<[string, string, string, string, Date]> = [
    ['w1', 'p1', 'page_view', '/home', at(T0 - 48 * HOUR)],
    ['w2', 'p1', 'page_view', '/home', at(T0 - 47 * HOUR)],
    ['w3', 'p2', 'page_view', '/home', at(T0 + HOUR - 48 * HOUR)],
    ['w4', 'p3', 'page_view', '/home', at(T1 - 48 * HOUR)],
    ['w5', 'p3', 'page_view', '/home', at(T1 - 48 * HOUR - 1)],
    ['w6', 'p3', 'page_view', '/home', at(T1 - 1)],
    ['w7', 'p6', 'page_view', '/home', at(T0 - 30 * DAY - 1)],
  ];
  return {
    profiles: { columns: [{ name: 'profile_id', kind: 'string' as const }, { name: 'country', kind: 'string' as const }], rows: profiles },
    web,
    app: [] as Array<[string, string, string, string, Date]>,
    orders,
  };
}

function* eventNodes(node: ResolvedCondition): Generator<EventNode> {
  if (node.type === 'all' || node.type === 'any') for (const item of node.items) yield* eventNodes(item);
  else if (node.type === 'not') yield* eventNodes(node.item);
  else if (node.type === 'event') yield node;
}

describe.each(ENGINES)('audience base with within windows on %s', (engine) => {
  let f: Fixture;
  let tables: AudienceTables;
  const resolved = new Map<string, ResolvedCondition>();
  beforeAll(async () => {
    f = await createFixture(engine, { load: false });
    await loadTables(f.warehouse, f.schema, dataSet());
    refreshAudienceCatalog(f.project);
    tables = audienceTables(f.project);
    for (const [label, where] of Object.entries(CONDITIONS)) resolved.set(label, (await validateAudience(f.project, { where } as AudienceDefinition)).where);
  });
  afterAll(async () => f?.close());

  /** Builds the base for `nodes` with the clock at `instant`; the tables a count over it reads. */
  async function buildAt(instant: number, nodes: EventNode[]): Promise<AudienceTables> {
    const d = clockAt(f.warehouse.dialect, instant);
    const relation = audienceBaseRelation(f.project);
    for (const statement of d.createOrReplaceTableAs(relation, audienceBaseSelectSql(d, tables, nodes))) await f.warehouse.execute(statement);
    const columns = (await f.warehouse.listColumns(relation)).map((c) => c.name).filter((name) => name.startsWith('ev_'));
    return { ...tables, base: { relation, eventColumns: new Set(columns) } };
  }

  async function count(instant: number, over: AudienceTables, where: ResolvedCondition): Promise<{ n: number; sql: string }> {
    const builder = new AudienceQueryBuilder(clockAt(f.warehouse.dialect, instant), over);
    const predicate = builder.predicate(where);
    const sql = `${builder.with()}SELECT COUNT(*) AS n\n${builder.from()}\nWHERE ${predicate}`;
    const [row] = await f.warehouse.query(sql);
    return { n: Number(row!.n), sql };
  }

  it('counts every windowed condition as the live query does, at the build and later, with events at the edges', async () => {
    const nodes = [...resolved.values()].flatMap((where) => [...eventNodes(where)]);
    const withBase = await buildAt(T0, nodes);
    // Orders: a count and a list of 30 days; February's orders (an absolute range): a count; web
    // orders: a list of 90 days; page views: one list of 30 days, which the 48-hour window reads too.
    expect([...withBase.base!.eventColumns].map((c) => c.replace(/^ev_[0-9a-f]{16}/, 'ev')).sort()).toEqual(['ev', 'ev', 'ev_2160h', 'ev_720h', 'ev_720h']);
    const live = new Map<string, number[]>();
    for (const [label, where] of resolved) {
      for (const [when, instant] of Object.entries(QUERY_TIMES)) {
        const plain = await count(instant, tables, where);
        const kept = await count(instant, withBase, where);
        expect(kept.sql, label).not.toContain('resolved_records');
        expect(kept.n, `${label}, ${when}`).toBe(plain.n);
        live.set(label, [...(live.get(label) ?? []), plain.n]);
      }
    }
    // The edges decide these: at the build, an hour later, 10, 30 and 45 days later.
    expect(live.get('ordered within 30 days')).toEqual([5, 5, 5, 2, 1]);
    expect(live.get('two orders within 30 days')).toEqual([4, 3, 2, 1, 0]);
    expect(live.get('fewer than 2 page views within 48 hours')).toEqual([4, 5, 5, 6, 6]);
    expect(live.get('ordered in February 2030')).toEqual([4, 4, 4, 4, 4]);
  });

  it('reads a list only when it reaches back as far as the window', async () => {
    const sevenDays = [...eventNodes(resolved.get('no order within 7 days')!)];
    const withBase = await buildAt(T0, sevenDays);
    const conditions = new Map(resolved);
    conditions.set('ordered within 8 days', (await validateAudience(f.project, { where: order({ within: { days: 8 } }) } as AudienceDefinition)).where);
    conditions.set('ordered within 168 hours', (await validateAudience(f.project, { where: order({ within: { hours: 168 } }) } as AudienceDefinition)).where);
    for (const label of ['no order within 7 days', 'ordered within 168 hours', 'ordered within 8 days', 'ordered within 30 days']) {
      for (const instant of [T0, T1, QUERY_TIMES['45 days later']]) {
        const kept = await count(instant, withBase, conditions.get(label)!);
        expect(kept.sql.includes('resolved_records'), label).toBe(label.endsWith('days') && !label.includes('7 days'));
        expect(kept.n, label).toBe((await count(instant, tables, conditions.get(label)!)).n);
      }
    }
  });

  it('keeps the saved audiences’ windows when a build makes the base (the warehouse’s own clock)', async () => {
    const g = await createFixture(engine);
    try {
      const saved = { recent: order({ within: { days: 30 } }), few_views: pageView({ within: { hours: 48 }, count: { op: 'lt', value: 2 } }), buyers: order({ count: { op: 'gte', value: 2 } }) };
      for (const [name, where] of Object.entries(saved)) await saveAudience(g.project, { name, where });
      const drafts = [...Object.values(saved), order({ within: { days: 7 }, count: { op: 'gte', value: 1 } }), order({ within: { days: 365 } })].map((where) => ({ where }) as AudienceDefinition);
      const plain = await Promise.all(drafts.map((draft) => countAudience(g.project, draft)));
      expect(plain.some((n) => n > 0)).toBe(true);
      expect(await buildAudienceBase(g.project)).toMatchObject({ eventColumns: 1, timeColumns: 2, audiences: 3 });
      refreshAudienceCatalog(g.project);
      for (const [i, draft] of drafts.entries()) {
        const sql = await audienceCountSql(g.project, draft);
        // A year reaches further back than any saved window: joined to the events.
        expect(sql.includes('resolved_records'), JSON.stringify(draft)).toBe(i === drafts.length - 1);
        expect(await countAudience(g.project, draft), JSON.stringify(draft)).toBe(plain[i]);
      }
    } finally {
      await g.close();
    }
  });
});
