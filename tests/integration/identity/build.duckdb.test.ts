import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import type { HeldSession, Warehouse, WarehouseSession } from '../../../src/warehouse/index.js';
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

/** `session` with every statement it (and its transactions) runs appended to `log`. */
function recorded<T extends WarehouseSession>(session: T, log: string[]): T {
  return new Proxy(session, {
    get(target, prop) {
      if (prop === 'execute' || prop === 'query') {
        return (sql: string, params?: unknown[]) => {
          log.push(sql);
          return (target[prop] as (sql: string, params?: unknown[]) => Promise<unknown>)(sql, params);
        };
      }
      if (prop === 'transaction') return (work: (inner: WarehouseSession) => Promise<unknown>) => (target as unknown as HeldSession).transaction((inner) => work(recorded(inner, log)));
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('identity on DuckDB: what is in memory when the commit starts', () => {
  it('drops every temporary scratch table the commit does not read before it, and the ones it copied after the state is written', async () => {
    const warehouse = await openDuckDb();
    try {
      await loadTables(warehouse, 'raw', TABLES);
      const log: string[] = [];
      const withSession = warehouse.withSession.bind(warehouse);
      warehouse.withSession = (work) => withSession((session) => work(recorded(session, log)));
      await buildIdentity(new TestProject(fixtureConfig('raw', 'cdp', { maxRecordsPerValue: 3 }), warehouse), { full: true });
      expect(await profileGroups(warehouse, 'cdp')).toEqual(EXPECTED_GROUPS);
      // Temporary tables alive before each statement, from the statements themselves.
      const alive = new Set<string>();
      const aliveAt = (until: (sql: string) => boolean): Set<string> => {
        alive.clear();
        for (const sql of log) {
          if (until(sql)) return new Set(alive);
          const created = /^CREATE OR REPLACE TEMPORARY TABLE temp\.main\."(\w+)"/.exec(sql);
          if (created) alive.add(created[1]!);
          const dropped = /^DROP TABLE IF EXISTS temp\.main\."(\w+)"/.exec(sql);
          if (dropped) alive.delete(dropped[1]!);
          const renamed = /^ALTER TABLE temp\.main\."(\w+)" RENAME TO "(\w+)"/.exec(sql);
          if (renamed && alive.delete(renamed[1]!)) alive.add(renamed[2]!);
        }
        throw new Error('statement not found');
      };
      const tmp = (names: string[]) => names.map((name) => `_identity_tmp_${name}`).sort();
      // Not vacuous: the staged values and the records' centers were temporary tables of this build.
      expect([...aliveAt((sql) => sql.includes('_identity_tmp_graph_nodes'))]).toEqual(expect.arrayContaining(tmp(['stage_values', 'centers'])));
      const atCommit = aliveAt((sql) => sql.includes('"cdp"."_identity_nodes"'));
      expect([...atCommit].sort()).toEqual(expect.arrayContaining(tmp(['dict', 'vals', 'stage_rejected'])));
      for (const name of atCommit) expect(tmp(['stage_rejected', 'dict', 'vals', 'gone', 'updated', 'merges', 'touched', 'suppressed_stored'])).toContain(name);
      const atProfiles = aliveAt((sql) => sql.includes('_identity_tmp_profile_'));
      for (const name of atProfiles) expect(tmp(['gone', 'merges', 'touched'])).toContain(name);
    } finally {
      await warehouse.close();
    }
  });
});
