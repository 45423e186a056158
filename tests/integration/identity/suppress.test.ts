import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity, explainIdentifier } from '../../../src/identity/index.js';
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

  const storedKeys = async (keys: string[]) =>
    warehouse.query<{ record_key: string }>(
      `SELECT record_key FROM cdp.resolved_records WHERE record_key IN (${keys.map((k) => `'${k}'`).join(', ')})
       UNION ALL SELECT record_key FROM cdp._identity_records WHERE record_key IN (${keys.map((k) => `'${k}'`).join(', ')})
       UNION ALL SELECT record_key FROM cdp._identity_occurrences WHERE record_key IN (${keys.map((k) => `'${k}'`).join(', ')})
       UNION ALL SELECT record_key FROM cdp._identity_rejected WHERE record_key IN (${keys.map((k) => `'${k}'`).join(', ')})`,
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
    // Not even their record keys (with a NULL profile) stay in resolved_records or the state.
    expect(await profilesOf(aliceRecords)).toEqual([]);
    expect(await storedKeys(aliceRecords)).toEqual([]);
    const leftovers = await warehouse.query(
      `SELECT id_value FROM cdp.identity_graph WHERE id_value IN ('a1', 'u1', 'alice@gmail.com', '+14155550101')
       UNION ALL SELECT id_value FROM cdp.identity_dropped WHERE id_value IN ('a1', 'u1', 'alice@gmail.com', '+14155550101')`,
    );
    expect(leftovers).toEqual([]);
  });

  it('explain says a value is suppressed rather than never seen (an older table: no request id)', async () => {
    const e = await explainIdentifier(project, 'phone', '415.555.0101');
    expect(e).toMatchObject({ status: 'suppressed', normalized: '+14155550101', profileId: null, dropped: [], suppressed: { requestId: null, suppressedAt: null } });
    expect((await explainIdentifier(project, 'email', 'nobody@nowhere.org')).status).toBe('unknown');
  });

  it('keeps late-arriving rows of a suppressed person out too', async () => {
    await appendRows(warehouse, 'raw', { ...WEB, rows: [['w20', 'new-cookie', null, 'ALICE@GMAIL.COM', new Date(Date.UTC(2024, 0, 20))]] });
    const result = await buildIdentity(project);
    expect(result.mode).toBe('incremental');
    expect(await storedKeys(['w20'])).toEqual([]);
    expect(await warehouse.query(`SELECT id_value FROM cdp.identity_graph WHERE id_value = 'new-cookie'`)).toEqual([]);
  });

  it('an incremental build drops a stored record updated to carry a suppressed value, like a full rebuild', async () => {
    // frank's second web event now carries alice's (suppressed) email: the row leaves the graph.
    await warehouse.execute(`UPDATE raw.web_events SET email = 'Alice@Gmail.com', ts = TIMESTAMP '2024-01-21' WHERE event_id = 'w5'`);
    const result = await buildIdentity(project);
    expect(result.mode).toBe('incremental');
    expect(await storedKeys(['w5'])).toEqual([]);
    // frank's other identifiers are still linked by w4; the one only w5 carried is gone.
    const frank = await warehouse.query<{ id_value: string }>(
      `SELECT id_value FROM cdp.identity_graph WHERE profile_id = (SELECT profile_id FROM cdp.resolved_records WHERE record_key = 'w4') ORDER BY id_value`,
    );
    expect(frank.map((r) => r.id_value)).toEqual(['f9', 'frank@work.com', 'u4']);
    const incremental = await snapshot();
    await buildIdentity(project, { full: true });
    expect(await snapshot()).toEqual(incremental);
  });

  const snapshot = async () => ({
    resolved: await warehouse.query(`SELECT source, record_key, profile_id FROM cdp.resolved_records ORDER BY source, record_key`),
    records: await warehouse.query(`SELECT source, record_key, center FROM cdp._identity_records ORDER BY source, record_key`),
    graph: await warehouse.query(`SELECT profile_id, id_type, id_value FROM cdp.identity_graph ORDER BY id_type, id_value`),
    dropped: await warehouse.query(`SELECT id_type, id_value, reason, records FROM cdp.identity_dropped ORDER BY id_type, id_value, reason`),
  });
});
