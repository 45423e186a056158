import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Project } from '../../../src/project/index.js';
import { runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { startGoogle, type FakeGoogle } from '../../fixtures/vendors/google.js';
import { startLinkedIn, type FakeLinkedIn } from '../../fixtures/vendors/linkedin.js';
import { startMeta, type FakeMeta } from '../../fixtures/vendors/meta.js';
import type { RecordedRequest } from '../../fixtures/vendors/server.js';
import { startTikTok, type FakeTikTok } from '../../fixtures/vendors/tiktok.js';

/**
 * "Hashed before any ad platform": for each ad destination, a sync mapping raw email, phone and
 * names (where the platform takes them) runs through the real engine against the fake vendor
 * server, and no raw value, in any spelling the normalisation could produce, appears in any
 * request body or URL. Only hashes travel.
 */

const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const PEOPLE = [
  { id: 'p1', email: ' Zelda.Quint+vip@Example.org ', phone: '+1 (415) 555-0142', first: 'Zelda', last: 'Quintanilla-Brook', country: 'US', zip: '94107' },
  { id: 'p2', email: 'marcus.obi@example.net', phone: '(212) 555-0199', first: 'Marcus', last: 'Obiwaneke', country: 'US', zip: '10001' },
  { id: 'p3', email: 'ines.varga@gmail.com', phone: '+44 20 7946 0321', first: 'Ines', last: 'Vargassy', country: 'GB', zip: 'SW1A 1AA' },
];

/** Every spelling of every raw value that must never be sent. */
function forbidden(): string[] {
  const out = new Set<string>();
  for (const p of PEOPLE) {
    const email = p.email.trim();
    out.add(email).add(email.toLowerCase()).add(email.split('@')[0]!.toLowerCase()).add('example.org').add('example.net').add('ines.varga');
    const digits = p.phone.replace(/\D/g, '');
    out.add(p.phone).add(digits).add(`+${digits}`).add(digits.slice(-7)).add(`1${digits}`);
    for (const name of [p.first, p.last]) out.add(name).add(name.toLowerCase()).add(name.toLowerCase().replace(/[^a-z]/g, ''));
  }
  return [...out].filter((s) => s.length >= 5);
}

let dir: string;
let project: Project;
let meta: FakeMeta;
let google: FakeGoogle;
let tiktok: FakeTikTok;
let linkedin: FakeLinkedIn;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdp-pii-ads-'));
  mkdirSync(join(dir, 'syncs'));
  mkdirSync(join(dir, 'audiences'));
  // Consent is enforced by the platform: let unknown consent through here, this test is about hashing.
  writeFileSync(
    join(dir, 'cdp.config.ts'),
    `export default { warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' }, schema: 'cdp', state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' },
      privacy: { pii: ['email', 'phone', 'first_name', 'last_name'], consent: { purposes: { advertising: { policy: 'allow_unknown' } } } } };\n`,
  );
  project = await Project.load(dir);
  const w = await project.warehouse();
  const names = ['profile_id', 'email', 'phone', 'first_name', 'last_name', 'country', 'zip'];
  await w.loadTable({ schema: 'cdp', name: 'profiles' }, names.map((name) => ({ name, kind: 'string' as const })), [
    PEOPLE.map((p) => [p.id, p.email, p.phone, p.first, p.last, p.country, p.zip]),
  ]);
  writeFileSync(join(dir, 'audiences', 'everyone.yaml'), 'name: everyone\nwhere: { trait: profile_id, op: is_not_null }\n');

  meta = await startMeta({ audienceId: '23850000000000009', token: 'm-token' });
  google = await startGoogle({ token: 'g-token', operatingAccountId: '1234567890', audienceId: '55' });
  tiktok = await startTikTok({ token: 't-token', advertiserId: '700', audienceId: '170' });
  linkedin = await startLinkedIn({ token: 'l-token', accountId: '508', segmentId: '234' });
  Object.assign(process.env, { CDP_PII_META: 'm-token', CDP_PII_GOOGLE: 'g-token', CDP_PII_TIKTOK: 't-token', CDP_PII_LINKEDIN: 'l-token' });
  const sync = (name: string, destination: string, fields: string) =>
    writeFileSync(join(dir, 'syncs', `${name}.yaml`), `name: ${name}\nfrom: { audience: everyone }\ndestination:\n${destination}\nmode: mirror\nfields: ${fields}\n`);
  sync(
    'ads_meta',
    `  type: meta_custom_audiences\n  config: { audience_id: "23850000000000009", access_token: { env: CDP_PII_META }, base_url: "${meta.url}/v25.0", default_phone_region: US }`,
    '{ EMAIL: email, PHONE: phone, FN: first_name, LN: last_name, COUNTRY: country, ZIP: zip }',
  );
  sync(
    'ads_google',
    `  type: google_customer_match\n  config: { operating_account: { account_id: "1234567890" }, audience_id: "55", access_token: { env: CDP_PII_GOOGLE }, base_url: "${google.url}", customer_match_terms_accepted: true, status_wait_seconds: 2, default_phone_region: US }`,
    '{ email_address: email, phone_number: phone, given_name: first_name, family_name: last_name, region_code: country, postal_code: zip }',
  );
  sync(
    'ads_tiktok',
    `  type: tiktok_audiences\n  config: { advertiser_id: "700", audience_id: "170", access_token: { env: CDP_PII_TIKTOK }, base_url: "${tiktok.url}", default_phone_region: US }`,
    '{ email: email, phone: phone }',
  );
  sync('ads_linkedin', `  type: linkedin_audiences\n  config: { segment_id: "234", ad_account_id: "508", access_token: { env: CDP_PII_LINKEDIN }, base_url: "${linkedin.url}/rest" }`, '{ email: email }');
});

afterAll(async () => {
  await Promise.all([meta?.close(), google?.close(), tiktok?.close(), linkedin?.close()]);
  await project?.close();
  rmSync(dir, { recursive: true, force: true });
});

function wire(r: RecordedRequest): string {
  const url = `${r.path}?${r.query.toString()}`;
  let decoded = url;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    // keep the raw URL
  }
  return `${url}\n${decoded}\n${r.body}`;
}

it.each([
  ['ads_meta', () => meta],
  ['ads_google', () => google],
  ['ads_tiktok', () => tiktok],
  ['ads_linkedin', () => linkedin],
] as const)('%s sends hashes only: no raw email, phone or name in any request body or URL', async (name, server) => {
  const result = await runSync(project, name, fast);
  expect(result.status, `${name}: ${result.error} ${JSON.stringify(result.firstErrors)}`).toBe('success');
  expect(result.counts.ok, name).toBe(PEOPLE.length);
  const requests = server().requests;
  // Something was actually sent, with hashes in it.
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.map((r) => r.body).join('\n')).toMatch(/[0-9a-f]{64}/);
  const everything = requests.map(wire).join('\n').toLowerCase();
  const leaks = forbidden().filter((raw) => everything.includes(raw.toLowerCase()));
  expect(leaks, `${name} sent raw PII`).toEqual([]);
});
