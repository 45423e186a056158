/** Preview (count, funnel, sample), overlap and membership snapshots on DuckDB and Postgres. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audienceChanges,
  audienceOverlap,
  audienceSizeHistory,
  compileAudience,
  membershipTables,
  previewAudience,
  snapshotAudience,
} from '../../../src/audiences/index.js';
import { createFixture, ENGINES, type Fixture } from './fixture.js';

const VIP = {
  name: 'vip',
  where: {
    all: [
      { trait: 'lifetime_value', op: 'gte', value: 100 },
      { any: [{ trait: 'country', op: 'in', value: ['US', 'CA'] }, { trait: 'email', op: 'ends_with', value: '@corp.io' }] },
      { event: 'order_completed', count: { op: 'gte', value: 1 }, within: { days: 90 } },
      { not: { trait: 'country', op: 'eq', value: 'DE' } },
    ],
  },
};

describe.each(ENGINES)('audience preview, overlap and snapshots on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine);
    f.writeAudienceFile('vip', JSON.stringify(VIP));
    f.writeAudienceFile('us', 'where: { trait: country, op: eq, value: US }\n');
    f.writeAudienceFile('buyers', 'where: { event: order_completed }\n');
    f.writeAudienceFile('subscribed', 'where: { trait: is_subscribed, op: is_true }\n');
  });
  afterAll(async () => {
    await f?.close();
  });

  it('previews: count, cumulative narrowing per top-level condition, and a sample with chosen traits', async () => {
    const preview = await previewAudience(f.project, 'vip', { limit: 1, traits: ['email', 'lifetime_value'] });
    expect(preview.total).toBe(8);
    expect(preview.count).toBe(3); // p1 (US), p2 (CA), p7 (US); p3 is DE
    expect(preview.steps.map((s) => [s.path, s.count])).toEqual([
      ['where.all[0]', 4], // lifetime_value >= 100: p1 p2 p3 p7
      ['where.all[1]', 4], // and US/CA or a corp.io email: all four
      ['where.all[2]', 4], // and ordered in the last 90 days: all four
      ['where.all[3]', 3], // and not DE: p3 drops out
    ]);
    expect(preview.steps[0]!.label).toBe('lifetime_value ≥ 100');
    expect(preview.columns).toEqual(['profile_id', 'email', 'lifetime_value']);
    expect(preview.sample).toEqual([{ profile_id: 'p1', email: 'a@corp.io', lifetime_value: 800 }]);
  });

  it('previews a draft definition and rejects unknown sample traits', async () => {
    const preview = await previewAudience(f.project, { where: { trait: 'country', op: 'eq', value: 'US' } }, { traits: ['country'] });
    expect(preview.count).toBe(3);
    expect(preview.steps).toHaveLength(1);
    expect(preview.sample.map((r) => r.profile_id)).toEqual(['p1', 'p4', 'p7']);
    await expect(previewAudience(f.project, 'us', { traits: ['countri'] })).rejects.toMatchObject({ code: 'AUDIENCE_INVALID', location: { path: 'traits[0]' } });
  });

  it('computes the overlap of two and of three audiences in one query', async () => {
    const two = await audienceOverlap(f.project, ['us', 'buyers']);
    expect(two.total).toBe(8);
    expect(two.sizes).toEqual([
      { audience: 'us', count: 3 },
      { audience: 'buyers', count: 7 },
    ]);
    expect(two.intersections).toEqual([{ audiences: ['us', 'buyers'], count: 3 }]);
    const three = await audienceOverlap(f.project, ['us', 'buyers', 'subscribed']);
    expect(three.intersections).toEqual([
      { audiences: ['us', 'buyers'], count: 3 },
      { audiences: ['us', 'subscribed'], count: 2 }, // p1 p7
      { audiences: ['buyers', 'subscribed'], count: 4 }, // p1 p3 p5 p7
      { audiences: ['us', 'buyers', 'subscribed'], count: 2 },
    ]);
    const exactly = Object.fromEntries(three.regions.map((r) => [r.audiences.join('+'), r.count]));
    expect(exactly).toEqual({ us: 0, buyers: 2, 'us+buyers': 1, subscribed: 0, 'us+subscribed': 0, 'buyers+subscribed': 2, 'us+buyers+subscribed': 2 });
    await expect(audienceOverlap(f.project, ['us'])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('snapshots membership: who entered, who left, and the size history', async () => {
    const first = await snapshotAudience(f.project, 'us', { at: new Date('2024-05-01T00:00:00Z') });
    expect(first).toMatchObject({ audience: 'us', size: 3, entered: 3, left: 0 });
    const again = await snapshotAudience(f.project, 'us', { at: new Date('2024-05-02T00:00:00Z') });
    expect(again).toMatchObject({ size: 3, entered: 0, left: 0 });

    const profiles = f.warehouse.dialect.relation({ schema: f.schema, name: 'profiles' });
    await f.warehouse.execute(`UPDATE ${profiles} SET country = 'US' WHERE profile_id = 'p2'`);
    await f.warehouse.execute(`UPDATE ${profiles} SET country = 'MX' WHERE profile_id IN ('p4', 'p7')`);
    const third = await snapshotAudience(f.project, 'us', { at: new Date('2024-05-03T00:00:00Z') });
    expect(third).toMatchObject({ size: 2, entered: 1, left: 2 });
    // Another audience's membership is untouched by this one's snapshots.
    expect(await snapshotAudience(f.project, 'subscribed', { at: new Date('2024-05-03T00:00:00Z') })).toMatchObject({ size: 4, entered: 4 });

    const tables = membershipTables(f.project);
    const d = f.warehouse.dialect;
    const current = await f.warehouse.query(
      `SELECT profile_id, entered_at FROM ${d.relation(tables.membership)} WHERE audience = 'us' ORDER BY profile_id`,
    );
    expect(current).toEqual([
      { profile_id: 'p1', entered_at: new Date('2024-05-01T00:00:00Z') },
      { profile_id: 'p2', entered_at: new Date('2024-05-03T00:00:00Z') },
    ]);
    expect(await audienceChanges(f.project, 'us')).toEqual([
      { profileId: 'p2', change: 'entered', at: new Date('2024-05-03T00:00:00Z') },
      { profileId: 'p4', change: 'left', at: new Date('2024-05-03T00:00:00Z') },
      { profileId: 'p7', change: 'left', at: new Date('2024-05-03T00:00:00Z') },
      { profileId: 'p1', change: 'entered', at: new Date('2024-05-01T00:00:00Z') },
      { profileId: 'p4', change: 'entered', at: new Date('2024-05-01T00:00:00Z') },
      { profileId: 'p7', change: 'entered', at: new Date('2024-05-01T00:00:00Z') },
    ]);
    expect(await audienceSizeHistory(f.project, 'us')).toEqual([
      { at: new Date('2024-05-03T00:00:00Z'), size: 2, entered: 1, left: 2, simulated: false },
      { at: new Date('2024-05-02T00:00:00Z'), size: 3, entered: 0, left: 0, simulated: false },
      { at: new Date('2024-05-01T00:00:00Z'), size: 3, entered: 3, left: 0, simulated: false },
    ]);
    // No staging tables are left behind.
    const leftovers = (await f.warehouse.listRelations(f.schema)).filter((r) => r.name.startsWith('audience_snapshot__'));
    expect(leftovers).toEqual([]);
  });

  it('compiles the members query for other dialects from the same catalog', async () => {
    const other = engine === 'duckdb' ? 'postgres' : 'duckdb';
    const { sql } = await compileAudience(f.project, 'vip', other);
    // Postgres LEFT JOINs each event subquery; DuckDB tests membership with IN / NOT IN.
    const start = `SELECT p.*\nFROM "${f.schema}"."profiles" AS p\n`;
    expect(sql.startsWith(other === 'postgres' ? `${start}LEFT JOIN (` : `${start}WHERE`)).toBe(true);
    if (other === 'duckdb') expect(sql).toContain('AND (EXISTS (\n    SELECT 1\n');
    expect(sql).toContain(other === 'postgres' ? 'AS TEXT' : 'AS VARCHAR');
  });
});

describe('audience preview edge cases (DuckDB)', () => {
  it('an empty all previews everyone', async () => {
    const f = await createFixture('duckdb');
    try {
      const preview = await previewAudience(f.project, { where: { all: [] } }, { limit: 2, traits: ['country'] });
      expect(preview).toMatchObject({ count: 8, total: 8, steps: [], sample: [{ profile_id: 'p1' }, { profile_id: 'p2' }] });
      expect((await previewAudience(f.project, { where: { any: [] } }, { limit: 0 })).count).toBe(0);
    } finally {
      await f.close();
    }
  });
});
