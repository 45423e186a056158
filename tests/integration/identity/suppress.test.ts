import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { fixtureConfig, TABLES, WEB } from './fixtures.js';
import { appendRows, loadTables, openDuckDb, TestProject } from './helpers.js';

/** identity_suppressions (written by privacy tooling): a deleted person never reappears. */
describe('suppressed identifiers', () => {
  let warehouse: Warehouse;
  let project: TestProject;
  beforeAll(async () => {
    warehouse = await openDuckDb();
    await loadTables(warehouse, 'raw', TABLES);
    project = new TestProject(fixtureConfig('raw', 'cdp', { maxRecordsPerValue: 3 }), warehouse);
    await buildIdentity(project);
  });
  afterAll(async () => warehouse.close());

  const aliceRecords = ['c1', 'c2', 'o1', 'o2', 'w1', 'w2', 'w3'];
  const profilesOf = async (keys: string[]) =>
    warehouse.query<{ record_key: string; profile_id: string | null }>(
      `SELECT record_key, profile_id FROM cdp.resolved_records WHERE record_key IN (${keys.map((k) => `'${k}'`).join(', ')}) ORDER BY record_key`,
    );

  it('removes every record carrying a suppressed value from the graph, and keeps none of their values', async () => {
    const [alice] = await warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM cdp.resolved_records WHERE record_key = 'w2'`);
    // The privacy tooling suppresses all of the profile's identifiers (values as typed are fine: they are normalised).
    await warehouse.execute(
      `CREATE TABLE cdp.identity_suppressions AS SELECT id_type, id_value FROM cdp.identity_graph WHERE profile_id = '${alice!.profile_id}'
       UNION ALL SELECT 'phone', '(415) 555-0101'`,
    );
    const result = await buildIdentity(project);
    expect(result.mode).toBe('full');
    expect((await profilesOf(aliceRecords)).every((r) => r.profile_id === null)).toBe(true);
    const leftovers = await warehouse.query(
      `SELECT id_value FROM cdp.identity_graph WHERE id_value IN ('a1', 'u1', 'alice@gmail.com', '+14155550101')
       UNION ALL SELECT id_value FROM cdp.identity_dropped WHERE id_value IN ('a1', 'u1', 'alice@gmail.com', '+14155550101')`,
    );
    expect(leftovers).toEqual([]);
  });

  it('keeps late-arriving rows of a suppressed person out too', async () => {
    await appendRows(warehouse, 'raw', { ...WEB, rows: [['w20', 'new-cookie', null, 'ALICE@GMAIL.COM', new Date(Date.UTC(2024, 0, 20))]] });
    const result = await buildIdentity(project);
    expect(result.mode).toBe('incremental');
    expect(await profilesOf(['w20'])).toEqual([{ record_key: 'w20', profile_id: null }]);
    expect(await warehouse.query(`SELECT id_value FROM cdp.identity_graph WHERE id_value = 'new-cookie'`)).toEqual([]);
  });
});
