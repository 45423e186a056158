/**
 * Splits per identity build (src/identity/splits.ts), stored with the build in `_identity_runs`:
 * a record that moves out of a profile (its shared phone changes) splits the profile it was in,
 * in an incremental build and in a full one; a build that changes nothing splits nothing. The
 * dashboards' history reads the same figure (null for a build recorded before splits were
 * counted, whose table gets the column on the next build). DuckDB and Postgres count the same.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import { HistoryService } from '../../../src/server/services/history.js';
import type { ColumnDef, Warehouse } from '../../../src/warehouse/index.js';
import { appendRows, dropSchemas, loadTables, openDuckDb, openPostgres, TestProject, uniqueSchema, type TableSpec } from './helpers.js';

const COLUMNS: ColumnDef[] = [
  { name: 'contact_id', kind: 'string' },
  { name: 'email', kind: 'string' },
  { name: 'phone', kind: 'string' },
  { name: 'updated_at', kind: 'timestamp' },
];
const day = (d: number) => new Date(Date.UTC(2024, 0, d));
/** Ann and Bob share a phone (one profile); Cat is alone. */
const CONTACTS: TableSpec = {
  name: 'contacts',
  columns: COLUMNS,
  rows: [
    ['c1', 'ann@x.io', '415-555-0101', day(1)],
    ['c2', 'bob@x.io', '415-555-0101', day(1)],
    ['c3', 'cat@x.io', '415-555-0199', day(1)],
  ],
};

function config(raw: string, schema: string): CdpConfigInput {
  return {
    warehouse: { type: 'duckdb', path: ':memory:' },
    schema,
    identity: {
      sources: [{ name: 'contacts', relation: `${raw}.contacts`, key: 'contact_id', timestamp: 'updated_at', ids: { email: 'email', phone: 'phone' } }],
      idTypes: { email: { priority: 1, normalize: 'email' }, phone: { priority: 2, normalize: 'phone', defaultRegion: 'US' } },
    },
  };
}

const results = new Map<string, unknown>();

describe.each([
  { name: 'duckdb', open: openDuckDb },
  { name: 'postgres', open: openPostgres },
])('splits per build on $name', ({ name, open }) => {
  let warehouse: Warehouse | undefined;
  const raw = uniqueSchema('t_split_raw');
  const schema = uniqueSchema('t_split');

  afterAll(async () => {
    if (!warehouse) return;
    if (name === 'postgres') await dropSchemas(warehouse, [raw, schema]);
    await warehouse.close();
  });

  it('a record moving out splits its profile (incremental and full builds); no change, no split', async () => {
    warehouse = await open();
    await loadTables(warehouse, raw, [CONTACTS]);
    const project = new TestProject(config(raw, schema), warehouse);
    const contacts = warehouse.dialect.relation({ schema: raw, name: 'contacts' });

    const first = await buildIdentity(project);
    expect(first.profiles).toBe(2);
    // As a build before splits were counted left it: the next build adds the column back.
    await warehouse.execute(`ALTER TABLE ${warehouse.dialect.relation({ schema, name: '_identity_runs' })} DROP COLUMN splits`);
    // Bob's record now carries a phone of his own: he moves out of Ann's profile.
    await warehouse.execute(`UPDATE ${contacts} SET phone = '415-555-0177', updated_at = TIMESTAMP '2024-01-05 00:00:00' WHERE contact_id = 'c2'`);
    const second = await buildIdentity(project);
    expect(second.mode).toBe('incremental');
    expect(second.profiles).toBe(3);
    // Dan joins Cat by her phone (no split), then a full build that changes nothing.
    await appendRows(warehouse, raw, { ...CONTACTS, rows: [['c4', 'dan@x.io', '415-555-0199', day(6)]] });
    await buildIdentity(project);
    await buildIdentity(project, { full: true });
    // Dan moves out of Cat's profile, seen by a full build.
    await warehouse.execute(`UPDATE ${contacts} SET phone = '415-555-0188', updated_at = TIMESTAMP '2024-01-07 00:00:00' WHERE contact_id = 'c4'`);
    const fifth = await buildIdentity(project, { full: true });
    expect(fifth.profiles).toBe(4);

    const builds = await new HistoryService(project, undefined as never).identityBuilds(10);
    const figures = builds.map((b) => ({ mode: b.mode, profiles: b.profiles, merges: b.merges, splits: b.splits }));
    expect(figures).toEqual([
      { mode: 'full', profiles: 2, merges: 0, splits: null },
      { mode: 'incremental', profiles: 3, merges: 0, splits: 1 },
      { mode: 'incremental', profiles: 3, merges: 0, splits: 0 },
      { mode: 'full', profiles: 3, merges: 0, splits: 0 },
      { mode: 'full', profiles: 4, merges: 0, splits: 1 },
    ]);
    results.set(name, figures);
  }, 120_000);
});

describe('DuckDB and Postgres', () => {
  it('count the same splits', () => {
    expect(results.get('duckdb')).toBeDefined();
    expect(results.get('postgres')).toEqual(results.get('duckdb'));
  });
});
