import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, getSyncStatus, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { hubspot429, startHubSpot, type FakeHubSpot } from '../../fixtures/vendors/hubspot.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const LIST = '42';
let t: TestProject;
let hs: FakeHubSpot;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  t = await makeProject();
  hs = await startHubSpot({ token: TOKEN, uniqueProperties: ['cdp_key'] });
  process.env.CDP_TEST_HUBSPOT_TOKEN = TOKEN;
});
afterAll(async () => {
  await hs.close();
  await t.close();
});
beforeEach(() => {
  hs.reset();
  hs.lists.set(LIST, { processingType: 'MANUAL', members: new Set() });
});

function yaml(name: string, options: { config?: string; mode?: string; fields?: string } = {}): string {
  return `name: ${name}
from: { model: people }
key: id
destination:
  type: hubspot
  config:
    access_token: { env: CDP_TEST_HUBSPOT_TOKEN }
    base_url: ${hs.url}
${options.config ?? `    list_id: "${LIST}"`}
mode: ${options.mode ?? 'mirror'}
fields: ${options.fields ?? '{ email: email, firstname: first_name, score: score }'}
`;
}

const emails = (ns: number[]) => ns.map((n) => `user${n}@example.com`).sort();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

it('mirrors the model into a static list: upserts, list adds, a bad email isolated, removals and an email change', async () => {
  t.writeSync('hs_mirror', yaml('hs_mirror'));
  await loadPeople(t.project, people(30));
  hs.reject.add('user5@example.com');
  const first = await runSync(t.project, 'hs_mirror', fast);
  expect(first.status).toBe('partial');
  expect(first.counts).toMatchObject({ sent: 30, ok: 29, rejected: 1, retryable: 0 });
  expect(first.firstErrors).toEqual([
    {
      key: 'p000005',
      op: 'upsert',
      status: 'rejected',
      error: 'VALIDATION_ERROR: Property values were not valid: [{"isValid":false,"message":"Email address <email> is invalid","error":"INVALID_EMAIL","name":"email"}]',
    },
  ]);
  // email idProperty has no partial upserts: the whole-batch 400 is split until user5 stands alone.
  expect(hs.calls('upsert').length).toBeGreaterThan(2);
  expect(hs.calls('upsert').every((r) => JSON.parse(r.body).inputs.every((i: { idProperty: string }) => i.idProperty === 'email'))).toBe(true);
  expect(hs.find('user3@example.com')!.properties).toMatchObject({ email: 'user3@example.com', firstname: 'Name3', score: '3' });
  expect(hs.listEmails(LIST)).toEqual(emails(range(30).filter((n) => n !== 5)));
  expect(hs.calls('add').every((r) => (JSON.parse(r.body) as string[]).every((id) => /^\d+$/.test(id)))).toBe(true);

  // Three people leave, one changes email, one changes name.
  const next = people(30).filter((p) => !['p000010', 'p000011', 'p000012'].includes(p.id));
  next.find((p) => p.id === 'p000020')!.email = 'new20@example.com';
  next.find((p) => p.id === 'p000021')!.first_name = 'Renamed';
  hs.reject.clear();
  await loadPeople(t.project, next);
  hs.requests.length = 0;
  const second = await runSync(t.project, 'hs_mirror', fast);
  expect(second.plan).toMatchObject({ added: 0, changed: 2, removed: 3, replaced: 1 });
  expect(second.status).toBe('success');
  expect(hs.calls('read')).toHaveLength(1);
  expect(hs.calls('remove')).toHaveLength(1);
  const expected = [...emails(range(30).filter((n) => ![5, 10, 11, 12, 20].includes(n))), 'new20@example.com'].sort();
  expect(hs.listEmails(LIST)).toEqual(expected);
  expect(hs.find('user10@example.com')).toBeDefined(); // out of the list, still a contact
  expect(hs.find('user21@example.com')!.properties.firstname).toBe('Renamed');
  // The list holds exactly the model (minus the refused row), with the values of the model.
  const members = [...hs.lists.get(LIST)!.members].map((id) => hs.contacts.get(id)!.properties);
  const state = members.map((p) => ({ email: p.email, firstname: p.firstname, score: p.score })).sort((a, b) => a.email!.localeCompare(b.email!));
  const model = next.filter((p) => p.id !== 'p000005').map((p) => ({ email: p.email, firstname: p.first_name, score: String(p.score) })).sort((a, b) => a.email!.localeCompare(b.email!));
  expect(state).toEqual(model);
  expect(hs.violations).toEqual([]);
});

it('a custom unique id property gets per-record errors from a 207 without splitting the batch', async () => {
  t.writeSync('hs_custom', yaml('hs_custom', { config: '    id_property: cdp_key', mode: 'upsert', fields: '{ cdp_key: id, email: email, firstname: first_name }' }));
  await loadPeople(t.project, people(6));
  hs.reject.add('p000003');
  const result = await runSync(t.project, 'hs_custom', fast);
  expect(result.counts).toMatchObject({ ok: 5, rejected: 1 });
  expect(result.firstErrors[0]).toMatchObject({ key: 'p000003', status: 'rejected' });
  expect(result.firstErrors[0]!.error).toMatch(/^VALIDATION_ERROR: Property values were not valid/);
  expect(hs.calls('upsert')).toHaveLength(1);
  expect(JSON.parse(hs.calls('upsert')[0]!.body).inputs[0]).toEqual({
    id: 'p000000',
    idProperty: 'cdp_key',
    properties: { cdp_key: 'p000000', email: 'user0@example.com', firstname: 'Name0' },
    objectWriteTraceId: '0',
  });
  expect(hs.find('p000004', 'cdp_key')!.properties.email).toBe('user4@example.com');
  expect(hs.calls('add')).toHaveLength(0);
  expect(hs.violations).toEqual([]);
});

it('waits out a 429 by its policy and retries 5xx; a DAILY 429 stops the run and the next run resumes', async () => {
  t.writeSync('hs_throttle', yaml('hs_throttle'));
  await loadPeople(t.project, people(4));
  // The interval header is shrunk so the test stays fast; the client waits one full window.
  hs.inject.push(hubspot429('TEN_SECONDLY_ROLLING', 150), { status: 502, body: 'Bad Gateway' });
  const started = Date.now();
  const result = await runSync(t.project, 'hs_throttle', fast);
  expect(result.status).toBe('success');
  expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  expect(hs.requests.slice(0, 3).map((r) => r.path)).toEqual(Array(3).fill('/crm/v3/objects/contacts/batch/upsert'));
  expect(hs.listEmails(LIST)).toEqual(emails(range(4)));

  await loadPeople(t.project, people(6));
  hs.inject.push(hubspot429('DAILY'));
  const before = hs.requests.length;
  const stopped = await runSync(t.project, 'hs_throttle', fast);
  expect(stopped.status).toBe('failed');
  expect(stopped.error).toMatch(/^HubSpot's daily API limit is used up \(HTTP 429: .*"policyName":"DAILY".*\) — the quota resets at midnight/);
  expect(hs.requests.length - before).toBe(1); // the DAILY answer is not retried
  const resumed = await runSync(t.project, 'hs_throttle', fast);
  expect(resumed.status).toBe('success');
  expect(hs.listEmails(LIST)).toEqual(emails(range(6)));
  expect(await getSyncStatus(t.project, 'hs_throttle')).toMatchObject({ state: { ok: 6, rejected: 0, retryable: 0, pending: 0 } });
});

it('a property HubSpot does not have stops the run at once instead of splitting the batch row by row', async () => {
  t.writeSync('hs_badprop', yaml('hs_badprop', { fields: '{ email: email, shoe_size: score }' }));
  await loadPeople(t.project, people(8));
  const result = await runSync(t.project, 'hs_badprop', fast);
  expect(result.status).toBe('failed');
  expect(result.error).toMatch(/^HubSpot contact property "shoe_size" does not exist \(HTTP 400: .*\) — create the property in HubSpot/);
  expect(hs.calls('upsert')).toHaveLength(1);
  expect(hs.contacts.size).toBe(0);
});

it('update mode only updates contacts HubSpot has; archive removal without a list', async () => {
  t.writeSync('hs_seed', yaml('hs_seed', { config: '    remove_action: archive' }));
  await loadPeople(t.project, people(3));
  await runSync(t.project, 'hs_seed', fast);
  expect(hs.find('user1@example.com')).toBeDefined();
  await loadPeople(t.project, people(2));
  const removal = await runSync(t.project, 'hs_seed', fast);
  expect(removal.counts).toMatchObject({ ok: 1 });
  expect(JSON.parse(hs.calls('archive')[0]!.body)).toEqual({ inputs: [{ id: hs.contacts.get('1003')!.id }] });
  expect(hs.find('user2@example.com')).toBeUndefined();

  t.writeSync('hs_update', yaml('hs_update', { config: '', mode: 'update' }));
  await loadPeople(t.project, people(3).map((p) => ({ ...p, first_name: `${p.first_name}!` })));
  const update = await runSync(t.project, 'hs_update', fast);
  expect(update.counts).toMatchObject({ ok: 2, rejected: 1 });
  expect(update.firstErrors).toEqual([{ key: 'p000002', op: 'upsert', status: 'rejected', error: 'not in HubSpot (update mode never creates contacts)' }]);
  expect(hs.find('user0@example.com')!.properties.firstname).toBe('Name0!');
  expect(hs.find('user2@example.com')).toBeUndefined();
  expect(hs.violations).toEqual([]);
});

it('check() reads the list; names a wrong token, a missing or active list; mirror without a removal target fails before sending', async () => {
  t.writeSync('hs_check', yaml('hs_check'));
  await expect(checkSyncDestination(t.project, 'hs_check')).resolves.toBeUndefined();
  expect(hs.requests.at(-1)).toMatchObject({ method: 'GET', path: `/crm/v3/lists/${LIST}` });
  hs.lists.get(LIST)!.processingType = 'DYNAMIC';
  await expect(checkSyncDestination(t.project, 'hs_check')).rejects.toThrow(/HubSpot list 42 is an active \(DYNAMIC\) list/);
  hs.lists.delete(LIST);
  await expect(checkSyncDestination(t.project, 'hs_check')).rejects.toThrow(/HubSpot list 42 was not found/);
  process.env.CDP_TEST_HUBSPOT_TOKEN = 'wrong';
  try {
    await expect(checkSyncDestination(t.project, 'hs_check')).rejects.toThrow(/HubSpot refused the access token while reading the list \(HTTP 401/);
  } finally {
    process.env.CDP_TEST_HUBSPOT_TOKEN = TOKEN;
  }
  t.writeSync('hs_nolist', yaml('hs_nolist', { config: '' }));
  await expect(checkSyncDestination(t.project, 'hs_nolist')).resolves.toBeUndefined();
  expect(hs.requests.at(-1)).toMatchObject({ method: 'GET', path: '/crm/v3/objects/contacts' });
  await loadPeople(t.project, people(2));
  hs.requests.length = 0;
  const run = await runSync(t.project, 'hs_nolist', fast);
  expect(run.status).toBe('failed');
  expect(run.error).toContain('HubSpot mirror mode needs to know what removing someone means');
  expect(hs.requests).toHaveLength(0);
});
