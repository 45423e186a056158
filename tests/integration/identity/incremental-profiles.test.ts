import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { fixtureConfig, TABLES, WEB } from './fixtures.js';
import { appendRows, dropSchemas, loadTables, openDuckDb, openPostgres, snapshot, TestProject, uniqueSchema } from './helpers.js';


/** The profile of one record (`resolved`: the quoted resolved_records relation). */
async function profileOf(warehouse: Warehouse, resolved: string, key: string): Promise<string> {
  const rows = await warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM ${resolved} WHERE record_key = '${key}'`);
  return rows[0]!.profile_id;
}

describe('incremental profile builds', () => {
  let warehouse: Warehouse;

  beforeAll(async () => {
    warehouse = await openDuckDb();
    await loadTables(warehouse, 'raw', TABLES);
  });
  afterAll(async () => warehouse.close());

  for (const engine of ['duckdb', 'postgres'] as const) {
    it(`recomputes only the profiles the new rows touch, and equals a full rebuild (${engine})`, async () => {
      const pg = engine === 'postgres' ? await openPostgres() : null;
      const w = pg ?? warehouse;
      const raw = engine === 'postgres' ? uniqueSchema('t_ip_raw') : 'raw';
      const [inc, full] = engine === 'postgres' ? [uniqueSchema('t_ip'), uniqueSchema('t_ip_full')] : ['ip', 'ip_full'];
      const rel = (schema: string, name: string) => w.dialect.relation({ schema, name });
      try {
        if (pg) await loadTables(pg, raw, TABLES);
        const project = new TestProject(fixtureConfig(raw, inc), w);
        await buildIdentity(project);
        // A marker on carol's profile (app_events p2), which the new rows below do not touch: an
        // incremental build that recomputed every profile would overwrite it.
        const carol = await profileOf(w, rel(inc, 'resolved_records'), 'p2');
        await w.execute(`UPDATE ${rel(inc, 'profiles')} SET order_count = 999 WHERE profile_id = '${carol}'`);
        const alice = await profileOf(w, rel(inc, 'resolved_records'), 'w1');
        const recordCount = async (id: string) =>
          Number((await w.query<{ record_count: number }>(`SELECT record_count FROM ${rel(inc, 'profiles')} WHERE profile_id = '${id}'`))[0]!.record_count);
        const before = await recordCount(alice);

        await appendRows(w, raw, {
          ...WEB,
          rows: [
            ['w20', 'a20', 'u20', 'newcomer@x.com', new Date(Date.UTC(2024, 0, 12))],
            ['w21', 'a1', null, null, new Date(Date.UTC(2024, 0, 12))],
          ],
        });
        const second = await buildIdentity(project);
        expect(second.mode).toBe('incremental');

        const [marked] = await w.query<{ order_count: number }>(`SELECT order_count FROM ${rel(inc, 'profiles')} WHERE profile_id = '${carol}'`);
        expect(Number(marked!.order_count)).toBe(999);
        // Alice's new event (her cookie a1) and the newcomer are in.
        expect(await recordCount(alice)).toBe(before + 1);
        const newcomer = await profileOf(w, rel(inc, 'resolved_records'), 'w20');
        expect(await w.query(`SELECT profile_id FROM ${rel(inc, 'profiles')} WHERE profile_id = '${newcomer}'`)).toHaveLength(1);

        // Without the marker, the profiles are exactly a full rebuild's.
        await w.execute(`UPDATE ${rel(inc, 'profiles')} SET order_count = NULL WHERE profile_id = '${carol}'`);
        await buildIdentity(new TestProject(fixtureConfig(raw, full), w), { full: true });
        expect(await snapshot(w, `SELECT * FROM ${rel(inc, 'profiles')}`)).toEqual(await snapshot(w, `SELECT * FROM ${rel(full, 'profiles')}`));
      } finally {
        if (pg) {
          await dropSchemas(pg, [raw, inc, full]);
          await pg.close();
        }
      }
    });
  }

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
