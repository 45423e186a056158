import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { linkedinError, startLinkedIn, type FakeLinkedIn } from '../../fixtures/vendors/linkedin.js';
import { makeProject, type TestProject } from '../syncs/helpers.js';

const TOKEN = 'AQV-linkedin-test-token';
const ACCOUNT = '508000001';
const SEGMENT = '23456789';
let t: TestProject;
let linkedin: FakeLinkedIn;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const sha512 = (s: string) => createHash('sha512').update(s).digest('hex');

interface Customer {
  id: string;
  email: string | null;
}

function customers(count: number): Customer[] {
  return Array.from({ length: count }, (_, i) => ({ id: `c${String(i).padStart(3, '0')}`, email: ` Customer${i}@Example.com ` }));
}

/** By hand from LinkedIn's rule: trimmed, lower-cased, SHA-256 hex. */
function expected(people: Customer[]): Set<string> {
  return new Set(people.map((c) => `SHA256_EMAIL:${sha256(`customer${Number(c.id.slice(1))}@example.com`)}`));
}

async function load(rows: Customer[]): Promise<void> {
  const w = await t.project.warehouse();
  await w.loadTable({ schema: 'cdp', name: 'customers' }, ['id', 'email'].map((name) => ({ name, kind: 'string' as const })), [rows.map((r) => [r.id, r.email])]);
}

function yaml(name: string, extra = ''): string {
  return `name: ${name}
from: { model: customers }
key: id
destination:
  type: linkedin_audiences
  config: { segment_id: "${SEGMENT}", ad_account_id: "${ACCOUNT}", access_token: { env: CDP_TEST_LINKEDIN_TOKEN }, base_url: "${linkedin.url}/rest"${extra} }
mode: mirror
fields: { email: email }
`;
}

function noRawPii(): void {
  for (const r of linkedin.requests) expect(r.body).not.toMatch(/@|example\.com/i);
}

beforeAll(async () => {
  t = await makeProject();
  linkedin = await startLinkedIn({ token: TOKEN, accountId: ACCOUNT, segmentId: SEGMENT, otherSegments: 150 });
  process.env.CDP_TEST_LINKEDIN_TOKEN = TOKEN;
});
afterAll(async () => {
  await linkedin.close();
  await t.close();
});
beforeEach(() => {
  linkedin.members.clear();
  linkedin.batches.length = 0;
  linkedin.requests.length = 0;
  linkedin.violations.length = 0;
  linkedin.inject.length = 0;
  linkedin.refused.clear();
});

it('mirrors an audience into a DMP segment with BATCH_CREATE: ADD, then REMOVE for leavers and changed emails', async () => {
  t.writeSync('li_mirror', yaml('li_mirror'));
  const people = customers(25);
  await load(people);
  const first = await runSync(t.project, 'li_mirror', { ...fast, batchSize: 10 });
  expect(first.status).toBe('success');
  expect(first.counts).toMatchObject({ sent: 25, ok: 25 });
  expect(linkedin.batches).toEqual([
    { actions: ['ADD'], elements: 10 },
    { actions: ['ADD'], elements: 10 },
    { actions: ['ADD'], elements: 5 },
  ]);
  expect(linkedin.members).toEqual(expected(people));
  const headers = linkedin.requests[0]!.headers;
  expect([headers.authorization, headers['linkedin-version'], headers['x-restli-protocol-version'], headers['x-restli-method']]).toEqual([
    `Bearer ${TOKEN}`,
    '202609',
    '2.0.0',
    'BATCH_CREATE',
  ]);
  expect(JSON.parse(linkedin.requests[0]!.body).elements[0]).toEqual({ action: 'ADD', userIds: [{ idType: 'SHA256_EMAIL', idValue: sha256('customer0@example.com') }] });
  expect(linkedin.violations).toEqual([]);
  noRawPii();

  const next = people.filter((c) => c.id !== 'c003' && c.id !== 'c004');
  next[1] = { ...next[1]!, email: 'New1@Example.com' };
  await load(next);
  linkedin.batches.length = 0;
  const second = await runSync(t.project, 'li_mirror', fast);
  expect(second.plan).toMatchObject({ removed: 2, replaced: 1 });
  expect(linkedin.batches).toEqual([
    { actions: ['REMOVE'], elements: 3 },
    { actions: ['ADD'], elements: 1 },
  ]);
  const want = expected(next.filter((c) => c.id !== 'c001'));
  want.add(`SHA256_EMAIL:${sha256('new1@example.com')}`);
  expect(linkedin.members).toEqual(want);
  expect(linkedin.violations).toEqual([]);
  noRawPii();
});

it('retries 429 and maps per-element statuses to rows', async () => {
  t.writeSync('li_rows', yaml('li_rows'));
  const people = customers(5);
  people[1] = { ...people[1]!, email: 'no email here' };
  await load(people);
  linkedin.inject.push(linkedinError(429, 'TOO_MANY_REQUESTS', 'Resource level throttle limit for calls to this resource is reached.'));
  linkedin.refused.add(sha256('customer3@example.com'));
  const result = await runSync(t.project, 'li_rows', fast);
  expect(result.counts).toMatchObject({ sent: 5, ok: 3, rejected: 2 });
  expect(result.firstErrors).toEqual([
    { key: 'c001', op: 'upsert', status: 'rejected', error: 'no usable email after normalisation' },
    { key: 'c003', op: 'upsert', status: 'rejected', error: 'element status 400: Invalid idValue for idType' },
  ]);
  expect(linkedin.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
  expect(linkedin.batches).toEqual([{ actions: ['ADD'], elements: 4 }]);
  expect(linkedin.members).toEqual(expected([people[0]!, people[2]!, people[4]!]));
});

it('SHA512_EMAIL on request; check() pages through the account segments; a bad token or version stops the run', async () => {
  t.writeSync('li_512', yaml('li_512', ', email_hash: SHA512, linkedin_version: "202611"'));
  await load(customers(2));
  const result = await runSync(t.project, 'li_512', fast);
  expect(result.counts.ok).toBe(2);
  expect(linkedin.members).toEqual(new Set([`SHA512_EMAIL:${sha512('customer0@example.com')}`, `SHA512_EMAIL:${sha512('customer1@example.com')}`]));
  expect(linkedin.requests[0]!.headers['linkedin-version']).toBe('202611');

  linkedin.requests.length = 0;
  await expect(checkSyncDestination(t.project, 'li_512')).resolves.toBeUndefined();
  expect(linkedin.requests.map((r) => [r.query.get('start'), r.query.get('count'), r.query.get('account')])).toEqual([
    ['0', '100', `urn:li:sponsoredAccount:${ACCOUNT}`],
    ['100', '100', `urn:li:sponsoredAccount:${ACCOUNT}`],
  ]);
  t.writeSync('li_other', yaml('li_other').replace(`segment_id: "${SEGMENT}"`, 'segment_id: "999"'));
  await expect(checkSyncDestination(t.project, 'li_other')).rejects.toThrow(`segment 999 is not among the segments of ad account ${ACCOUNT}`);

  await load(customers(3));
  process.env.CDP_TEST_LINKEDIN_TOKEN = 'expired';
  try {
    const failed = await runSync(t.project, 'li_512', fast);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('LinkedIn refused adding segment users: HTTP 401 INVALID_ACCESS_TOKEN (65600): Invalid access token');
  } finally {
    process.env.CDP_TEST_LINKEDIN_TOKEN = TOKEN;
  }
  linkedin.inject.push(linkedinError(426, 'NONEXISTENT_VERSION', 'Requested version 20261100 is not active'));
  const old = await runSync(t.project, 'li_512', fast);
  expect(old.error).toContain('HTTP 426 NONEXISTENT_VERSION');
  const again = await runSync(t.project, 'li_512', fast);
  expect(again.counts.ok).toBe(1);
  expect(linkedin.members.size).toBe(3);
});
