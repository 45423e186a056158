/**
 * What leaves for the vendor, captured at the vendor: dirty model values (padded and upper-case
 * emails, placeholders identity blocks, national phone numbers, timestamps, float sums) are sent
 * normalised and typed, and rows left without an identifier are rejected with their reason,
 * stored as row errors and never sent. Both engines, through HubSpot (identifier catalogue, rows
 * parsed in Node) and a webhook (open fields, rows as JSON built in the warehouse).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { SyncHistory } from '../../../src/state/index.js';
import { startHubSpot, type FakeHubSpot } from '../../fixtures/vendors/hubspot.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';

const PG_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const engines = [
  { name: 'duckdb', warehouse: "{ type: 'duckdb', path: '.cdp/warehouse.duckdb' }" },
  { name: 'postgres', warehouse: `{ type: 'postgres', connection: '${PG_URL}' }` },
];

// id, email, phone, last_order_at (UTC), lifetime_value (a float sum with noise)
const PEOPLE: Array<[string, string | null, string | null, string, string]> = [
  ['p1', ' Ruth.Gomez174@Yahoo.com ', '(415) 555-0101', '2026-06-15 03:19:44', '0.1 + 0.2'],
  ['p2', 'AALIYAHPRICE302@GMAIL.COM', null, '2026-01-02 00:00:00', '450.09 + 0.00000000000003'],
  ['p3', 'na@na.com', '415 555 0103', '2026-02-03 10:00:00', '1'],
  ['p4', 'noemail@example.com', null, '2026-02-03 10:00:00', '2'],
  ['p5', 'not an email', null, '2026-02-03 10:00:00', '3'],
];

describe.each(engines)('payloads on $name', ({ name, warehouse }) => {
  let dir: string;
  let project: Project;
  let hs: FakeHubSpot;
  let hook: FakeWebhook;
  const schema = `t_payloads_${name}_${Math.random().toString(36).slice(2, 8)}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cdp-payloads-'));
    mkdirSync(join(dir, 'syncs'));
    writeFileSync(
      join(dir, 'cdp.config.ts'),
      `export default { warehouse: ${warehouse}, schema: '${schema}', state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' },
  identity: {
    sources: [{ name: 'people', relation: '${schema}.people', key: 'id', timestamp: 'last_order_at', ids: { email: 'email', phone: 'phone' } }],
    idTypes: { email: { priority: 1, normalize: 'email' }, phone: { priority: 2, normalize: 'phone', defaultRegion: 'US' } },
  },
};\n`,
    );
    hs = await startHubSpot({ token: TOKEN });
    hook = await startWebhook({ keyColumn: 'id' });
    process.env.CDP_TEST_PAYLOADS_TOKEN = TOKEN;
    writeFileSync(
      join(dir, 'syncs', 'to_hubspot.yaml'),
      `name: to_hubspot\nfrom: { model: people }\nkey: id\ndestination:\n  type: hubspot\n  config: { access_token: { env: CDP_TEST_PAYLOADS_TOKEN }, base_url: ${hs.url} }\n` +
        `mode: upsert\nfields: { email: email, phone: phone, last_order_at: last_order_at, lifetime_value: lifetime_value }\n`,
    );
    writeFileSync(
      join(dir, 'syncs', 'to_webhook.yaml'),
      `name: to_webhook\nfrom: { model: people }\nkey: id\ndestination:\n  type: webhook\n  config: { url: "${hook.url}/in" }\n` +
        `mode: upsert\nfields: { last_order_at: last_order_at, lifetime_value: lifetime_value }\n`,
    );
    project = await Project.load(dir);
    const w = await project.warehouse();
    await w.createSchema(schema);
    const rows = PEOPLE.map(
      ([id, email, phone, at, value]) =>
        `SELECT ${w.dialect.literal(id)} AS id, ${email === null ? 'CAST(NULL AS VARCHAR)' : w.dialect.literal(email)} AS email, ` +
        `${phone === null ? 'CAST(NULL AS VARCHAR)' : w.dialect.literal(phone)} AS phone, CAST('${at}' AS TIMESTAMP) AS last_order_at, ` +
        `CAST(${value.replace(/([\d.]+)/g, 'CAST($1 AS DOUBLE PRECISION)')} AS DOUBLE PRECISION) AS lifetime_value`,
    );
    await w.execute(`CREATE TABLE ${w.dialect.quoteIdent(schema)}.people AS ${rows.join(' UNION ALL ')}`);
  });
  afterAll(async () => {
    if (name === 'postgres') await (await project.warehouse()).execute(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await project?.close();
    await hs?.close();
    await hook?.close();
    delete process.env.CDP_TEST_PAYLOADS_TOKEN;
    rmSync(dir, { recursive: true, force: true });
  });

  it('HubSpot gets normalised, junk-free identifiers and typed values; junk rows are rejected with a reason, never sent', async () => {
    const result = await runSync(project, 'to_hubspot', fast);
    expect(result.status).toBe('partial');
    expect(result.counts).toMatchObject({ planned: 5, sent: 2, ok: 2, rejected: 3 });
    expect(result.firstErrors.map((e) => [e.key, e.status, e.error]).sort()).toEqual([
      ['p3', 'rejected', 'email: a placeholder address (junk), not sent'],
      ['p4', 'rejected', 'email: a placeholder address (junk), not sent'],
      ['p5', 'rejected', 'email: not an email address'],
    ]);
    const sent = hs.calls('upsert').flatMap((r) => (JSON.parse(r.body) as { inputs: Array<{ properties: Record<string, string> }> }).inputs.map((i) => i.properties));
    expect(sent.map((p) => p.email).sort()).toEqual(['aaliyahprice302@gmail.com', 'ruth.gomez174@yahoo.com']);
    const body = hs.requests.map((r) => r.body).join('\n');
    for (const junk of ['na@na.com', 'noemail@example.com', 'not an email']) expect(body).not.toContain(junk);
    const ruth = sent.find((p) => p.email === 'ruth.gomez174@yahoo.com')!;
    expect(ruth).toMatchObject({ phone: '+14155550101', last_order_at: '2026-06-15T03:19:44.000Z', lifetime_value: '0.3' });
    expect(sent.find((p) => p.email === 'aaliyahprice302@gmail.com')!.lifetime_value).toBe('450.09');
    for (const p of sent) expect(p.last_order_at).toMatch(ISO_UTC);
    expect(hs.violations).toEqual([]);

    // The reasons are row errors in the history; unchanged rejected rows are not planned again.
    const log = await new SyncHistory((await project.state()).knex).rowLog('to_hubspot', { status: 'rejected' });
    expect(log.map((e) => e.key).sort()).toEqual(['p3', 'p4', 'p5']);
    expect((await runSync(project, 'to_hubspot', fast)).plan.total).toBe(0);
  });

  it('a webhook gets ISO 8601 UTC datetimes and numbers without float noise (rows built as JSON in the warehouse)', async () => {
    const result = await runSync(project, 'to_webhook', fast);
    expect(result.status).toBe('success');
    const rows = new Map(hook.rowsSent('upsert').map((r) => [String(r.id), r]));
    expect(rows.size).toBe(5);
    expect(rows.get('p1')).toEqual({ id: 'p1', last_order_at: '2026-06-15T03:19:44.000Z', lifetime_value: 0.3 });
    expect(rows.get('p2')!.lifetime_value).toBe(450.09);
    const raw = hook.requests.map((r) => r.body).join('\n');
    expect(raw).not.toMatch(/\d\.\d*0000000000\d/); // no float noise in the bytes sent
    expect(raw).not.toContain('2026-06-15 03:19:44');
  });
});
