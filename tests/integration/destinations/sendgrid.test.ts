import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { sendgrid429, startSendGrid, type FakeSendGrid } from '../../fixtures/vendors/sendgrid.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

const KEY = 'SG.test-key.0123456789';
const LIST = '3f6ee4a1-5a0e-4a59-9d3c-1f3b9c6a7e21';
let t: TestProject;
let sg: FakeSendGrid;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  t = await makeProject();
  sg = await startSendGrid({ apiKey: KEY });
  process.env.CDP_TEST_SENDGRID_KEY = KEY;
});
afterAll(async () => {
  await sg.close();
  await t.close();
});
beforeEach(() => {
  sg.reset();
  sg.lists.clear();
  sg.lists.set(LIST, 'CDP audience');
});

function yaml(name: string, options: { config?: string; mode?: string; fields?: string } = {}): string {
  return `name: ${name}
from: { model: people }
key: id
destination:
  type: sendgrid
  config:
    api_key: { env: CDP_TEST_SENDGRID_KEY }
    base_url: ${sg.url}
    poll_interval_ms: 10
${options.config ?? `    list_ids: [${LIST}]`}
mode: ${options.mode ?? 'mirror'}
fields: ${options.fields ?? '{ email: email, first_name: first_name, e1_N: score }'}
`;
}

const emails = (ns: number[]) => ns.map((n) => `user${n}@example.com`).sort();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

it('mirrors the model into a list: upsert jobs polled, failed contacts found per row, removals and an email change', async () => {
  t.writeSync('sg_mirror', yaml('sg_mirror'));
  await loadPeople(t.project, people(30));
  sg.reject.add('user4@example.com');
  sg.pendingPolls = 2;
  const first = await runSync(t.project, 'sg_mirror', fast);
  expect(first.status).toBe('partial');
  expect(first.counts).toMatchObject({ sent: 30, ok: 29, rejected: 1, retryable: 0 });
  const job = [...sg.jobs.values()][0]!;
  expect(first.firstErrors).toEqual([
    { key: 'p000004', op: 'upsert', status: 'rejected', error: `SendGrid could not import this contact (job ${job.id}: 1 of 30 errored; details in the job errors_url)` },
  ]);
  expect(sg.calls('upsert')).toHaveLength(1);
  expect(sg.calls('job')).toHaveLength(3); // pending, pending, errored
  expect(sg.calls('search')).toHaveLength(1);
  const put = JSON.parse(sg.calls('upsert')[0]!.body);
  expect(put.list_ids).toEqual([LIST]);
  expect(put.contacts[3]).toEqual({ email: 'user3@example.com', first_name: 'Name3', custom_fields: { e1_N: 3 } });
  expect(sg.contacts.get('user3@example.com')).toMatchObject({ fields: { first_name: 'Name3' }, custom_fields: { e1_N: 3 } });
  expect(sg.listEmails(LIST)).toEqual(emails(range(30).filter((n) => n !== 4)));

  const next = people(30).filter((p) => !['p000010', 'p000011', 'p000012'].includes(p.id));
  next.find((p) => p.id === 'p000020')!.email = 'new20@example.com';
  next.find((p) => p.id === 'p000021')!.first_name = 'Renamed';
  sg.reject.clear();
  sg.pendingPolls = 0;
  await loadPeople(t.project, next);
  sg.requests.length = 0;
  const second = await runSync(t.project, 'sg_mirror', fast);
  expect(second.plan).toMatchObject({ added: 0, changed: 2, removed: 3, replaced: 1 });
  expect(second.status).toBe('success');
  expect(sg.calls('unlist')).toHaveLength(1);
  expect(sg.calls('unlist')[0]!.query.get('contact_ids')!.split(',')).toHaveLength(4);
  const expected = [...emails(range(30).filter((n) => ![4, 10, 11, 12, 20].includes(n))), 'new20@example.com'].sort();
  expect(sg.listEmails(LIST)).toEqual(expected);
  expect(sg.contacts.has('user10@example.com')).toBe(true); // out of the list, still a contact
  expect(sg.contacts.get('user21@example.com')!.fields.first_name).toBe('Renamed');
  // The list holds exactly the model (minus the refused row), with the values of the model.
  const state = [...sg.contacts.values()]
    .filter((c) => c.list_ids.has(LIST))
    .map((c) => ({ email: c.email, first_name: c.fields.first_name, e1_N: c.custom_fields.e1_N }))
    .sort((a, b) => a.email.localeCompare(b.email));
  const model = next
    .filter((p) => p.id !== 'p000004')
    .map((p) => ({ email: p.email!, first_name: p.first_name, e1_N: p.score }))
    .sort((a, b) => a.email.localeCompare(b.email));
  expect(state).toEqual(model);
  expect(sg.violations).toEqual([]);
});

it('a 400 naming contacts refuses those rows and resends the rest; 429 waits for X-RateLimit-Reset', async () => {
  t.writeSync('sg_errors', yaml('sg_errors', { mode: 'upsert' }));
  await loadPeople(t.project, people(5));
  sg.invalid.add('user2@example.com');
  sg.inject.push(sendgrid429(2));
  const started = Date.now();
  const result = await runSync(t.project, 'sg_errors', fast);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(result.counts).toMatchObject({ ok: 4, rejected: 1 });
  expect(result.firstErrors).toEqual([{ key: 'p000002', op: 'upsert', status: 'rejected', error: 'contacts[2].email: email address is invalid' }]);
  const puts = sg.requests.filter((r) => r.method === 'PUT' && r.path === '/v3/marketing/contacts');
  expect(puts.map((r) => JSON.parse(r.body).contacts.length)).toEqual([5, 5, 4]); // 429, 400, then the rest
  expect(sg.listEmails(LIST)).toEqual(emails([0, 1, 3, 4]));
  expect(sg.violations).toEqual([]);
});

it('remove_action delete deletes the contacts that leave (and waits for the delete job)', async () => {
  t.writeSync('sg_delete', yaml('sg_delete', { config: '    remove_action: delete' }));
  await loadPeople(t.project, people(4));
  await runSync(t.project, 'sg_delete', fast);
  expect(sg.contacts.size).toBe(4);
  await loadPeople(t.project, people(2));
  const result = await runSync(t.project, 'sg_delete', fast);
  expect(result.status).toBe('success');
  expect(result.counts).toMatchObject({ ok: 2 });
  expect([...sg.contacts.keys()].sort()).toEqual(emails([0, 1]));
  expect(sg.calls('delete')).toHaveLength(1);
  expect([...sg.jobs.values()].filter((j) => j.type === 'delete').map((j) => j.status)).toEqual(['completed']);
  expect(sg.violations).toEqual([]);
});

it('a job still pending after job_timeout_s leaves rows retryable', async () => {
  t.writeSync('sg_slow', yaml('sg_slow', { config: `    list_ids: [${LIST}]\n    job_timeout_s: 1`, mode: 'upsert' }));
  await loadPeople(t.project, people(2));
  sg.pendingPolls = 1_000_000;
  const slow = await runSync(t.project, 'sg_slow', fast);
  expect(slow.counts).toMatchObject({ ok: 0, retryable: 2 });
  expect(slow.firstErrors[0]!.error).toMatch(/^contacts job [\w-]+ was still pending after 1 s$/);
  sg.pendingPolls = 0;
  const retry = await runSync(t.project, 'sg_slow', fast);
  expect(retry.status).toBe('success');
  expect(sg.listEmails(LIST)).toEqual(emails([0, 1]));
});

it('check() reads each list; names a missing list and a wrong key; mirror without a removal target fails before sending', async () => {
  t.writeSync('sg_check', yaml('sg_check'));
  await expect(checkSyncDestination(t.project, 'sg_check')).resolves.toBeUndefined();
  expect(sg.requests.at(-1)).toMatchObject({ method: 'GET', path: `/v3/marketing/lists/${LIST}` });
  sg.lists.clear();
  await expect(checkSyncDestination(t.project, 'sg_check')).rejects.toThrow(`SendGrid list ${LIST} was not found`);
  process.env.CDP_TEST_SENDGRID_KEY = 'SG.wrong';
  try {
    await expect(checkSyncDestination(t.project, 'sg_check')).rejects.toThrow(/SendGrid refused the API key while reading a list \(HTTP 401/);
  } finally {
    process.env.CDP_TEST_SENDGRID_KEY = KEY;
  }
  t.writeSync('sg_nolist', yaml('sg_nolist', { config: '' }));
  await expect(checkSyncDestination(t.project, 'sg_nolist')).resolves.toBeUndefined();
  expect(sg.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v3/marketing/contacts/count' });
  sg.requests.length = 0;
  const run = await runSync(t.project, 'sg_nolist', fast);
  expect(run.status).toBe('failed');
  expect(run.error).toContain('SendGrid mirror mode needs to know what removing someone means');
  expect(sg.requests).toHaveLength(0);
});

it("the fake's spec check is real: it flags bodies SendGrid's OpenAPI forbids", async () => {
  const { openApiOperation, readReference } = await import('../../fixtures/vendors/spec.js');
  const op = openApiOperation(readReference('sendgrid', 'tsg_mc_contacts_v3.openapi.json'), '/v3/marketing/contacts', 'PUT');
  expect(op.body({ list_ids: [LIST], contacts: [{ email: 'a@example.com', first_name: 'A' }] })).toEqual([]);
  expect(op.body({ contacts: [] }).join()).toContain('fewer than 1 items');
  expect(op.body({ contacts: [{ email: 'a@example.com', first_name: 'x'.repeat(51) }] }).join()).toContain('longer than 50 characters');
  expect(op.body({ list_ids: [LIST] }).join()).toContain("required property 'contacts'");
});
