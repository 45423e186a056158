import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { fixtureConfig, TABLES, WEB } from './fixtures.js';
import { appendRows, loadTables, openDuckDb, snapshot, TestProject } from './helpers.js';

const PROFILES = 'SELECT * FROM $s.profiles';

/** The profile of one record. */
async function profileOf(warehouse: Warehouse, schema: string, key: string): Promise<string> {
  const rows = await warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM ${schema}.resolved_records WHERE record_key = '${key}'`);
  return rows[0]!.profile_id;
}

describe('incremental profile builds', () => {
  let warehouse: Warehouse;

  beforeAll(async () => {
    warehouse = await openDuckDb();
    await loadTables(warehouse, 'raw', TABLES);
  });
  afterAll(async () => warehouse.close());

  it('recomputes only the profiles the new rows touch, and equals a full rebuild', async () => {
    const project = new TestProject(fixtureConfig('raw', 'ip'), warehouse);
    await buildIdentity(project);
    // A marker on carol's profile (app_events p2), which the new rows below do not touch: an
    // incremental build that recomputed every profile would overwrite it.
    const carol = await profileOf(warehouse, 'ip', 'p2');
    await warehouse.execute(`UPDATE ip.profiles SET order_count = 999 WHERE profile_id = '${carol}'`);
    const alice = await profileOf(warehouse, 'ip', 'w1');
    const [before] = await warehouse.query<{ record_count: number }>(`SELECT record_count FROM ip.profiles WHERE profile_id = '${alice}'`);

    await appendRows(warehouse, 'raw', {
      ...WEB,
      rows: [
        ['w20', 'a20', 'u20', 'newcomer@x.com', new Date(Date.UTC(2024, 0, 12))],
        ['w21', 'a1', null, null, new Date(Date.UTC(2024, 0, 12))],
      ],
    });
    const second = await buildIdentity(project);
    expect(second.mode).toBe('incremental');

    const [marked] = await warehouse.query<{ order_count: number }>(`SELECT order_count FROM ip.profiles WHERE profile_id = '${carol}'`);
    expect(Number(marked!.order_count)).toBe(999);
    // Alice's new event (her cookie a1) and the newcomer are in.
    const [after] = await warehouse.query<{ record_count: number }>(`SELECT record_count FROM ip.profiles WHERE profile_id = '${alice}'`);
    expect(Number(after!.record_count)).toBe(Number(before!.record_count) + 1);
    const newcomer = await profileOf(warehouse, 'ip', 'w20');
    expect(await warehouse.query(`SELECT profile_id FROM ip.profiles WHERE profile_id = '${newcomer}'`)).toHaveLength(1);

    // Without the marker, the profiles are exactly a full rebuild's.
    await warehouse.execute(`UPDATE ip.profiles SET order_count = NULL WHERE profile_id = '${carol}'`);
    await buildIdentity(new TestProject(fixtureConfig('raw', 'ip_full'), warehouse), { full: true });
    expect(await snapshot(warehouse, PROFILES.replace('$s', 'ip'))).toEqual(await snapshot(warehouse, PROFILES.replace('$s', 'ip_full')));
  });

  it('rebuilds every profile when the traits change, even when the graph is built incrementally', async () => {
    const config = fixtureConfig('raw', 'ipt');
    await buildIdentity(new TestProject(config, warehouse));
    await warehouse.execute(`UPDATE ipt.profiles SET order_count = 999`);
    const traits = { ...config.profiles!.traits!, last_order: { source: 'orders', sql: 'max(ordered_at)' } };
    const changed: CdpConfigInput = { ...config, profiles: { ...config.profiles, traits } };
    const second = await buildIdentity(new TestProject(changed, warehouse));
    expect(second.mode).toBe('incremental');
    const rows = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ipt.profiles WHERE order_count = 999 OR last_order IS NULL AND order_count IS NOT NULL`);
    expect(Number(rows[0]!.n)).toBe(0);
  });

  it('joins integer record keys as integers, with the same traits as text keys', async () => {
    // The orders again, keyed by a BIGINT (o7 -> 7).
    await warehouse.execute(
      `CREATE TABLE raw.orders_int AS SELECT CAST(SUBSTR(order_id, 2) AS BIGINT) AS order_id, email, phone, amount, ordered_at FROM raw.orders`,
    );
    const config = fixtureConfig('raw', 'ipi');
    const sources = config.identity!.sources.map((s) => (s.name === 'orders' ? { ...s, relation: 'raw.orders_int' } : s));
    await buildIdentity(new TestProject({ ...config, identity: { ...config.identity!, sources } }, warehouse));
    await buildIdentity(new TestProject(fixtureConfig('raw', 'ipt_text'), warehouse));
    const traits = 'SELECT profile_id, lifetime_value, order_count, first_name FROM $s.profiles';
    const integer = await snapshot(warehouse, traits.replace('$s', 'ipi'));
    expect(integer.some((row) => row.includes('"order_count":2'))).toBe(true);
    expect(integer).toEqual(await snapshot(warehouse, traits.replace('$s', 'ipt_text')));
  });
});
