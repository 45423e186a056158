import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { startGoogle, type FakeGoogle } from '../../fixtures/vendors/google.js';
import { startLinkedIn, type FakeLinkedIn } from '../../fixtures/vendors/linkedin.js';
import { startTikTok, type FakeTikTok } from '../../fixtures/vendors/tiktok.js';
import { makeProject, type TestProject } from '../syncs/helpers.js';

/**
 * One audience, three ad platforms: the same members reach Google Customer Match, a TikTok
 * custom audience and a LinkedIn segment through the real sync engine (mirror mode), and each
 * fake vendor's recorded membership equals the audience after adds, changes and removals.
 */
let t: TestProject;
let google: FakeGoogle;
let tiktok: FakeTikTok;
let linkedin: FakeLinkedIn;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

type Profile = [id: string, email: string, phone: string | null, first: string, last: string, country: string, zip: string, ltv: number];

function profiles(): Profile[] {
  return Array.from({ length: 12 }, (_, i) => [
    `p${i}`,
    i === 2 ? ' Ann.Lee+vip@gmail.com ' : ` Person${i}@Example.com `,
    i % 3 === 0 ? null : `+44 20 7946 ${String(1000 + i)}`,
    'Ann',
    "O'Neil",
    'GB',
    'SW1A 1AA',
    i % 2 === 0 ? 900 : 100,
  ]);
}

async function load(rows: Profile[]): Promise<void> {
  const w = await t.project.warehouse();
  const names = ['profile_id', 'email', 'phone', 'first_name', 'last_name', 'country', 'zip'];
  await w.loadTable(
    { schema: 'cdp', name: 'profiles' },
    [...names.map((name) => ({ name, kind: 'string' as const })), { name: 'lifetime_value', kind: 'number' as const }],
    [rows],
  );
}

/** What each vendor should hold for these members, normalised by hand from each vendor's rules. */
function expectations(members: Profile[]) {
  const g = new Set<string>();
  const tt = new Set<string>();
  const li = new Set<string>();
  for (const [, email, phone] of members) {
    const plain = email.trim().toLowerCase();
    // Google drops dots and +suffix for gmail only; TikTok drops +tags everywhere and keeps dots.
    const googleEmail = plain.endsWith('@gmail.com') ? `${plain.split('@')[0]!.split('+')[0]!.replace(/\./g, '')}@gmail.com` : plain;
    const tiktokEmail = plain.replace(/\+[^@]*@/, '@');
    g.add(`email:${sha(googleEmail)}`);
    tt.add(`EMAIL_SHA256:${sha(tiktokEmail)}`);
    li.add(`SHA256_EMAIL:${sha(plain)}`);
    if (phone) {
      const digits = phone.replace(/\D/g, '');
      g.add(`phone:${sha(`+${digits}`)}`);
      tt.add(`PHONE_SHA256:${sha(digits)}`);
    }
  }
  if (members.length) g.add(`address:${JSON.stringify([sha('ann'), sha('oneil'), 'GB', 'SW1A 1AA'])}`);
  return { g, tt, li };
}

beforeAll(async () => {
  t = await makeProject();
  google = await startGoogle({ token: 'g-token', operatingAccountId: '1234567890', audienceId: '55' });
  tiktok = await startTikTok({ token: 't-token', advertiserId: '700', audienceId: '170' });
  linkedin = await startLinkedIn({ token: 'l-token', accountId: '508', segmentId: '234' });
  Object.assign(process.env, { CDP_X_GOOGLE: 'g-token', CDP_X_TIKTOK: 't-token', CDP_X_LINKEDIN: 'l-token' });
  mkdirSync(join(t.dir, 'audiences'), { recursive: true });
  writeFileSync(join(t.dir, 'audiences', 'vip.yaml'), 'name: vip\nwhere: { trait: lifetime_value, op: gte, value: 500 }\n');
  const sync = (name: string, destination: string, fields: string) =>
    t.writeSync(name, `name: ${name}\nfrom: { audience: vip }\ndestination:\n${destination}\nmode: mirror\nfields: ${fields}\n`);
  sync(
    'vip_google',
    `  type: google_customer_match\n  config: { operating_account: { account_id: "1234567890" }, audience_id: "55", access_token: { env: CDP_X_GOOGLE }, base_url: "${google.url}", customer_match_terms_accepted: true, status_wait_seconds: 2 }`,
    '{ email_address: email, phone_number: phone, given_name: first_name, family_name: last_name, region_code: country, postal_code: zip }',
  );
  sync('vip_tiktok', `  type: tiktok_audiences\n  config: { advertiser_id: "700", audience_id: "170", access_token: { env: CDP_X_TIKTOK }, base_url: "${tiktok.url}" }`, '{ email: email, phone: phone }');
  sync('vip_linkedin', `  type: linkedin_audiences\n  config: { segment_id: "234", ad_account_id: "508", access_token: { env: CDP_X_LINKEDIN }, base_url: "${linkedin.url}/rest" }`, '{ email: email }');
});
afterAll(async () => {
  await Promise.all([google.close(), tiktok.close(), linkedin.close()]);
  await t.close();
});

async function syncAll(): Promise<void> {
  for (const name of ['vip_google', 'vip_tiktok', 'vip_linkedin']) {
    const result = await runSync(t.project, name, fast);
    expect(result.status, name).toBe('success');
    expect(result.counts.rejected + result.counts.retryable, name).toBe(0);
  }
}

function expectMembership(members: Profile[]): void {
  const { g, tt, li } = expectations(members);
  expect(google.members).toEqual(g);
  expect(tiktok.members).toEqual(tt);
  expect(linkedin.members).toEqual(li);
  expect([...google.violations, ...tiktok.violations, ...linkedin.violations]).toEqual([]);
  for (const r of [...google.requests, ...tiktok.requests, ...linkedin.requests]) expect(r.body).not.toMatch(/@|example\.com|\+44|20 7946|44207946\d{4}|o'neil|oneil/i);
}

it('the same audience reaches Google, TikTok and LinkedIn, and each follows it through adds, changes and removals', async () => {
  const all = profiles();
  await load(all);
  await syncAll();
  expectMembership(all.filter((p) => p[7] >= 500));

  // p0 leaves, p1 joins, p4 changes email and phone.
  const next = profiles();
  next[0]![7] = 10;
  next[1]![7] = 800;
  next[4] = ['p4', 'renamed4@example.com', '+44 20 7946 5555', 'Ann', "O'Neil", 'GB', 'SW1A 1AA', 900];
  await load(next);
  await syncAll();
  expectMembership(next.filter((p) => p[7] >= 500));
});
