import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { SyncHistory } from '../../../src/state/index.js';
import { reachLine } from '../../../src/syncs/reach.js';
import { startMeta, type FakeMeta } from '../../fixtures/vendors/meta.js';
import { startTikTok, type FakeTikTok } from '../../fixtures/vendors/tiktok.js';
import { startGoogle, type FakeGoogle } from '../../fixtures/vendors/google.js';
import { startLinkedIn, type FakeLinkedIn } from '../../fixtures/vendors/linkedin.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';
import { memoryDestination, memorySyncYaml } from '../syncs/memory-destination.js';

// Match rates and reach per run (issue 19, item 3): what the vendor answers, stored with the run.
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
let t: TestProject;
let meta: FakeMeta;
let tiktok: FakeTikTok;
let google: FakeGoogle;
let linkedin: FakeLinkedIn;

async function loadCustomers(count: number): Promise<void> {
  const w = await t.project.warehouse();
  const rows = Array.from({ length: count }, (_, i) => [`c${i}`, `customer${i}@example.com`]);
  await w.loadTable({ schema: 'cdp', name: 'customers' }, ['id', 'email'].map((name) => ({ name, kind: 'string' as const })), [rows]);
}

const history = async () => new SyncHistory((await t.project.state()).knex);

beforeAll(async () => {
  t = await makeProject();
  meta = await startMeta({ audienceId: '23850000000000001', token: 'EAAB-reach' });
  tiktok = await startTikTok({ token: 'tt-reach', advertiserId: '7000000000000000001', audienceId: '1790000000000001' });
  process.env.CDP_TEST_REACH_META = 'EAAB-reach';
  process.env.CDP_TEST_REACH_TIKTOK = 'tt-reach';
  google = await startGoogle({ token: 'g-reach', operatingAccountId: '1234567890', audienceId: '55' });
  linkedin = await startLinkedIn({ token: 'li-reach', accountId: '508', segmentId: '234' });
  Object.assign(process.env, { CDP_TEST_REACH_GOOGLE: 'g-reach', CDP_TEST_REACH_LINKEDIN: 'li-reach' });
});
afterAll(async () => {
  await meta.close();
  await tiktok.close();
  await google.close();
  await linkedin.close();
  await t.close();
});

it('Meta: num_received and num_invalid_entries of every request add up to the run’s match rate', async () => {
  await loadCustomers(8);
  // Meta reports two of the hashes it received as invalid entries.
  meta.invalid.add(sha('customer3@example.com'));
  meta.invalid.add(sha('customer5@example.com'));
  t.writeSync(
    'meta_reach',
    `name: meta_reach\nfrom: { model: customers }\nkey: id\ndestination:\n  type: meta_custom_audiences\n  config: { audience_id: "23850000000000001", access_token: { env: CDP_TEST_REACH_META }, base_url: "${meta.url}/v25.0" }\nmode: upsert\nfields: { EMAIL: email }\n`,
  );
  const result = await runSync(t.project, 'meta_reach', { ...fast, batchSize: 3 });
  expect(meta.uploads.length).toBeGreaterThan(1);
  expect(result.reach).toEqual({ source: 'vendor', received: 8, invalid: 2, matched: null, audienceSize: null, matchRate: 0.75 });
  const [stored] = await (await history()).runs('meta_reach');
  expect(stored!.reach).toEqual(result.reach);
  expect(reachLine(stored!.reach)).toBe('75.0% accepted');
});

it('TikTok: the audience size it reports (cover_num) after a complete run', async () => {
  await loadCustomers(6);
  t.writeSync(
    'tiktok_reach',
    `name: tiktok_reach\nfrom: { model: customers }\nkey: id\ndestination:\n  type: tiktok_audiences\n  config: { advertiser_id: "7000000000000000001", audience_id: "1790000000000001", access_token: { env: CDP_TEST_REACH_TIKTOK }, base_url: "${tiktok.url}" }\nmode: mirror\nfields: { email: email }\n`,
  );
  const result = await runSync(t.project, 'tiktok_reach', fast);
  expect(result.status).toBe('success');
  expect(tiktok.members.size).toBe(6);
  expect(result.reach).toMatchObject({ audienceSize: 6, matchRate: 1 });
  expect(reachLine(result.reach!)).toBe('100.0% accepted, size 6');
  expect((await (await history()).runs('tiktok_reach'))[0]!.reach).toMatchObject({ audienceSize: 6 });
});

it('per-row vendors: the share of rows that ended ok', async () => {
  const dest = memoryDestination();
  await loadPeople(t.project, people(10));
  t.writeSync('rows_reach', memorySyncYaml('rows_reach', dest.type));
  dest.answer = (_op, row) => (row.key === 'p000004' ? { status: 'rejected', reason: 'invalid email' } : undefined);
  const result = await runSync(t.project, 'rows_reach');
  expect(result.reach).toEqual({ source: 'rows', received: null, invalid: null, matched: null, audienceSize: null, matchRate: 0.9 });
  expect(reachLine(result.reach!)).toBe('90.0% delivered');
});

it('Google: each processed request’s members as received and its error counts as invalid', async () => {
  await loadCustomers(8);
  // Google fails to process two members (the request ends PARTIAL_SUCCESS, counts by reason only).
  google.unprocessable.add(sha('customer1@example.com'));
  google.unprocessable.add(sha('customer6@example.com'));
  t.writeSync(
    'google_reach',
    `name: google_reach\nfrom: { model: customers }\nkey: id\ndestination:\n  type: google_customer_match\n  config: { operating_account: { account_id: "1234567890" }, audience_id: "55", access_token: { env: CDP_TEST_REACH_GOOGLE }, base_url: "${google.url}", customer_match_terms_accepted: true, status_wait_seconds: 2 }\nmode: upsert\nfields: { email_address: email }\n`,
  );
  const result = await runSync(t.project, 'google_reach', { ...fast, batchSize: 3 });
  expect(google.uploads.filter((u) => u.op === 'ingest').length).toBe(3);
  expect(result.reach).toEqual({ source: 'vendor', received: 8, invalid: 2, matched: null, audienceSize: null, matchRate: 0.75 });
  expect(reachLine((await (await history()).runs('google_reach'))[0]!.reach)).toBe('75.0% accepted');
});

it('Google: a request still processing when the wait ends reports nothing; its rows count as delivered', async () => {
  await loadCustomers(4);
  google.unprocessable.clear();
  google.pendingPolls = 1_000;
  t.writeSync(
    'google_pending',
    `name: google_pending\nfrom: { model: customers }\nkey: id\ndestination:\n  type: google_customer_match\n  config: { operating_account: { account_id: "1234567890" }, audience_id: "55", access_token: { env: CDP_TEST_REACH_GOOGLE }, base_url: "${google.url}", customer_match_terms_accepted: true, status_wait_seconds: 0 }\nmode: upsert\nfields: { email_address: email }\n`,
  );
  const result = await runSync(t.project, 'google_pending', fast);
  google.pendingPolls = 0;
  expect(result.reach).toMatchObject({ source: 'rows', received: null, invalid: null, matchRate: 1 });
});

it('LinkedIn: the segment’s audienceSize after a complete run', async () => {
  await loadCustomers(5);
  t.writeSync(
    'linkedin_reach',
    `name: linkedin_reach\nfrom: { model: customers }\nkey: id\ndestination:\n  type: linkedin_audiences\n  config: { segment_id: "234", ad_account_id: "508", access_token: { env: CDP_TEST_REACH_LINKEDIN }, base_url: "${linkedin.url}/rest" }\nmode: mirror\nfields: { email: email }\n`,
  );
  const result = await runSync(t.project, 'linkedin_reach', fast);
  expect(result.status).toBe('success');
  expect(linkedin.members.size).toBe(5);
  expect(result.reach).toMatchObject({ source: 'vendor', audienceSize: 5, matchRate: 1 });
  expect(reachLine((await (await history()).runs('linkedin_reach'))[0]!.reach)).toBe('100.0% accepted, size 5');
});
