import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { graphError, startMeta, type FakeMeta } from '../../fixtures/vendors/meta.js';
import { makeProject, type TestProject } from '../syncs/helpers.js';

const TOKEN = 'EAAB-test-token';
const AUDIENCE = '23850000000000001';
let t: TestProject;
let meta: FakeMeta;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

interface Customer {
  id: string;
  email: string | null;
  phone: string | null;
  first_name: string | null;
  country: string | null;
}

async function loadCustomers(rows: Customer[]): Promise<void> {
  const w = await t.project.warehouse();
  await w.loadTable(
    { schema: 'cdp', name: 'customers' },
    ['id', 'email', 'phone', 'first_name', 'country'].map((name) => ({ name, kind: 'string' as const })),
    [rows.map((r) => [r.id, r.email, r.phone, r.first_name, r.country])],
  );
}

function customers(count: number): Customer[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `c${String(i).padStart(6, '0')}`,
    email: ` Customer${i}@Example.com `,
    phone: i % 2 ? `(415) 555-${String(i % 10000).padStart(4, '0')}` : null,
    first_name: `Ann-${'Marie'}`,
    country: 'United States',
  }));
}

function yaml(name: string, mode = 'mirror'): string {
  return `name: ${name}
from: { model: customers }
key: id
destination:
  type: meta_custom_audiences
  config: { audience_id: "${AUDIENCE}", access_token: { env: CDP_TEST_META_TOKEN }, base_url: "${meta.url}/v25.0", default_phone_region: US }
mode: ${mode}
fields: { EMAIL: email, PHONE: phone, FN: first_name, COUNTRY: country }
`;
}

beforeAll(async () => {
  t = await makeProject();
  meta = await startMeta({ audienceId: AUDIENCE, token: TOKEN });
  process.env.CDP_TEST_META_TOKEN = TOKEN;
});
afterAll(async () => {
  await meta.close();
  await t.close();
});
beforeEach(() => {
  meta.members.clear();
  meta.uploads.length = 0;
  meta.requests.length = 0;
  meta.violations.length = 0;
  meta.invalid.clear();
});

it('uploads normalised, hashed identifiers 10,000 per request in one session, and removes by the same hashes', async () => {
  t.writeSync('meta_big', yaml('meta_big'));
  await loadCustomers(customers(25_000));
  const result = await runSync(t.project, 'meta_big', fast);
  expect(result.status).toBe('success');
  expect(meta.uploads.map((u) => [u.method, u.data.length, u.session.batch_seq, u.session.last_batch_flag, u.session.estimated_num_total])).toEqual([
    ['POST', 10_000, 1, false, 25_000],
    ['POST', 10_000, 2, false, 25_000],
    ['POST', 5_000, 3, true, 25_000],
  ]);
  expect(new Set(meta.uploads.map((u) => u.session.session_id)).size).toBe(1);
  expect(meta.uploads[0]!.schema).toEqual(['EMAIL', 'PHONE', 'FN', 'COUNTRY']);
  expect(meta.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  // Customer 7: email trimmed + lower-cased, phone as digits with country code, name letters only, country ISO.
  expect(meta.uploads[0]!.data[7]).toEqual([sha('customer7@example.com'), sha('14155550007'), sha('annmarie'), sha('us')]);
  expect(meta.uploads[0]!.data[6]).toEqual([sha('customer6@example.com'), '', sha('annmarie'), sha('us')]);
  expect(meta.members.size).toBe(25_000);
  expect(meta.violations).toEqual([]);

  // Two customers leave, one changes email: DELETE with the hashes that were added, then the new ones.
  const next = customers(25_000).filter((c) => c.id !== 'c000003' && c.id !== 'c000004');
  next[0]!.email = 'changed0@example.com';
  await loadCustomers(next);
  meta.uploads.length = 0;
  const second = await runSync(t.project, 'meta_big', fast);
  expect(second.plan).toMatchObject({ removed: 2, replaced: 1, changed: 1, total: 4 });
  expect(meta.uploads.map((u) => [u.method, u.data.length, u.session.batch_seq, u.session.last_batch_flag])).toEqual([
    ['DELETE', 3, 1, true],
    ['POST', 1, 1, true],
  ]);
  expect(meta.uploads[0]!.data).toContainEqual([sha('customer3@example.com'), sha('14155550003'), sha('annmarie'), sha('us')]);
  expect(meta.uploads[0]!.data).toContainEqual([sha('customer4@example.com'), '', sha('annmarie'), sha('us')]);
  expect(meta.uploads[0]!.data).toContainEqual([sha('customer0@example.com'), '', sha('annmarie'), sha('us')]);
  expect(meta.uploads[1]!.data).toEqual([[sha('changed0@example.com'), '', sha('annmarie'), sha('us')]]);
  expect(meta.members.size).toBe(24_998);
  expect(meta.members.has(JSON.stringify([sha('customer0@example.com'), '', sha('annmarie'), sha('us')]))).toBe(false);
  expect(meta.violations).toEqual([]);
});

it('rejects rows with no identifier before sending, and rows Meta reports as invalid entries', async () => {
  t.writeSync('meta_bad_rows', yaml('meta_bad_rows'));
  const rows = customers(4);
  rows[1] = { ...rows[1]!, email: 'not an email', phone: '12' };
  await loadCustomers(rows);
  meta.invalid.add(sha('customer2@example.com'));
  const result = await runSync(t.project, 'meta_bad_rows', fast);
  expect(result.counts).toMatchObject({ sent: 4, ok: 2, rejected: 2 });
  expect(result.firstErrors).toEqual([
    { key: 'c000001', op: 'upsert', status: 'rejected', error: 'no usable EMAIL, PHONE, MADID or EXTERN_ID after normalisation' },
    { key: 'c000002', op: 'upsert', status: 'rejected', error: 'invalid entry: Invalid hash format' },
  ]);
  expect(meta.uploads[0]!.data).toHaveLength(3);
});

it('retries throttling signalled by Graph error codes (not 429), stops on permission errors', async () => {
  t.writeSync('meta_throttle', yaml('meta_throttle'));
  await loadCustomers(customers(3));
  meta.inject.push(
    { ...graphError(17, 'User request limit reached', 2446079), headers: { 'x-business-use-case-usage': JSON.stringify({ '123': [{ call_count: 100, estimated_time_to_regain_access: 0 }] }) } },
    graphError(80003, 'There have been too many calls to this ad-account.'),
  );
  const ok = await runSync(t.project, 'meta_throttle', fast);
  expect(ok.status).toBe('success');
  expect(meta.requests).toHaveLength(3);
  expect(meta.members.size).toBe(3);

  await loadCustomers(customers(5));
  meta.inject.push(graphError(200, 'Permissions error'));
  const failed = await runSync(t.project, 'meta_throttle', fast);
  expect(failed.status).toBe('failed');
  expect(failed.error).toContain('Meta refused adding users: Graph error 200: Permissions error');
  expect(failed.counts.ok).toBe(0);
  const again = await runSync(t.project, 'meta_throttle', fast);
  expect(again.resumedPlan).toBe(failed.runId);
  expect(again.counts.ok).toBe(2);
  expect(meta.members.size).toBe(5);
});

it('a garbage answer stops the run; check() reads the audience and names a bad token', async () => {
  t.writeSync('meta_garbage', yaml('meta_garbage'));
  await loadCustomers(customers(2));
  meta.inject.push({ status: 200, body: '<!DOCTYPE html><title>Sorry</title>' });
  const failed = await runSync(t.project, 'meta_garbage', fast);
  expect(failed.status).toBe('failed');
  expect(failed.error).toBe(`Meta answered HTTP 200 with a body that is not JSON: "<!DOCTYPE html><title>Sorry</title>" — check base_url points at the Meta API (${meta.url})`);
  expect(failed.counts.ok).toBe(0);

  await expect(checkSyncDestination(t.project, 'meta_garbage')).resolves.toBeUndefined();
  process.env.CDP_TEST_META_TOKEN = 'expired';
  try {
    await expect(checkSyncDestination(t.project, 'meta_garbage')).rejects.toThrow('Meta refused reading the audience: Graph error 190: Invalid OAuth access token');
  } finally {
    process.env.CDP_TEST_META_TOKEN = TOKEN;
  }
});

it('refuses fields Meta does not match on', async () => {
  t.writeSync('meta_fields', yaml('meta_fields').replace('FN: first_name', 'first_name: first_name'));
  await expect(runSync(t.project, 'meta_fields')).rejects.toThrow('"first_name" is not a Meta customer-file key');
});
