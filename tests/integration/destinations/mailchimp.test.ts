import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, getSyncStatus, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { md5, startMailchimp, type FakeMailchimp } from '../../fixtures/vendors/mailchimp.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

const KEY = 'test0123456789abcdef-us1';
let t: TestProject;
let mc: FakeMailchimp;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  t = await makeProject();
  mc = await startMailchimp({ listId: 'abc123', apiKey: KEY });
  process.env.CDP_TEST_MAILCHIMP_KEY = KEY;
});
afterAll(async () => {
  await mc.close();
  await t.close();
});
beforeEach(() => {
  mc.members.clear();
  mc.requests.length = 0;
  mc.violations.length = 0;
  mc.reject.clear();
});

function yaml(name: string, extra = '', mode = 'mirror'): string {
  return `name: ${name}
from: { model: people }
key: id
destination:
  type: mailchimp
  config:
    list_id: abc123
    api_key: { env: CDP_TEST_MAILCHIMP_KEY }
    base_url: ${mc.url}/3.0
    tags: [cdp]${extra}
mode: ${mode}
fields: { email_address: email, FNAME: first_name, SCORE: score }
`;
}

const member = (n: number) => mc.members.get(md5(`user${n}@example.com`));

it('mirrors the model into the list: batch upserts, per-member errors, archives, email changes', async () => {
  t.writeSync('mc_mirror', yaml('mc_mirror'));
  await loadPeople(t.project, people(30));
  mc.reject.add('user5@example.com');
  const first = await runSync(t.project, 'mc_mirror', fast);
  expect(first.status).toBe('partial');
  expect(first.counts).toMatchObject({ sent: 30, ok: 29, rejected: 1 });
  expect(first.firstErrors).toEqual([{ key: 'p000005', op: 'upsert', status: 'rejected', error: 'ERROR_GENERIC: <email> looks fake or invalid, please enter a real email address.' }]);
  expect(mc.calls('batch')).toHaveLength(1);
  expect(JSON.parse(mc.calls('batch')[0]!.body)).toMatchObject({ update_existing: true, sync_tags: false });
  expect(member(3)).toEqual({ email_address: 'user3@example.com', status: 'subscribed', merge_fields: { FNAME: 'Name3', SCORE: 3 }, tags: new Set(['cdp']) });
  expect(mc.members.size).toBe(29);

  // Three people leave, one changes email, one changes name.
  const next = people(30).filter((p) => !['p000010', 'p000011', 'p000012'].includes(p.id));
  next.find((p) => p.id === 'p000020')!.email = 'new20@example.com';
  next.find((p) => p.id === 'p000021')!.first_name = 'Renamed';
  mc.reject.clear();
  await loadPeople(t.project, next);
  mc.requests.length = 0;
  const second = await runSync(t.project, 'mc_mirror', fast);
  // p000005 stays rejected: unchanged, so not sent again.
  expect(second.plan).toMatchObject({ added: 0, changed: 2, removed: 3, replaced: 1, total: 6 });
  expect(second.status).toBe('success');
  expect(mc.calls('archive').map((r) => r.path.split('/').pop()).sort()).toEqual(
    ['user10@example.com', 'user11@example.com', 'user12@example.com', 'user20@example.com'].map(md5).sort(),
  );
  expect(member(10)!.status).toBe('archived');
  expect(member(20)!.status).toBe('archived');
  expect(mc.members.get(md5('new20@example.com'))).toMatchObject({ status: 'subscribed', merge_fields: { FNAME: 'Name20' } });
  expect(member(21)!.merge_fields.FNAME).toBe('Renamed');
  expect(mc.violations).toEqual([]);
});

it('backs off on 429 and on the bodiless 403 Mailchimp sends under load', async () => {
  t.writeSync('mc_throttle', yaml('mc_throttle'));
  await loadPeople(t.project, people(5));
  mc.inject.push({ status: 429, body: 'Too Many Requests' }, { status: 403 }, { status: 503 });
  const result = await runSync(t.project, 'mc_throttle', fast);
  expect(result.status).toBe('success');
  expect(mc.calls('batch')).toHaveLength(1);
  expect(mc.requests).toHaveLength(4);
  expect(mc.members.size).toBe(5);
});

it('audience as a tag: removal takes the tag off and keeps the member', async () => {
  t.writeSync('mc_tag', yaml('mc_tag', '\n    audience_tag: vip'));
  await loadPeople(t.project, people(4));
  await runSync(t.project, 'mc_tag', fast);
  expect(member(2)!.tags).toEqual(new Set(['cdp', 'vip']));
  await loadPeople(t.project, people(2));
  const result = await runSync(t.project, 'mc_tag', fast);
  expect(result.counts).toMatchObject({ ok: 2 });
  expect(mc.calls('tags').map((r) => JSON.parse(r.body))).toEqual([
    { tags: [{ name: 'vip', status: 'inactive' }], is_syncing: true },
    { tags: [{ name: 'vip', status: 'inactive' }], is_syncing: true },
  ]);
  expect(member(2)).toMatchObject({ status: 'subscribed', tags: new Set(['cdp']) });
  expect(mc.violations).toEqual([]);
});

it('update mode PATCHes existing members and rejects people not in the list; insert mode adds only new ones', async () => {
  t.writeSync('mc_insert', yaml('mc_insert', '', 'insert'));
  await loadPeople(t.project, people(3));
  await runSync(t.project, 'mc_insert', fast);
  expect(JSON.parse(mc.calls('batch')[0]!.body).update_existing).toBe(false);
  const renamed = people(3).map((p) => ({ ...p, first_name: `${p.first_name}!` }));
  await loadPeople(t.project, renamed);
  t.writeSync('mc_update', yaml('mc_update', '', 'update'));
  mc.members.delete(md5('user1@example.com'));
  const update = await runSync(t.project, 'mc_update', fast);
  expect(update.counts).toMatchObject({ ok: 2, rejected: 1 });
  expect(update.firstErrors[0]).toEqual({ key: 'p000001', op: 'upsert', status: 'rejected', error: 'not a member of the list (update mode never adds people)' });
  expect(member(0)!.merge_fields.FNAME).toBe('Name0!');
  expect(member(1)).toBeUndefined();
  // insert mode: a person already in the list counts as delivered and is left untouched.
  await loadPeople(t.project, [...people(3), ...people(1, 50)]);
  t.writeSync('mc_insert2', yaml('mc_insert2', '', 'insert'));
  const insert = await runSync(t.project, 'mc_insert2', fast);
  expect(insert.counts).toMatchObject({ ok: 4, rejected: 0 });
  expect(member(0)!.merge_fields.FNAME).toBe('Name0!');
  expect(member(50)).toBeDefined();
  expect(mc.violations).toEqual([]);
});

it('a garbage answer stops the run with a clear error and leaves the state consistent', async () => {
  t.writeSync('mc_garbage', yaml('mc_garbage'));
  await loadPeople(t.project, people(3));
  mc.inject.push({ status: 200, body: '<html>Service Unavailable</html>' });
  const failed = await runSync(t.project, 'mc_garbage', fast);
  expect(failed.status).toBe('failed');
  expect(failed.error).toBe(
    `Mailchimp answered HTTP 200 with a body that is not JSON: "<html>Service Unavailable</html>" — check base_url points at the Mailchimp API (${mc.url})`,
  );
  expect((await getSyncStatus(t.project, 'mc_garbage')).state).toEqual({ ok: 0, rejected: 0, retryable: 0, pending: 0 });
  const retry = await runSync(t.project, 'mc_garbage', fast);
  expect(retry.status).toBe('success');
  expect(retry.counts.ok).toBe(3);
});

it('check() calls the list with the key, and names a wrong key', async () => {
  t.writeSync('mc_check', yaml('mc_check'));
  await expect(checkSyncDestination(t.project, 'mc_check')).resolves.toBeUndefined();
  expect(mc.requests.at(-1)).toMatchObject({ method: 'GET', path: '/3.0/lists/abc123' });
  process.env.CDP_TEST_MAILCHIMP_KEY = 'wrong-us1';
  try {
    await expect(checkSyncDestination(t.project, 'mc_check')).rejects.toThrow(/Mailchimp refused the credentials while reading the list \(HTTP 401/);
  } finally {
    process.env.CDP_TEST_MAILCHIMP_KEY = KEY;
  }
});

it("the fake's spec check is real: it flags bodies Mailchimp's OpenAPI forbids", async () => {
  const { openApiOperation, readReference } = await import('../../fixtures/vendors/spec.js');
  const op = openApiOperation(readReference('mailchimp/mailchimp-marketing.audience-sync.extract.openapi.json'), '/3.0/lists/{list_id}', 'POST');
  expect(op.body({ members: [{ email_address: 'a@example.com', status_if_new: 'subscribed' }], update_existing: true })).toEqual([]);
  expect(op.body({ members: [{ email_address: 'a@example.com', status_if_new: 'maybe' }] }).join()).toContain('allowed values');
  expect(op.body({ members: [{ email_address: 'a@example.com' }] }).join()).toContain("required property 'status'");
  expect(op.body({ update_existing: true }).join()).toContain("required property 'members'");
  expect(op.query(new URLSearchParams('skip_merge_validation=yes'))).toEqual(['skip_merge_validation is not a boolean']);
});
