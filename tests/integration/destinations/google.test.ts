import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { rateLimited, startGoogle, type FakeGoogle } from '../../fixtures/vendors/google.js';
import { makeProject, type TestProject } from '../syncs/helpers.js';

const TOKEN = 'ya29.test-token';
const ACCOUNT = '1234567890';
const LIST = '9876543210';
let t: TestProject;
let google: FakeGoogle;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Customer {
  id: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  country: string | null;
  zip: string | null;
}
const COLUMNS = ['id', 'email', 'phone', 'first_name', 'last_name', 'country', 'zip'] as const;

/** A small audience with the messy values warehouses hold; every 5th person uses gmail with dots and a +tag. */
function customers(count: number): Customer[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c${String(i).padStart(3, '0')}`,
    email: i % 5 === 0 ? ` First.Last${i}+promo@GMail.com ` : ` Customer${i}@Example.com `,
    phone: i % 2 ? `(415) 555-${String(1000 + i)}` : null,
    first_name: i % 3 ? 'Ann-Marie' : null,
    last_name: "O'Brien",
    country: 'United States',
    zip: '94043-1234',
  }));
}

/** What Google should hold for these people, normalised by hand from Google's rules. */
function expectedKeys(people: Customer[]): Set<string> {
  const keys = new Set<string>();
  for (const c of people) {
    const i = Number(c.id.slice(1));
    keys.add(`email:${sha(i % 5 === 0 ? `firstlast${i}@gmail.com` : `customer${i}@example.com`)}`);
    if (c.phone) keys.add(`phone:${sha(`+1415555${1000 + i}`)}`);
    if (c.first_name) keys.add(`address:${JSON.stringify([sha('annmarie'), sha('obrien'), 'US', '94043'])}`);
  }
  return keys;
}

async function load(rows: Customer[]): Promise<void> {
  const w = await t.project.warehouse();
  await w.loadTable(
    { schema: 'cdp', name: 'customers' },
    COLUMNS.map((name) => ({ name, kind: 'string' as const })),
    [rows.map((r) => COLUMNS.map((c) => r[c]))],
  );
}

function yaml(name: string, extra = ''): string {
  return `name: ${name}
from: { model: customers }
key: id
destination:
  type: google_customer_match
  config:
    operating_account: { account_id: "123-456-7890" }
    audience_id: "${LIST}"
    access_token: { env: CDP_TEST_GOOGLE_TOKEN }
    base_url: "${google.url}"
    customer_match_terms_accepted: true
    consent: { ad_user_data: granted, ad_personalization: granted }
    default_phone_region: US
    status_wait_seconds: 5${extra}
mode: mirror
fields: { email_address: email, phone_number: phone, given_name: first_name, family_name: last_name, region_code: country, postal_code: zip }
`;
}

function noRawPii(): void {
  for (const r of google.requests) {
    expect(r.body).not.toMatch(/@|example\.com|gmail/i);
    expect(r.body).not.toMatch(/\(415\)|415[ -]555|1415555\d{4}|annmarie|ann-marie|brien/i);
  }
}

beforeAll(async () => {
  t = await makeProject();
  google = await startGoogle({ token: TOKEN, operatingAccountId: ACCOUNT, audienceId: LIST });
  process.env.CDP_TEST_GOOGLE_TOKEN = TOKEN;
});
afterAll(async () => {
  await google.close();
  await t.close();
});
beforeEach(() => {
  google.members.clear();
  google.uploads.length = 0;
  google.requests.length = 0;
  google.violations.length = 0;
  google.inject.length = 0;
  google.badFormat.clear();
  google.unprocessable.clear();
  google.pendingPolls = 0;
});

it('mirrors an audience into a Customer Match list: proto-valid ingest, status polling, removals of leavers and of changed identifiers', async () => {
  t.writeSync('g_mirror', yaml('g_mirror'));
  const people = customers(25);
  await load(people);
  google.pendingPolls = 1;
  const first = await runSync(t.project, 'g_mirror', { ...fast, batchSize: 10 });
  expect(first.status).toBe('success');
  expect(first.counts).toMatchObject({ sent: 25, ok: 25, rejected: 0, retryable: 0 });
  expect(google.violations).toEqual([]);
  expect(google.uploads.map((u) => [u.op, (u.body.audienceMembers as unknown[]).length])).toEqual([
    ['ingest', 10],
    ['ingest', 10],
    ['ingest', 5],
  ]);
  // Every upload's status was asked for until it left PROCESSING.
  for (const u of google.uploads) expect(google.statusReads.get(u.requestId)).toBe(2);
  const body = google.uploads[0]!.body;
  expect(body.destinations).toEqual([{ operatingAccount: { accountType: 'GOOGLE_ADS', accountId: ACCOUNT }, productDestinationId: LIST }]);
  expect(body).toMatchObject({ encoding: 'HEX', termsOfService: { customerMatchTermsOfServiceStatus: 'ACCEPTED' }, consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_GRANTED' } });
  expect(google.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  expect(google.members).toEqual(expectedKeys(people));
  noRawPii();

  // c003 and c004 leave; c001 changes email (its old identifiers are removed, the new ones added).
  const next = people.filter((c) => c.id !== 'c003' && c.id !== 'c004');
  next[1] = { ...next[1]!, email: 'NEW1@example.com' };
  await load(next);
  google.uploads.length = 0;
  const second = await runSync(t.project, 'g_mirror', fast);
  expect(second.status).toBe('success');
  expect(second.plan).toMatchObject({ removed: 2, replaced: 1, changed: 1 });
  expect(google.uploads.map((u) => [u.op, (u.body.audienceMembers as unknown[]).length])).toEqual([
    ['remove', 3],
    ['ingest', 1],
  ]);
  expect(Object.keys(google.uploads[0]!.body).sort()).toEqual(['audienceMembers', 'destinations', 'encoding']);
  const expected = expectedKeys(next.filter((c) => c.id !== 'c001'));
  expected.add(`email:${sha('new1@example.com')}`);
  expected.add(`phone:${sha('+14155551001')}`);
  expected.add(`address:${JSON.stringify([sha('annmarie'), sha('obrien'), 'US', '94043'])}`);
  expect(google.members).toEqual(expected);
  expect(google.violations).toEqual([]);
  noRawPii();
});

it('retries RESOURCE_EXHAUSTED (429) with backoff and delivers everything', async () => {
  t.writeSync('g_429', yaml('g_429'));
  const people = customers(4);
  await load(people);
  google.inject.push(rateLimited(), rateLimited());
  const result = await runSync(t.project, 'g_429', fast);
  expect(result.status).toBe('success');
  expect(result.counts).toMatchObject({ ok: 4, retryable: 0 });
  expect(google.requests.filter((r) => r.path === '/v1/audienceMembers:ingest')).toHaveLength(3);
  expect(google.members).toEqual(expectedKeys(people));

  // Still throttled after every attempt: the rows stay planned as retryable and the next run sends them.
  await load(customers(6));
  for (let i = 0; i < 5; i++) google.inject.push(rateLimited());
  const throttled = await runSync(t.project, 'g_429', fast);
  expect(throttled.counts).toMatchObject({ sent: 2, ok: 0, retryable: 2 });
  expect(throttled.firstErrors[0]!.error).toContain('HTTP 429 RESOURCE_EXHAUSTED (RATE_LIMIT_EXCEEDED)');
  const again = await runSync(t.project, 'g_429', fast);
  expect(again.counts).toMatchObject({ ok: 2 });
  expect(google.members).toEqual(expectedKeys(customers(6)));
});

it('maps failures to rows: no identifier, a member Google names in a 400, processing FAILED and PARTIAL_SUCCESS', async () => {
  t.writeSync('g_partial', yaml('g_partial'));
  const people = customers(6);
  people[1] = { ...people[1]!, email: 'not an email', phone: '12', first_name: null };
  await load(people);
  google.badFormat.add(sha('customer2@example.com'));
  const result = await runSync(t.project, 'g_partial', fast);
  expect(result.counts).toMatchObject({ sent: 6, ok: 4, rejected: 2 });
  expect(result.firstErrors).toEqual([
    {
      key: 'c001',
      op: 'upsert',
      status: 'rejected',
      error: 'no usable email_address, phone_number or complete address (given_name, family_name, region_code, postal_code) after normalisation',
    },
    { key: 'c002', op: 'upsert', status: 'rejected', error: 'INVALID_FORMAT at user_data.user_identifiers[0].email_address: The value is not in the expected format.' },
  ]);
  // The 400 rejected the whole request; the other members went again without c002.
  expect(google.uploads.map((u) => (u.body.audienceMembers as unknown[]).length)).toEqual([4]);
  expect(google.violations).toEqual([]);

  // Google fails to process one member of a request: PARTIAL_SUCCESS counts the rows as delivered.
  await load(customers(9));
  google.unprocessable.add(sha('customer7@example.com'));
  const partial = await runSync(t.project, 'g_partial', fast);
  expect(partial.counts).toMatchObject({ sent: 4, ok: 4 });
  expect(google.members.has(`email:${sha('customer7@example.com')}`)).toBe(false);
  expect(google.members.has(`email:${sha('customer8@example.com')}`)).toBe(true);

  // Every member of a request fails: FAILED, and the rows are rejected with Google's reason counts.
  await load(customers(10));
  google.unprocessable.add(sha('customer9@example.com'));
  const failed = await runSync(t.project, 'g_partial', fast);
  expect(failed.counts).toMatchObject({ sent: 1, ok: 0, rejected: 1 });
  expect(failed.firstErrors[0]!.error).toMatch(/^Google could not process request [0-9a-f-]{36} \(INVALID_FORMAT x1\)$/);
  noRawPii();
});

it('check() reads the user list; bad credentials and a wrong list stop the run with a hint', async () => {
  t.writeSync('g_check', yaml('g_check'));
  await load(customers(2));
  await expect(checkSyncDestination(t.project, 'g_check')).resolves.toBeUndefined();
  expect(google.requests[0]!.path).toBe(`/v1/accountTypes/GOOGLE_ADS/accounts/${ACCOUNT}/userLists/${LIST}`);

  process.env.CDP_TEST_GOOGLE_TOKEN = 'expired';
  try {
    await expect(checkSyncDestination(t.project, 'g_check')).rejects.toThrow('refused the credentials while reading the user list: HTTP 401 UNAUTHENTICATED');
    const failed = await runSync(t.project, 'g_check', fast);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('Google Data Manager refused the credentials while adding audience members');
    expect(failed.counts.ok).toBe(0);
  } finally {
    process.env.CDP_TEST_GOOGLE_TOKEN = TOKEN;
  }
  const resumed = await runSync(t.project, 'g_check', fast);
  expect(resumed.counts.ok).toBe(2);

  t.writeSync('g_wrong', yaml('g_wrong').replace(`audience_id: "${LIST}"`, 'audience_id: "1"'));
  await expect(checkSyncDestination(t.project, 'g_wrong')).rejects.toThrow('refused reading the user list: HTTP 404 NOT_FOUND');
});

it('refuses configs and fields Google cannot take before anything is sent', async () => {
  t.writeSync('g_terms', yaml('g_terms').replace('customer_match_terms_accepted: true', 'customer_match_terms_accepted: false'));
  await expect(runSync(t.project, 'g_terms')).rejects.toThrow('customer_match_terms_accepted');
  t.writeSync('g_fields', yaml('g_fields').replace('given_name: first_name, ', ''));
  await expect(runSync(t.project, 'g_fields')).rejects.toThrow('an address needs all of given_name, family_name, region_code, postal_code (missing given_name)');
  expect(google.requests).toHaveLength(0);
});
