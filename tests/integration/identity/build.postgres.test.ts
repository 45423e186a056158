import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { EXPECTED_GROUPS, fixtureConfig, TABLES } from './fixtures.js';
import { buildDemoIdentity } from './demo-accuracy.js';
import { dropSchemas, loadTables, openDuckDb, openPostgres, profileGroups, snapshot, TestProject, uniqueSchema } from './helpers.js';

/** The same config on Postgres and on DuckDB gives the same profiles, ids and traits. */
describe('identity on Postgres', () => {
  let pg: Warehouse;
  let duck: Warehouse;
  const raw = uniqueSchema('t_identity_raw');
  const out = uniqueSchema('t_identity_out');

  beforeAll(async () => {
    pg = await openPostgres();
    duck = await openDuckDb();
    await loadTables(pg, raw, TABLES);
    await loadTables(duck, raw, TABLES);
    const config = fixtureConfig(raw, out, { maxRecordsPerValue: 3 });
    await buildIdentity(new TestProject(config, pg), { full: true });
    await buildIdentity(new TestProject(config, duck), { full: true });
  });

  afterAll(async () => {
    await dropSchemas(pg, [raw, out]);
    await pg.close();
    await duck.close();
  });

  it('groups records into the expected people', async () => {
    expect(await profileGroups(pg, out)).toEqual(EXPECTED_GROUPS);
  });

  it('gives the same outputs as DuckDB, row for row', async () => {
    const q = (sql: string) => sql.replaceAll('$s', `"${out}"`);
    const queries = [
      q('SELECT source, record_key, profile_id FROM $s.resolved_records'),
      q('SELECT profile_id, id_type, id_value, first_seen, last_seen FROM $s.identity_graph'),
      q(
        'SELECT profile_id, sources, source_count, record_count, user_id_count, email_count, phone_count, device_id_count, anonymous_id_count, ' +
          'first_name, first_name_first, lifetime_value, order_count FROM $s.profiles',
      ),
      q('SELECT id_type, id_value, reason, records FROM $s.identity_dropped'),
    ];
    for (const sql of queries) {
      const [a, b] = [await snapshot(pg, sql), await snapshot(duck, sql)];
      expect(a.length).toBeGreaterThan(0);
      expect(a).toEqual(b);
    }
  });
});

/** The demo project's own identity config, on a small demo: same profiles on both engines. */
describe('identity on Postgres: the demo', () => {
  let pg: Warehouse;
  let duck: Warehouse;
  const raw = uniqueSchema('t_identity_demo_raw');
  const out = uniqueSchema('t_identity_demo_out');

  beforeAll(async () => {
    pg = await openPostgres();
    duck = await openDuckDb();
    await buildDemoIdentity(pg, 300, { raw, out });
    await buildDemoIdentity(duck, 300, { raw, out });
  });

  afterAll(async () => {
    await dropSchemas(pg, [out, raw]);
    await pg.close();
    await duck.close();
  });

  it('gives the same resolved records, graph and profiles as DuckDB', async () => {
    const q = (sql: string) => sql.replaceAll('$s', `"${out}"`);
    const queries = [
      q('SELECT source, record_key, profile_id FROM $s.resolved_records'),
      q('SELECT profile_id, id_type, id_value, first_seen, last_seen FROM $s.identity_graph'),
      q(
        'SELECT profile_id, sources, record_count, email, first_name, city, country, lifetime_value, order_count, first_seen_at, ' +
          'email_clicks, ticket_count FROM $s.profiles',
      ),
      q('SELECT id_type, id_value, reason, detail, records FROM $s.identity_dropped'),
    ];
    for (const sql of queries) {
      const [a, b] = [await snapshot(pg, sql), await snapshot(duck, sql)];
      expect(a.length).toBeGreaterThan(10);
      expect(a).toEqual(b);
    }
  });
});
