import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { startTikTok, tiktokCode, type FakeTikTok } from '../../fixtures/vendors/tiktok.js';
import { makeProject, type TestProject } from '../syncs/helpers.js';

const TOKEN = 'tiktok-test-token';
const ADVERTISER = '7000000000000000001';
const AUDIENCE = '1790000000000001';
let t: TestProject;
let tiktok: FakeTikTok;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Customer {
  id: string;
  email: string | null;
  phone: string | null;
}

/** The same kind of small audience as the other ad platforms get: messy emails, some phones. */
function customers(count: number): Customer[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c${String(i).padStart(3, '0')}`,
    email: i % 4 === 0 ? ` Customer${i}+News@Example.com ` : ` Customer${i}@Example.com `,
    phone: i % 2 ? `(415) 555-${String(1000 + i)}` : null,
  }));
}

/** By hand from TikTok's rules: email lower-case without +tag; phone digits with country code, no '+'. */
function expected(people: Customer[]): Set<string> {
  const keys = new Set<string>();
  for (const c of people) {
    const i = Number(c.id.slice(1));
    keys.add(`EMAIL_SHA256:${sha(`customer${i}@example.com`)}`);
    if (c.phone) keys.add(`PHONE_SHA256:${sha(`1415555${1000 + i}`)}`);
  }
  return keys;
}

async function load(rows: Customer[]): Promise<void> {
  const w = await t.project.warehouse();
  await w.loadTable(
    { schema: 'cdp', name: 'customers' },
    ['id', 'email', 'phone'].map((name) => ({ name, kind: 'string' as const })),
    [rows.map((r) => [r.id, r.email, r.phone])],
  );
}

function yaml(name: string): string {
  return `name: ${name}
from: { model: customers }
key: id
destination:
  type: tiktok_audiences
  config: { advertiser_id: "${ADVERTISER}", audience_id: "${AUDIENCE}", access_token: { env: CDP_TEST_TIKTOK_TOKEN }, base_url: "${tiktok.url}", default_phone_region: US }
mode: mirror
fields: { email: email, phone: phone }
`;
}

function noRawPii(): void {
  for (const r of tiktok.requests) {
    expect(r.body).not.toMatch(/@|example\.com/i);
    expect(r.body).not.toMatch(/\(415\)|415[ -]555|1415555\d{4}/);
  }
}

beforeAll(async () => {
  t = await makeProject();
  tiktok = await startTikTok({ token: TOKEN, advertiserId: ADVERTISER, audienceId: AUDIENCE });
  process.env.CDP_TEST_TIKTOK_TOKEN = TOKEN;
});
afterAll(async () => {
  await tiktok.close();
  await t.close();
});
beforeEach(() => {
  tiktok.members.clear();
  tiktok.files.clear();
  tiktok.updates.length = 0;
  tiktok.requests.length = 0;
  tiktok.violations.length = 0;
  tiktok.inject.length = 0;
});

it('mirrors an audience: one hashed file per identifier type, APPEND then REMOVE, membership equals the audience', async () => {
  t.writeSync('tt_mirror', yaml('tt_mirror'));
  const people = customers(25);
  await load(people);
  const first = await runSync(t.project, 'tt_mirror', { ...fast, batchSize: 10 });
  expect(first.status).toBe('success');
  expect(first.counts).toMatchObject({ sent: 25, ok: 25, rejected: 0 });
  expect(tiktok.updates).toEqual([
    { action: 'APPEND', calculateType: 'EMAIL_SHA256', lines: 10 },
    { action: 'APPEND', calculateType: 'PHONE_SHA256', lines: 5 },
    { action: 'APPEND', calculateType: 'EMAIL_SHA256', lines: 10 },
    { action: 'APPEND', calculateType: 'PHONE_SHA256', lines: 5 },
    { action: 'APPEND', calculateType: 'EMAIL_SHA256', lines: 5 },
    { action: 'APPEND', calculateType: 'PHONE_SHA256', lines: 2 },
  ]);
  expect(tiktok.members).toEqual(expected(people));
  expect(tiktok.violations).toEqual([]);
  expect(tiktok.requests[0]!.headers['access-token']).toBe(TOKEN);
  noRawPii();

  // c003, c004 leave; c001 changes phone: its old email+phone are removed, then added back with the new phone.
  const next = people.filter((c) => c.id !== 'c003' && c.id !== 'c004');
  next[1] = { ...next[1]!, phone: '+1 (415) 555-9999' };
  await load(next);
  tiktok.updates.length = 0;
  const second = await runSync(t.project, 'tt_mirror', fast);
  expect(second.status).toBe('success');
  expect(second.plan).toMatchObject({ removed: 2, replaced: 1 });
  expect(tiktok.updates).toEqual([
    { action: 'REMOVE', calculateType: 'EMAIL_SHA256', lines: 3 },
    { action: 'REMOVE', calculateType: 'PHONE_SHA256', lines: 2 },
    { action: 'APPEND', calculateType: 'EMAIL_SHA256', lines: 1 },
    { action: 'APPEND', calculateType: 'PHONE_SHA256', lines: 1 },
  ]);
  const want = expected(next.filter((c) => c.id !== 'c001'));
  want.add(`EMAIL_SHA256:${sha('customer1@example.com')}`);
  want.add(`PHONE_SHA256:${sha('14155559999')}`);
  expect(tiktok.members).toEqual(want);
  expect(tiktok.violations).toEqual([]);
  noRawPii();
});

it('retries throttling signalled by code 40100 (in an HTTP 200) and HTTP 429, then delivers', async () => {
  t.writeSync('tt_throttle', yaml('tt_throttle'));
  await load(customers(3));
  tiktok.inject.push(tiktokCode(40100, 'Too many requests. Please retry in some time.'), { status: 429, body: { code: 40100, message: 'Too many requests' } });
  const result = await runSync(t.project, 'tt_throttle', fast);
  expect(result.status).toBe('success');
  expect(result.counts).toMatchObject({ ok: 3, retryable: 0 });
  expect(tiktok.members).toEqual(expected(customers(3)));
  expect(tiktok.requests.filter((r) => r.path.endsWith('/file/upload/'))).toHaveLength(4);
});

it('maps failures to rows: no identifier; a refused file leaves rows delivered through their other identifier; account errors stop the run', async () => {
  t.writeSync('tt_partial', yaml('tt_partial'));
  const people = customers(4);
  people[2] = { ...people[2]!, email: 'not an email', phone: null };
  people[3] = { ...people[3]!, email: null };
  await load(people);
  tiktok.refuseUpdate.set('PHONE_SHA256', tiktokCode(40002, 'The custom audience is not available for update.'));
  const result = await runSync(t.project, 'tt_partial', fast);
  // c000 email only: ok; c001 email ok + phone refused: in the audience by email, ok; c002 nothing usable;
  // c003 phone only: refused with TikTok's code and message.
  expect(result.counts).toMatchObject({ sent: 4, ok: 2, rejected: 2 });
  expect(result.firstErrors).toEqual([
    { key: 'c002', op: 'upsert', status: 'rejected', error: 'no usable email or phone after normalisation' },
    { key: 'c003', op: 'upsert', status: 'rejected', error: expect.stringMatching(/^TikTok code 40002: The custom audience is not available for update\. \(request [0-9a-f]{32}\)$/) },
  ]);
  expect(tiktok.members).toEqual(new Set([`EMAIL_SHA256:${sha('customer0@example.com')}`, `EMAIL_SHA256:${sha('customer1@example.com')}`]));

  // A server error after every retry leaves the rows retryable.
  await load([...people, ...customers(6).slice(4)]);
  for (let i = 0; i < 5; i++) tiktok.inject.push(tiktokCode(50000, 'System error'));
  const down = await runSync(t.project, 'tt_partial', fast);
  expect(down.counts).toMatchObject({ sent: 2, ok: 0, retryable: 2 });
  expect(down.firstErrors[0]!.error).toMatch(/^TikTok code 50000: System error/);

  // An invalid token stops the run with a hint; check() says the same.
  process.env.CDP_TEST_TIKTOK_TOKEN = 'revoked';
  try {
    const failed = await runSync(t.project, 'tt_partial', fast);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('TikTok refused uploading the email file: TikTok code 40105: The access token is invalid or has been revoked.');
    await expect(checkSyncDestination(t.project, 'tt_partial')).rejects.toThrow('TikTok refused reading the audience: TikTok code 40105');
  } finally {
    process.env.CDP_TEST_TIKTOK_TOKEN = TOKEN;
  }
  await expect(checkSyncDestination(t.project, 'tt_partial')).resolves.toBeUndefined();
  expect(tiktok.requests.at(-1)!.query.get('custom_audience_ids')).toBe(`["${AUDIENCE}"]`);
});

it('refuses fields TikTok does not match on', async () => {
  t.writeSync('tt_fields', yaml('tt_fields').replace('phone: phone', 'first_name: phone'));
  await expect(runSync(t.project, 'tt_fields')).rejects.toThrow('"first_name" is not a TikTok audience field (email, phone)');
});
