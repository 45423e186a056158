import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { EXPECTED_GROUPS, fixtureConfig, TABLES } from './fixtures.js';
import { openDuckDb, profileGroups, TestProject, loadTables } from './helpers.js';

const profileIdOf = (type: string, value: string) => createHash('sha256').update(`${type}:${value}`).digest('hex').slice(0, 16);

describe('identity on DuckDB: the hand-made world', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await openDuckDb();
    await loadTables(warehouse, 'raw', TABLES);
    const project = new TestProject(fixtureConfig('raw', 'cdp', { maxRecordsPerValue: 3 }), warehouse);
    await buildIdentity(project, { full: true });
  });
  afterAll(async () => warehouse.close());

  it('groups records into the expected people', async () => {
    expect(await profileGroups(warehouse, 'cdp')).toEqual(EXPECTED_GROUPS);
  });

  it('keeps junk and unusable rows out of every profile', async () => {
    const rows = await warehouse.query<{ source: string; record_key: string }>(
      `SELECT source, record_key FROM cdp.resolved_records WHERE profile_id IS NULL ORDER BY source, record_key`,
    );
    expect(rows.map((r) => `${r.source}:${r.record_key}`)).toEqual(['crm_contacts:c5', 'web_events:w8']);
  });

  it('names profiles after their earliest-seen identifier', async () => {
    const [alice] = await warehouse.query<{ profile_id: string }>(`SELECT profile_id FROM cdp.resolved_records WHERE record_key = 'w2'`);
    expect(alice!.profile_id).toBe(profileIdOf('anonymous_id', 'a1'));
    const graph = await warehouse.query<{ id_type: string; id_value: string }>(
      `SELECT id_type, id_value FROM cdp.identity_graph WHERE profile_id = '${alice!.profile_id}' ORDER BY id_type, id_value`,
    );
    expect(graph).toEqual([
      { id_type: 'anonymous_id', id_value: 'a1' },
      { id_type: 'email', id_value: 'alice@gmail.com' },
      { id_type: 'phone', id_value: '+14155550101' },
      { id_type: 'user_id', id_value: 'u1' },
    ]);
  });

  it('audits every dropped value with its reason', async () => {
    const rows = await warehouse.query<{ id_type: string; id_value: string; reason: string; records: number }>(
      `SELECT id_type, id_value, reason, records FROM cdp.identity_dropped ORDER BY id_type, id_value, reason`,
    );
    expect(rows.map((r) => `${r.id_type}|${r.id_value}|${r.reason}|${r.records}`)).toEqual([
      'anonymous_id|unknown|junk|1',
      'device_id|d1|limit|3',
      'email|N/A|junk|1',
      'email|n/a|junk|1',
      'email|null|junk|1',
      'email|test@test.com|junk|3',
      'email|till@store.com|quarantine|4',
      'phone|000-000-0000|junk|1',
    ]);
  });

  it('builds golden records with survivorship rules and computed traits', async () => {
    const rows = await warehouse.query(
      `SELECT first_name, first_name_first, lifetime_value, order_count, sources, source_count, record_count, user_id_count, email_count, phone_count
       FROM cdp.profiles WHERE profile_id = '${profileIdOf('anonymous_id', 'a1')}'`,
    );
    expect(rows).toEqual([
      {
        first_name: 'Alicia',
        first_name_first: 'Alice',
        lifetime_value: 25,
        order_count: 2,
        sources: 'crm_contacts,orders,web_events',
        source_count: 3,
        record_count: 7,
        user_id_count: 1,
        email_count: 1,
        phone_count: 1,
      },
    ]);
    const [count] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM cdp.profiles`);
    expect(count!.n).toBe(EXPECTED_GROUPS.length);
  });
});
