import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { klaviyo429, startKlaviyo, type FakeKlaviyo } from '../../fixtures/vendors/klaviyo.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

const KEY = 'pk_0123456789abcdef0123456789abcdef01';
const LIST = 'Y6nRLr';
let t: TestProject;
let kl: FakeKlaviyo;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  t = await makeProject();
  kl = await startKlaviyo({ apiKey: KEY, revision: '2026-07-15' });
  process.env.CDP_TEST_KLAVIYO_KEY = KEY;
});
afterAll(async () => {
  await kl.close();
  await t.close();
});
beforeEach(() => {
  kl.reset();
  kl.lists.set(LIST, new Set());
});

function yaml(name: string, options: { config?: string; mode?: string; fields?: string } = {}): string {
  return `name: ${name}
from: { model: people }
key: id
destination:
  type: klaviyo
  config:
    api_key: { env: CDP_TEST_KLAVIYO_KEY }
    base_url: ${kl.url}
    poll_interval_ms: 10
${options.config ?? `    list_id: ${LIST}`}
mode: ${options.mode ?? 'mirror'}
fields: ${options.fields ?? '{ email: email, first_name: first_name, score: score }'}
`;
}

const emails = (ns: number[]) => ns.map((n) => `user${n}@example.com`).sort();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

it('mirrors the model into a list through bulk import jobs: polling, per-profile import errors, removals, an email change', async () => {
  t.writeSync('kl_mirror', yaml('kl_mirror'));
  await loadPeople(t.project, people(30));
  kl.reject.add('user7@example.com');
  kl.processingPolls = 2;
  const first = await runSync(t.project, 'kl_mirror', fast);
  expect(first.status).toBe('partial');
  expect(first.counts).toMatchObject({ sent: 30, ok: 29, rejected: 1, retryable: 0 });
  expect(first.firstErrors).toEqual([{ key: 'p000007', op: 'upsert', status: 'rejected', error: 'invalid: Invalid email address: <email>' }]);
  expect(kl.calls('import')).toHaveLength(1);
  expect(kl.calls('job')).toHaveLength(3); // processing, processing, complete
  expect(kl.calls('errors')).toHaveLength(1);
  const body = JSON.parse(kl.calls('import')[0]!.body);
  expect(body.data.relationships).toEqual({ lists: { data: [{ type: 'list', id: LIST }] } });
  expect(body.data.attributes.profiles.data[3]).toEqual({
    type: 'profile',
    attributes: { email: 'user3@example.com', first_name: 'Name3', properties: { score: 3 } },
  });
  expect(kl.calls('import')[0]!.headers).toMatchObject({ revision: '2026-07-15', 'content-type': 'application/vnd.api+json' });
  expect(kl.byEmail('user3@example.com')!.attributes).toEqual({ email: 'user3@example.com', first_name: 'Name3', properties: { score: 3 } });
  expect(kl.listEmails(LIST)).toEqual(emails(range(30).filter((n) => n !== 7)));

  const next = people(30).filter((p) => !['p000010', 'p000011', 'p000012'].includes(p.id));
  next.find((p) => p.id === 'p000020')!.email = 'new20@example.com';
  next.find((p) => p.id === 'p000021')!.first_name = 'Renamed';
  next.find((p) => p.id === 'p000022')!.score = null;
  kl.reject.clear();
  kl.processingPolls = 0;
  await loadPeople(t.project, next);
  kl.requests.length = 0;
  const second = await runSync(t.project, 'kl_mirror', fast);
  expect(second.plan).toMatchObject({ added: 0, changed: 3, removed: 3, replaced: 1 });
  expect(second.status).toBe('success');
  expect(kl.calls('profiles')).toHaveLength(1);
  expect(kl.calls('profiles')[0]!.query.get('filter')).toBe('any(email,["user10@example.com","user11@example.com","user12@example.com","user20@example.com"])');
  expect(kl.calls('remove')).toHaveLength(1);
  const expected = [...emails(range(30).filter((n) => ![7, 10, 11, 12, 20].includes(n))), 'new20@example.com'].sort();
  expect(kl.listEmails(LIST)).toEqual(expected);
  expect(kl.byEmail('user10@example.com')).toBeDefined(); // left the list, the profile stays
  expect(kl.byEmail('user21@example.com')!.attributes.first_name).toBe('Renamed');
  // A NULL clears the custom property through meta.patch_properties.unset.
  expect(kl.byEmail('user22@example.com')!.attributes.properties).toEqual({});
  // The list holds exactly the model (minus the refused row), with the values of the model.
  const state = [...kl.lists.get(LIST)!].map((id) => kl.profiles.get(id)!.attributes).sort((a, b) => String(a.email).localeCompare(String(b.email)));
  const model = next
    .filter((p) => p.id !== 'p000007')
    .map((p) => ({ email: p.email, first_name: p.first_name, properties: p.score === null ? {} : { score: p.score } }))
    .sort((a, b) => a.email!.localeCompare(b.email!));
  expect(state).toEqual(model);
  expect(kl.violations).toEqual([]);
});

it('honours Retry-After on 429 and retries 5xx', async () => {
  t.writeSync('kl_throttle', yaml('kl_throttle'));
  await loadPeople(t.project, people(3));
  kl.inject.push(klaviyo429(1), { status: 503, body: { errors: [{ id: 'x', code: 'error', title: 'Service unavailable', detail: 'try later' }] } });
  const started = Date.now();
  const result = await runSync(t.project, 'kl_throttle', fast);
  expect(result.status).toBe('success');
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(kl.requests.slice(0, 3).map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill('POST /api/profile-bulk-import-jobs'));
  expect(kl.listEmails(LIST)).toEqual(emails(range(3)));
  expect(kl.violations).toEqual([]);
});

it('a job that outlives job_timeout_s leaves its rows retryable; the next run sends them again', async () => {
  t.writeSync('kl_slow', yaml('kl_slow', { config: `    list_id: ${LIST}\n    job_timeout_s: 1` }));
  await loadPeople(t.project, people(2));
  kl.processingPolls = 1_000_000;
  const slow = await runSync(t.project, 'kl_slow', fast);
  expect(slow.status).toBe('partial');
  expect(slow.counts).toMatchObject({ ok: 0, retryable: 2 });
  expect(slow.firstErrors[0]!.error).toMatch(/^import job \w+ was still processing after 1 s$/);
  kl.processingPolls = 0;
  const retry = await runSync(t.project, 'kl_slow', fast);
  expect(retry.plan).toMatchObject({ retry: 2 });
  expect(retry.status).toBe('success');
  expect(kl.listEmails(LIST)).toEqual(emails(range(2)));
});

it('import errors spanning several pages are all mapped to their rows', async () => {
  t.writeSync('kl_pages', yaml('kl_pages', { mode: 'upsert' }));
  await loadPeople(t.project, people(130));
  for (let n = 0; n < 105; n++) kl.reject.add(`user${n}@example.com`);
  const result = await runSync(t.project, 'kl_pages', fast);
  expect(result.counts).toMatchObject({ sent: 130, ok: 25, rejected: 105 });
  expect(kl.calls('errors').map((r) => r.query.get('page[cursor]'))).toEqual([null, '100']);
  expect(kl.listEmails(LIST)).toEqual(emails(range(130).filter((n) => n >= 105)));
  expect(kl.violations).toEqual([]);
});

it('rows without a usable identifier are rejected before anything is sent; phones are sent as E.164', async () => {
  t.writeSync('kl_ids', yaml('kl_ids', { config: `    list_id: ${LIST}\n    default_phone_region: US`, mode: 'upsert', fields: '{ email: email, phone_number: first_name }' }));
  await loadPeople(t.project, [
    { id: 'a', email: 'not-an-email', first_name: 'nope', score: 1 },
    { id: 'b', email: null, first_name: '(415) 555-0123', score: 2 },
  ]);
  const result = await runSync(t.project, 'kl_ids', fast);
  expect(result.counts).toMatchObject({ ok: 1, rejected: 1 });
  expect(result.firstErrors[0]).toEqual({ key: 'a', op: 'upsert', status: 'rejected', error: 'no valid email, phone_number (E.164) or external_id to identify the profile' });
  expect(JSON.parse(kl.calls('import')[0]!.body).data.attributes.profiles.data).toEqual([{ type: 'profile', attributes: { phone_number: '+14155550123' } }]);
  expect(kl.violations).toEqual([]);
});

it('check() reads the list with the key and revision; names a wrong key and a missing list; mirror needs a list', async () => {
  t.writeSync('kl_check', yaml('kl_check'));
  await expect(checkSyncDestination(t.project, 'kl_check')).resolves.toBeUndefined();
  expect(kl.requests.at(-1)).toMatchObject({ method: 'GET', path: `/api/lists/${LIST}` });
  kl.lists.delete(LIST);
  await expect(checkSyncDestination(t.project, 'kl_check')).rejects.toThrow(/Klaviyo list Y6nRLr was not found/);
  process.env.CDP_TEST_KLAVIYO_KEY = 'pk_wrong';
  try {
    await expect(checkSyncDestination(t.project, 'kl_check')).rejects.toThrow(/Klaviyo refused the API key while reading the list \(HTTP 401/);
  } finally {
    process.env.CDP_TEST_KLAVIYO_KEY = KEY;
  }
  t.writeSync('kl_nolist', yaml('kl_nolist', { config: '' }));
  await expect(checkSyncDestination(t.project, 'kl_nolist')).resolves.toBeUndefined();
  expect(kl.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/profiles' });
  const run = await runSync(t.project, 'kl_nolist', fast);
  expect(run.status).toBe('failed');
  expect(run.error).toContain('Klaviyo mirror mode needs list_id');
  expect(kl.violations).toEqual([]);
});

it("the fake's spec check is real: it flags bodies and parameters Klaviyo's OpenAPI forbids", async () => {
  const { openApi3Operation } = await import('../../fixtures/vendors/klaviyo-openapi.js');
  const { readReference } = await import('../../fixtures/vendors/spec.js');
  const op = openApi3Operation(readReference('klaviyo', 'profiles.openapi.json'), '/api/profile-bulk-import-jobs', 'POST');
  const good = { data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: [{ type: 'profile', attributes: { email: 'a@example.com', first_name: null } }] } } } };
  expect(op.body(good)).toEqual([]);
  expect(op.body({ data: { type: 'profile-import-job', attributes: good.data.attributes } }).join()).toContain('allowed values');
  expect(op.body({ data: { type: 'profile-bulk-import-job', attributes: { profiles: { data: [{ attributes: {} }] } } } }).join()).toContain("required property 'type'");
  expect(op.headers({})).toEqual(['missing required header revision']);
  const profiles = openApi3Operation(readReference('klaviyo', 'profiles.openapi.json'), '/api/profiles', 'GET');
  expect(profiles.query(new URLSearchParams('page[size]=500&fields[profile]=email,shoe_size&colour=red'))).toEqual([
    'page[size]=500 is out of range',
    'fields[profile]: shoe_size is not one of the allowed values',
    'unknown query parameter colour',
  ]);
});
