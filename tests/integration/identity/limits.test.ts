import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { loadTables, openDuckDb, profileGroups, TestProject } from './helpers.js';

const ts = (day: number) => new Date(Date.UTC(2024, 0, day));
const cols = (...names: string[]) => [...names.map((name) => ({ name, kind: 'string' as const })), { name: 'ts', kind: 'timestamp' as const }];

function config(schema: string, relation: string, idTypes: Record<string, { priority: number; maxPerProfile?: number }>, ids: Record<string, string>): CdpConfigInput {
  return {
    schema,
    identity: { sources: [{ name: 'r', relation, key: 'k', timestamp: 'ts', ids }], idTypes },
  };
}

/** maxPerProfile and priority: which link is dropped, exactly. */
describe('limits', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await openDuckDb();
  });
  afterAll(async () => warehouse.close());

  it('a household email seen on both partners\' devices joins the partner seen first; the later device link is dropped', async () => {
    await loadTables(warehouse, 'raw1', [
      {
        name: 'r',
        columns: cols('k', 'user_id', 'email', 'device_id'),
        rows: [
          ['r1', 'u1', null, 'd1', ts(1)],
          ['r2', 'u2', null, 'd2', ts(2)],
          ['r3', null, 'home@family.net', 'd1', ts(3)],
          ['r4', null, 'home@family.net', 'd2', ts(4)],
        ],
      },
    ]);
    const result = await buildIdentity(
      new TestProject(
        config('out1', 'raw1.r', { user_id: { priority: 1, maxPerProfile: 1 }, email: { priority: 2 }, device_id: { priority: 3 } }, { user_id: 'user_id', email: 'email', device_id: 'device_id' }),
        warehouse,
      ),
    );
    expect(await profileGroups(warehouse, 'out1')).toEqual([['r:r1', 'r:r3', 'r:r4'], ['r:r2']]);
    expect(result.conflictRounds).toBe(2);
    const dropped = await warehouse.query(`SELECT id_type, id_value, reason, detail FROM out1.identity_dropped`);
    expect(dropped).toEqual([
      { id_type: 'device_id', id_value: 'd2', reason: 'limit', detail: 'would put more than 1 user_id value(s) in one profile (maxPerProfile 1)' },
    ]);
  });

  it('a more trusted link wins: the email that links two users is dropped, not the users\' own records', async () => {
    await loadTables(warehouse, 'raw2', [
      {
        name: 'r',
        columns: cols('k', 'user_id', 'email', 'anon'),
        rows: [
          ['r1', 'u1', 'shared@x.com', 'a1'],
          ['r2', 'u2', 'shared@x.com', 'a2'],
          ['r3', null, 'shared@x.com', 'a3'],
          ['r4', 'u1', null, 'a4'],
        ].map((row, i) => [...row, ts(i + 1)]),
      },
    ]);
    await buildIdentity(
      new TestProject(
        config('out2', 'raw2.r', { user_id: { priority: 1, maxPerProfile: 1 }, email: { priority: 2 }, anonymous_id: { priority: 3 } }, { user_id: 'user_id', email: 'email', anonymous_id: 'anon' }),
        warehouse,
      ),
    );
    // r1 and r4 share u1; the shared email links nobody, and its own record stands alone.
    expect(await profileGroups(warehouse, 'out2')).toEqual([['r:r1', 'r:r4'], ['r:r2'], ['r:r3']]);
  });

  it('a profile keeps its first maxPerProfile values of a limited type, by first sight', async () => {
    await loadTables(warehouse, 'raw3', [
      {
        name: 'r',
        columns: cols('k', 'user_id', 'email'),
        rows: [
          ['r1', 'u1', 'one@x.com', ts(1)],
          ['r2', 'u1', 'two@x.com', ts(2)],
          ['r3', 'u1', 'three@x.com', ts(3)],
          ['r4', null, 'three@x.com', ts(4)],
          ['r5', null, 'two@x.com', ts(5)],
        ],
      },
    ]);
    await buildIdentity(
      new TestProject(config('out3', 'raw3.r', { user_id: { priority: 1, maxPerProfile: 1 }, email: { priority: 2, maxPerProfile: 2 } }, { user_id: 'user_id', email: 'email' }), warehouse),
    );
    expect(await profileGroups(warehouse, 'out3')).toEqual([['r:r1', 'r:r2', 'r:r3', 'r:r5'], ['r:r4']]);
    const graph = await warehouse.query(`SELECT id_type, id_value FROM out3.identity_graph ORDER BY id_type, id_value`);
    expect(graph).toEqual([
      { id_type: 'email', id_value: 'one@x.com' },
      { id_type: 'email', id_value: 'three@x.com' },
      { id_type: 'email', id_value: 'two@x.com' },
      { id_type: 'user_id', id_value: 'u1' },
    ]);
    const [profile] = await warehouse.query<{ email_count: number }>(
      `SELECT p.email_count FROM out3.profiles p JOIN out3.resolved_records r ON r.profile_id = p.profile_id WHERE r.record_key = 'r1'`,
    );
    expect(profile!.email_count).toBe(2);
  });

  it('a 2,000-node chain converges in about ten rounds', async () => {
    // r_i = {e_i, p_i} and s_i = {e_(i+1), p_i}: emails chained through phones, 2,000 emails long.
    const rows: unknown[][] = [];
    for (let i = 0; i < 2000; i++) {
      rows.push([`r${i}`, `e${i}@chain.org`, `p${i}`, ts(1)]);
      rows.push([`s${i}`, `e${i + 1}@chain.org`, `p${i}`, ts(1)]);
    }
    await loadTables(warehouse, 'raw4', [{ name: 'r', columns: cols('k', 'email', 'phone'), rows }]);
    const result = await buildIdentity(
      new TestProject(config('out4', 'raw4.r', { email: { priority: 1 }, phone_ish: { priority: 2 } }, { email: 'email', phone_ish: 'phone' }), warehouse),
    );
    expect(result.profiles).toBe(1);
    expect(result.rounds).toBeGreaterThan(3);
    expect(result.rounds).toBeLessThanOrEqual(14);
  });
});
