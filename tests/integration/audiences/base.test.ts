/**
 * The audience base (src/audiences/base.ts): counts read it instead of joining events, and give the
 * same numbers as the counts over `profiles` and the event streams, on DuckDB and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audienceCountSql,
  buildAudienceBase,
  countAudience,
  dropAudienceBase,
  refreshAudienceCatalog,
  saveAudience,
  type AudienceDefinition,
  type Condition,
} from '../../../src/audiences/index.js';
import { createFixture, ENGINES, type Fixture } from './fixture.js';

const webOrder = { event: 'order_completed', count: { op: 'gte', value: 1 }, where: { property: 'channel', op: 'eq', value: 'web' } };
/** Conditions whose events the base counts (no clock in them), each in a saved audience. */
const KEPT: Record<string, Condition> = {
  web_buyers: webOrder as Condition,
  never_viewed: { event: 'page_view', count: { op: 'eq', value: 0 } } as Condition,
  few_views: { event: 'page_view', count: { op: 'lt', value: 2 } } as Condition,
  one_or_two_orders: { event: 'order_completed', count: { op: 'between', value: [1, 2] } } as Condition,
  not_repeat_buyers: { not: { event: 'order_completed', count: { op: 'gte', value: 2 } } } as Condition,
  home_or_us: { any: [{ event: 'page_view', count: { op: 'gte', value: 1 }, where: { property: 'page_url', op: 'eq', value: '/home' } }, { trait: 'country', op: 'eq', value: 'US' }] } as Condition,
};
/** Counted from the events, base or not: the window moves with the clock. */
const RECENT = { event: 'order_completed', within: { days: 30 }, count: { op: 'gte', value: 1 } } as Condition;

const drafts: Array<[string, AudienceDefinition]> = [
  ...Object.entries(KEPT).map(([name, where]) => [name, { where }] as [string, AudienceDefinition]),
  ['web buyers in the US with value', { where: { all: [{ trait: 'country', op: 'in', value: ['US', 'CA'] }, { trait: 'lifetime_value', op: 'gte', value: 100 }, webOrder] } } as AudienceDefinition],
  ['a reference and a recent order', { where: { all: [{ audience: 'web_buyers' }, RECENT] } } as AudienceDefinition],
  ['recent orders only', { where: RECENT }],
];

describe.each(ENGINES)('audience base on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
    for (const [name, where] of Object.entries(KEPT)) await saveAudience(f.project, { name, where });
    await saveAudience(f.project, { name: 'recent_buyers', where: RECENT });
  });
  afterAll(async () => f?.close());

  it('counts the same with and without the base; kept conditions read the base alone', async () => {
    const plain = new Map<string, number>();
    for (const [label, definition] of drafts) plain.set(label, await countAudience(f.project, definition));
    expect(Math.max(...plain.values())).toBeGreaterThan(0);

    const built = await buildAudienceBase(f.project);
    // Four sets of events: web orders, all orders, all page views, page views of /home.
    expect(built).toMatchObject({ eventColumns: 4, audiences: 7, rows: 8 });
    refreshAudienceCatalog(f.project);
    for (const [label, definition] of drafts) {
      const sql = await audienceCountSql(f.project, definition);
      expect(sql, label).toContain(`${f.schema}"."audience_base"`);
      if (label in KEPT || label.startsWith('web buyers')) expect(sql, label).not.toContain('resolved_records');
      expect(await countAudience(f.project, definition), label).toBe(plain.get(label));
      expect(await audienceCountSql(f.project, definition, { base: false }), label).not.toContain('audience_base');
    }
  });

  it('is not read once dropped, nor when profiles have a column it lacks', async () => {
    await buildAudienceBase(f.project);
    await dropAudienceBase(f.project);
    expect(await audienceCountSql(f.project, { where: webOrder } as AudienceDefinition)).not.toContain('audience_base');

    await buildAudienceBase(f.project);
    const d = f.warehouse.dialect;
    await f.warehouse.execute(`ALTER TABLE ${d.relation({ schema: f.schema, name: 'profiles' })} ADD COLUMN tier ${d.typeName('string')}`);
    refreshAudienceCatalog(f.project);
    expect(await audienceCountSql(f.project, { where: webOrder } as AudienceDefinition)).not.toContain('audience_base');
  });
});
