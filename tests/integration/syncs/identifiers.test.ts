/**
 * Fields that send the profile's preferred identifier from the identity graph (issue 19, item 1):
 * `{ identifier: email, prefer: most_recent | most_frequent | { sources: [...] } }`, on DuckDB and
 * Postgres with the same answers. Junk never links, so it is never preferred.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import { Project } from '../../../src/project/index.js';
import { runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';

const PG_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const engines = [
  { name: 'duckdb', warehouse: "{ type: 'duckdb', path: '.cdp/warehouse.duckdb' }" },
  { name: 'postgres', warehouse: `{ type: 'postgres', connection: '${PG_URL}' }` },
];

// [source, key, user_id, email, ts]: u1 has an old CRM address, one address on three orders and a
// newer one on one order; u2's CRM address is a placeholder; u3 has no address at all.
const RECORDS: Array<[string, string, string, string | null, string]> = [
  ['crm', 'c1', 'u1', ' Old.Address@ShopMail.com ', '2025-01-01 00:00:00'],
  ['orders', 'o1', 'u1', 'freq@shopmail.com', '2025-06-01 00:00:00'],
  ['orders', 'o2', 'u1', 'FREQ@shopmail.com', '2025-06-02 00:00:00'],
  ['orders', 'o3', 'u1', 'freq@shopmail.com ', '2025-06-03 00:00:00'],
  ['orders', 'o4', 'u1', 'new@shopmail.com', '2026-01-01 00:00:00'],
  ['crm', 'c2', 'u2', 'na@na.com', '2026-02-01 00:00:00'],
  ['orders', 'o5', 'u2', 'b@shopmail.com', '2025-02-01 00:00:00'],
  ['crm', 'c3', 'u3', null, '2025-03-01 00:00:00'],
];

describe.each(engines)('preferred identifiers on $name', ({ name, warehouse }) => {
  let dir: string;
  let project: Project;
  let hook: FakeWebhook;
  const schema = `t_prefid_${name}_${Math.random().toString(36).slice(2, 8)}`;
  const writeSync = (file: string, fields: string, from = '{ model: profiles }', key = 'profile_id') =>
    writeFileSync(
      join(dir, 'syncs', `${file}.yaml`),
      `name: ${file}\nfrom: ${from}\nkey: ${key}\ndestination:\n  type: webhook\n  config: { url: "${hook.url}/${file}" }\nmode: upsert\nfields: ${fields}\n`,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-prefid-'));
    mkdirSync(join(dir, 'syncs'));
    const source = (n: string, table: string) =>
      `{ name: '${n}', relation: '${schema}.${table}', key: 'id', timestamp: 'ts', ids: { user_id: 'user_id', email: 'email' } }`;
    writeFileSync(
      join(dir, 'cdp.config.ts'),
      `export default { warehouse: ${warehouse}, schema: '${schema}', state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' },
  identity: {
    sources: [${source('crm_contacts', 'crm')}, ${source('orders', 'orders')}],
    idTypes: { user_id: { priority: 1, maxPerProfile: 1 }, email: { priority: 2, normalize: 'email' } },
    blocklist: { email: ['na@na.com'] },
  },
};\n`,
    );
    hook = await startWebhook({ keyColumn: 'profile_id' });
    project = await Project.load(dir);
    const w = await project.warehouse();
    const d = w.dialect;
    await w.createSchema(schema);
    for (const table of ['crm', 'orders']) {
      const rows = RECORDS.filter((r) => r[0] === table).map(
        ([, id, user, email, ts]) =>
          `SELECT ${d.literal(id)} AS id, ${d.literal(user)} AS user_id, ${email === null ? d.cast('NULL', 'string') : d.literal(email)} AS email, CAST('${ts}' AS TIMESTAMP) AS ts`,
      );
      await w.execute(`CREATE TABLE ${d.quoteIdent(schema)}.${table} AS ${rows.join(' UNION ALL ')}`);
    }
    await buildIdentity(project, { full: true });
  });
  afterAll(async () => {
    if (name === 'postgres') await (await project.warehouse()).execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await project?.close();
    await hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** user_id -> the row the webhook received for that person's profile. */
  async function sentByUser(sync: string): Promise<Record<string, Record<string, unknown>>> {
    const w = await project.warehouse();
    const owners = await w.query<{ profile_id: string; id_value: string }>(`SELECT profile_id, id_value FROM ${w.dialect.quoteIdent(schema)}.identity_graph WHERE id_type = 'user_id'`);
    const rows = hook.batches.filter((b) => b.sync === sync).flatMap((b) => b.rows);
    return Object.fromEntries(owners.map((o) => [o.id_value, rows.find((r) => r.profile_id === o.profile_id)!]));
  }

  it('sends each profile its most recent, most frequent or source-preferred address, normalised; none when it has none', async () => {
    writeSync(
      'prefs',
      "{ recent: { identifier: email }, frequent: { identifier: email, prefer: most_frequent }, crm_first: { identifier: email, prefer: { sources: [crm_contacts, orders] } } }",
    );
    const result = await runSync(project, 'prefs', fast);
    expect(result.status, result.error ?? '').toBe('success');
    const sent = await sentByUser('prefs');
    expect(sent.u1).toMatchObject({ recent: 'new@shopmail.com', frequent: 'freq@shopmail.com', crm_first: 'old.address@shopmail.com' });
    // u2's CRM address is junk, never linked: the CRM preference falls back to the orders address.
    expect(sent.u2).toMatchObject({ recent: 'b@shopmail.com', frequent: 'b@shopmail.com', crm_first: 'b@shopmail.com' });
    expect(sent.u3).toMatchObject({ recent: null, frequent: null, crm_first: null });
  });

  it('says what is wrong with an id type that does not exist, an unknown source, or rows without profile_id', async () => {
    writeSync('bad_type', '{ e: { identifier: mail } }');
    await expect(runSync(project, 'bad_type', fast)).rejects.toThrow(/field e: "mail" is not an id type of identity/);
    writeSync('bad_source', '{ e: { identifier: email, prefer: { sources: [crm] } } }');
    await expect(runSync(project, 'bad_source', fast)).rejects.toThrow(/prefer.sources names "crm", which is not an identity source/);
    writeSync('no_profile', '{ e: { identifier: email } }', '{ model: orders }', 'id');
    await expect(runSync(project, 'no_profile', fast)).rejects.toThrow(/joins rows to the identity graph by profile_id/);
  });
});
