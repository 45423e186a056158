/**
 * Splits and holdouts (issue #17) on DuckDB and Postgres: a member's group is the hash of (salt,
 * profile_id) computed here independently in Node, it does not move when the audience narrows,
 * stratified groups keep each stratum's mix, and previews, sync rows and snapshots carry the group.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceMembersSql, compileAudience, membershipTables, previewAudience, saveAudience, snapshotAudience, type AudienceDefinition } from '../../../src/audiences/index.js';
import { createFixture, ENGINES, type Fixture } from './fixture.js';

const PROFILES = 2_000;
const ids = Array.from({ length: PROFILES }, (_, i) => `u${i}`);
const scoreOf = (i: number) => (i * 37) % 100;
const countryOf = (i: number) => (i % 10 < 7 ? 'US' : i % 10 < 9 ? 'DE' : 'FR');

/** The group as documented: bucket = first 15 hex digits of SHA-256("<salt>:<profile_id>") mod 10000. */
function expectedGroup(salt: string, id: string, groups: Array<[string, number]>): string {
  const bucket = Number(BigInt(`0x${createHash('sha256').update(`${salt}:${id}`).digest('hex').slice(0, 15)}`) % 10_000n);
  let bound = 0;
  for (const [name, percent] of groups) {
    bound += percent * 100;
    if (bucket < bound) return name;
  }
  return groups.at(-1)![0];
}

describe.each(ENGINES)('splits on %s', (engine) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await createFixture(engine, { load: false });
    const w = f.warehouse;
    await w.loadTable(
      { schema: f.schema, name: 'profiles' },
      [
        { name: 'profile_id', kind: 'string' },
        { name: 'country', kind: 'string' },
        { name: 'score', kind: 'integer' },
      ],
      [ids.map((id, i) => [id, countryOf(i), scoreOf(i)])],
    );
    const eventColumns = [
      { name: 'event_id', kind: 'string' },
      { name: 'event', kind: 'string' },
      { name: 'ts', kind: 'timestamp' },
    ] as const;
    for (const name of ['web_events', 'app_events']) await w.loadTable({ schema: f.schema, name }, [...eventColumns], [[]]);
    await w.loadTable({ schema: f.schema, name: 'orders' }, [{ name: 'order_id', kind: 'integer' }, { name: 'customer', kind: 'string' }, { name: 'ordered_at', kind: 'timestamp' }], [[]]);
    await w.loadTable({ schema: f.schema, name: 'resolved_records' }, [{ name: 'source', kind: 'string' }, { name: 'record_key', kind: 'string' }, { name: 'profile_id', kind: 'string' }], [[]]);
  });
  afterAll(async () => {
    await f?.close();
  });

  const GROUPS: Array<[string, number]> = [
    ['treatment', 80],
    ['holdout', 20],
  ];
  const split = (min: number, extra: Record<string, unknown> = {}): AudienceDefinition => ({
    where: { trait: 'score', op: 'gte', value: min },
    splits: { groups: GROUPS.map(([name, percent]) => ({ name, percent })), salt: 'spring', ...extra },
  });

  async function groups(definition: AudienceDefinition): Promise<Map<string, string>> {
    const { sql } = await compileAudience(f.project, definition);
    const rows = await f.warehouse.query<{ profile_id: string; split: string }>(`SELECT profile_id, split FROM (${sql}) m`);
    return new Map(rows.map((r) => [r.profile_id, r.split]));
  }

  it('puts each member in the group its hash says, in about the groups’ shares', async () => {
    const all = await groups(split(0));
    expect(all.size).toBe(PROFILES);
    for (const [id, group] of all) expect(group, id).toBe(expectedGroup('spring', id, GROUPS));
    const holdout = [...all.values()].filter((g) => g === 'holdout').length;
    expect(holdout / PROFILES).toBeGreaterThan(0.17);
    expect(holdout / PROFILES).toBeLessThan(0.23);
  });

  it('keeps every member’s group when the audience narrows or grows; another salt reshuffles', async () => {
    const wide = await groups(split(0));
    const narrow = await groups(split(60));
    expect(narrow.size).toBe(ids.filter((_, i) => scoreOf(i) >= 60).length);
    for (const [id, group] of narrow) expect(group, id).toBe(wide.get(id));
    const salted = await groups(split(0, { salt: 'autumn' }));
    expect([...salted].filter(([id, g]) => wide.get(id) !== g).length).toBeGreaterThan(PROFILES / 5);
  });

  it('stratified: every group holds each stratum in the same proportion (to one member)', async () => {
    const byGroup = await groups(split(0, { stratify: ['country'] }));
    for (const country of ['US', 'DE', 'FR']) {
      const members = ids.filter((_, i) => countryOf(i) === country);
      const holdout = members.filter((id) => byGroup.get(id) === 'holdout').length;
      expect(Math.abs(holdout - members.length * 0.2), country).toBeLessThanOrEqual(1);
    }
  });

  it('previews with a split column, sends one group, snapshots the groups', async () => {
    await saveAudience(f.project, { name: 'spring_test', ...split(50) });
    const preview = await previewAudience(f.project, 'spring_test', { limit: 5, traits: ['score'] });
    expect(preview.columns).toEqual(['profile_id', 'score', 'split']);
    for (const row of preview.sample) expect(row.split).toBe(expectedGroup('spring', String(row.profile_id), GROUPS));

    const holdoutSql = await audienceMembersSql(f.project, 'spring_test', { split: 'holdout' });
    const holdout = await f.warehouse.query<{ profile_id: string; split: string }>(`SELECT profile_id, split FROM (${holdoutSql}) m`);
    const expected = ids.filter((id, i) => scoreOf(i) >= 50 && expectedGroup('spring', id, GROUPS) === 'holdout');
    expect(holdout.map((r) => r.profile_id).sort()).toEqual(expected.sort());
    await expect(audienceMembersSql(f.project, 'spring_test', { split: 'control' })).rejects.toThrow(/no split group `control`.*|use one of: treatment, holdout/);

    const snapshot = await snapshotAudience(f.project, 'spring_test');
    const { splits } = membershipTables(f.project);
    const d = f.warehouse.dialect;
    const stored = await f.warehouse.query<{ split: string; n: number | bigint }>(
      `SELECT split, COUNT(*) AS n FROM ${d.relation(splits)} WHERE audience = 'spring_test' GROUP BY split ORDER BY split`,
    );
    expect(stored.map((r) => [r.split, Number(r.n)])).toEqual([
      ['holdout', expected.length],
      ['treatment', snapshot.size - expected.length],
    ]);
  });
});
