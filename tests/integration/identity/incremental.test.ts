import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { generateDemo } from '../../../src/demo/index.js';
import { buildIdentity, type IdentityBuildResult } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { APP, CRM, fixtureConfig, ORDERS, TABLES, WEB } from './fixtures.js';
import { appendRows, loadTables, openDuckDb, profileGroups, snapshot, TestProject } from './helpers.js';

const ts = (day: number) => new Date(Date.UTC(2024, 0, day));

/** Outputs that must not depend on how the graph was built. */
const OUTPUT_QUERIES = [
  'SELECT source, record_key, profile_id FROM $s.resolved_records',
  'SELECT profile_id, id_type, id_value, first_seen, last_seen FROM $s.identity_graph',
  'SELECT * FROM $s.profiles',
  'SELECT id_type, id_value, reason, detail, records, first_seen, last_seen FROM $s.identity_dropped',
];

describe('incremental identity builds', () => {
  let warehouse: Warehouse;
  let first: IdentityBuildResult;
  let second: IdentityBuildResult;
  let frankBefore: string;
  let graceBefore: string;

  beforeAll(async () => {
    warehouse = await openDuckDb();
    await loadTables(warehouse, 'raw', TABLES);
    const incremental = new TestProject(fixtureConfig('raw', 'inc', { maxRecordsPerValue: 3 }), warehouse);
    first = await buildIdentity(incremental);
    const profileOf = async (key: string) =>
      (await warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM inc.resolved_records WHERE record_key = '${key}'`))[0]!.profile_id;
    frankBefore = await profileOf('w4');
    graceBefore = await profileOf('o5');

    // New rows: a new person, new identifiers for known people, a record linking two profiles,
    // a cookie that now also shows another user (its links must be dropped), and an updated contact.
    await appendRows(warehouse, 'raw', { ...WEB, rows: [['w9', 'a9', null, 'frank@work.com', ts(9)], ['w10', 'a1', 'u4', null, ts(9)]] });
    await appendRows(warehouse, 'raw', { ...APP, rows: [['p5', 'd3', 'u5', ts(9)]] });
    await appendRows(warehouse, 'raw', {
      ...ORDERS,
      rows: [
        ['o14', 'grace@x.com', '212-555-0199', 7, ts(9)],
        ['o15', 'till@store.com', '(303) 555-0114', 1, ts(9)],
      ],
    });
    await appendRows(warehouse, 'raw', {
      ...CRM,
      rows: [
        ['c6', 'dave@d.com', '646 555 0144', null, 'Dave', ts(9)],
        ['c7', 'FRANK@home.net', '(212) 555-0199', null, 'Frank', ts(10)],
      ],
    });
    await warehouse.execute(`UPDATE raw.crm_contacts SET email = 'alice2@gmail.com', updated_at = TIMESTAMP '2024-01-11' WHERE contact_id = 'c1'`);

    second = await buildIdentity(incremental);
    await buildIdentity(new TestProject(fixtureConfig('raw', 'rebuilt', { maxRecordsPerValue: 3 }), warehouse), { full: true });
  });
  afterAll(async () => warehouse.close());

  it('reads only the rows since the last build', () => {
    expect(first.mode).toBe('full');
    expect(second.mode).toBe('incremental');
    // The 8 new or updated rows; not the 30 rows already built (nor the 10 of them stamped exactly at
    // a source's watermark, which are read again but recognised by key and timestamp).
    expect(first.rowsRead).toBe(30);
    expect(second.rowsRead).toBe(8);
  });

  it('gives exactly what a full rebuild gives', async () => {
    for (const query of OUTPUT_QUERIES) {
      const [inc, full] = [await snapshot(warehouse, query.replace('$s', 'inc')), await snapshot(warehouse, query.replace('$s', 'rebuilt'))];
      expect(inc.length).toBeGreaterThan(0);
      expect(inc).toEqual(full);
    }
    expect(await profileGroups(warehouse, 'inc')).toEqual(await profileGroups(warehouse, 'rebuilt'));
  });

  it('merges frank into grace (the older profile) and records the merge', async () => {
    const [row] = await warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM inc.resolved_records WHERE record_key = 'w4'`);
    expect(row!.profile_id).toBe(graceBefore);
    const merges = await warehouse.query<{ old_profile_id: string; profile_id: string }>(`SELECT old_profile_id, profile_id FROM inc.profile_merges`);
    expect(merges).toEqual([{ old_profile_id: frankBefore, profile_id: graceBefore }]);
  });

  it('drops the links of a cookie seen with two users, splitting it off alice', async () => {
    const groups = await profileGroups(warehouse, 'inc');
    expect(groups).toContainEqual(['web_events:w1']);
    expect(groups.find((g) => g.includes('web_events:w10'))).toContain('web_events:w4');
    const limited = await warehouse.query(`SELECT id_value FROM inc.identity_dropped WHERE reason = 'limit' ORDER BY id_value`);
    expect(limited).toEqual([{ id_value: 'a1' }, { id_value: 'd1' }]);
  });
  it('releases a quarantined value when updates take its links away, like a full rebuild', async () => {
    // Three of the five till orders are corrected (no email): the till email now links two phones.
    await warehouse.execute(
      `UPDATE raw.orders SET email = NULL, ordered_at = TIMESTAMP '2024-01-12' WHERE order_id IN ('o10', 'o11', 'o12')`,
    );
    const third = await buildIdentity(new TestProject(fixtureConfig('raw', 'inc', { maxRecordsPerValue: 3 }), warehouse));
    expect(third.mode).toBe('incremental');
    await buildIdentity(new TestProject(fixtureConfig('raw', 'rebuilt2', { maxRecordsPerValue: 3 }), warehouse), { full: true });
    for (const query of OUTPUT_QUERIES) {
      expect(await snapshot(warehouse, query.replace('$s', 'inc'))).toEqual(await snapshot(warehouse, query.replace('$s', 'rebuilt2')));
    }
    const groups = await profileGroups(warehouse, 'inc');
    expect(groups).toContainEqual(['orders:o13', 'orders:o15']);
    expect(await warehouse.query(`SELECT reason FROM inc.identity_dropped WHERE id_value = 'till@store.com'`)).toEqual([]);
  });
});

/** The demo, revealed in three slices of time: after each incremental build, the same as a full rebuild. */
describe('incremental builds on the demo data', () => {
  let warehouse: Warehouse;
  afterAll(async () => warehouse?.close());

  it('matches a full rebuild after each slice', async () => {
    warehouse = await openDuckDb();
    await generateDemo(warehouse, { people: 400, seed: 11, referenceDate: new Date(Date.UTC(2025, 0, 1)), schema: 'raw' });
    const root = (await import('../../../cdp.config.js')).default as unknown as CdpConfigInput;
    await warehouse.execute(`CREATE SCHEMA cdp`);
    await warehouse.execute(`CREATE TABLE cdp.cutoff AS SELECT TIMESTAMP '2024-06-01' AS ts`);
    for (const source of root.identity!.sources) {
      const table = source.relation.replace(/^stg_/, '');
      await warehouse.execute(
        `CREATE VIEW cdp.${source.relation} AS SELECT * FROM raw.${table} WHERE ${source.timestamp} < (SELECT ts FROM cdp.cutoff)`,
      );
    }
    // Consent decisions arrive over time too (resolved in full on every build, incremental or not).
    for (const source of root.privacy?.consent?.sources ?? []) {
      const table = source.relation.replace(/^stg_/, '');
      await warehouse.execute(
        `CREATE VIEW cdp.${source.relation} AS SELECT * FROM raw.${table} WHERE ${source.timestamp} < (SELECT ts FROM cdp.cutoff)`,
      );
    }
    const config = (schema: string): CdpConfigInput => ({ ...root, schema, models: { path: 'models', schema: 'cdp' } });
    const incremental = new TestProject(config('inc'), warehouse);
    await buildIdentity(incremental);
    for (const [i, cutoff] of ['2024-09-01', '2025-01-02'].entries()) {
      await warehouse.execute(`UPDATE cdp.cutoff SET ts = TIMESTAMP '${cutoff}'`);
      const result = await buildIdentity(incremental);
      expect(result.mode).toBe('incremental');
      await buildIdentity(new TestProject(config(`rebuilt${i}`), warehouse), { full: true });
      for (const query of OUTPUT_QUERIES) {
        const [inc, full] = [await snapshot(warehouse, query.replace('$s', 'inc')), await snapshot(warehouse, query.replace('$s', `rebuilt${i}`))];
        expect(inc.length).toBeGreaterThan(0);
        expect(inc).toEqual(full);
      }
    }
  });
});
