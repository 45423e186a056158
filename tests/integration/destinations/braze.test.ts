import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, type RunSyncOptions } from '../../../src/syncs/index.js';
import { braze429, startBraze, type FakeBraze } from '../../fixtures/vendors/braze.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

const KEY = '3f1e2d4c-0000-4000-8000-123456789abc';
const GROUP = 'b6f8b5a2-7f4e-4e36-9a1c-2f6a0c3d9e11';
let t: TestProject;
let bz: FakeBraze;
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20 } };

beforeAll(async () => {
  t = await makeProject();
  bz = await startBraze({ apiKey: KEY });
  process.env.CDP_TEST_BRAZE_KEY = KEY;
});
afterAll(async () => {
  await bz.close();
  await t.close();
});
beforeEach(() => bz.reset());

function yaml(name: string, options: { config?: string; mode?: string; fields?: string } = {}): string {
  return `name: ${name}
from: { model: people }
key: id
destination:
  type: braze
  config:
    api_key: { env: CDP_TEST_BRAZE_KEY }
    base_url: ${bz.url}
${options.config ?? `    subscription_group_id: ${GROUP}`}
mode: ${options.mode ?? 'mirror'}
fields: ${options.fields ?? '{ external_id: id, email: email, first_name: first_name, score: score }'}
`;
}

const ids = (ns: number[]) => ns.map((n) => `p${String(n).padStart(6, '0')}`).sort();
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

it('mirrors the model as a subscription group: 75 attributes per track call, per-object errors, unsubscribes on removal', async () => {
  t.writeSync('bz_mirror', yaml('bz_mirror'));
  await loadPeople(t.project, people(100));
  bz.reject.add('p000005');
  const first = await runSync(t.project, 'bz_mirror', fast);
  expect(first.status).toBe('partial');
  expect(first.counts).toMatchObject({ sent: 100, ok: 99, rejected: 1 });
  expect(first.firstErrors).toEqual([{ key: 'p000005', op: 'upsert', status: 'rejected', error: "'external_id' value is invalid: p000005" }]);
  expect(bz.calls('track').map((r) => JSON.parse(r.body).attributes.length).sort()).toEqual([25, 75]);
  const sent = (JSON.parse(bz.calls('track').find((r) => JSON.parse(r.body).attributes.length === 75)!.body) as { attributes: unknown[] }).attributes;
  expect(sent[3]).toEqual({
    external_id: 'p000003',
    email: 'user3@example.com',
    first_name: 'Name3',
    score: 3,
    subscription_groups: [{ subscription_group_id: GROUP, subscription_state: 'subscribed' }],
  });
  expect(bz.user('external_id', 'p000003')!.attributes).toEqual({ external_id: 'p000003', email: 'user3@example.com', first_name: 'Name3', score: 3 });
  expect(bz.subscribed(GROUP)).toEqual(ids(range(100).filter((n) => n !== 5)));

  const next = people(100).filter((p) => !['p000010', 'p000011', 'p000012'].includes(p.id));
  next.find((p) => p.id === 'p000020')!.email = 'new20@example.com';
  next.find((p) => p.id === 'p000021')!.first_name = null;
  bz.reject.clear();
  await loadPeople(t.project, next);
  bz.requests.length = 0;
  const second = await runSync(t.project, 'bz_mirror', fast);
  // external_id is the identity: a new email is an update, not a replacement.
  expect(second.plan).toMatchObject({ added: 0, changed: 2, removed: 3, replaced: 0 });
  expect(second.status).toBe('success');
  expect(bz.calls('subscription').map((r) => JSON.parse(r.body))).toEqual([
    { subscription_groups: [{ subscription_group_id: GROUP, subscription_state: 'unsubscribed', external_ids: ['p000010', 'p000011', 'p000012'] }] },
  ]);
  expect(bz.subscribed(GROUP)).toEqual(ids(range(100).filter((n) => ![5, 10, 11, 12].includes(n))));
  expect(bz.user('external_id', 'p000020')!.attributes.email).toBe('new20@example.com');
  expect(bz.user('external_id', 'p000021')!.attributes).not.toHaveProperty('first_name'); // NULL removes the attribute
  expect(bz.users).toHaveLength(99); // nobody deleted (p000005 was refused and is unchanged, so not resent)
  // The subscribed users are exactly the model (minus the refused row), with the values of the model.
  const state = bz.users
    .filter((u) => u.subscriptions.get(GROUP) === 'subscribed')
    .map((u) => u.attributes)
    .sort((a, b) => String(a.external_id).localeCompare(String(b.external_id)));
  const model = next
    .filter((p) => p.id !== 'p000005')
    .map((p) => ({ external_id: p.id, email: p.email, ...(p.first_name === null ? {} : { first_name: p.first_name }), score: p.score }));
  expect(state).toEqual(model);
  expect(bz.violations).toEqual([]);
});

it('identified by email with an audience attribute: an email change flags the old user false and the new one true', async () => {
  t.writeSync('bz_email', yaml('bz_email', { config: '    identifier: email\n    audience_attribute: in_cdp_audience', fields: '{ email: email, first_name: first_name }' }));
  await loadPeople(t.project, people(4));
  await runSync(t.project, 'bz_email', fast);
  const flagged = () => bz.users.filter((u) => u.attributes.in_cdp_audience === true).map((u) => u.attributes.email).sort();
  expect(flagged()).toEqual(['user0@example.com', 'user1@example.com', 'user2@example.com', 'user3@example.com']);
  const next = people(4).filter((p) => p.id !== 'p000003');
  next[1]!.email = 'NEW1@Example.com';
  await loadPeople(t.project, next);
  const second = await runSync(t.project, 'bz_email', fast);
  expect(second.plan).toMatchObject({ removed: 1, replaced: 1, changed: 1 });
  expect(second.status).toBe('success');
  expect(flagged()).toEqual(['new1@example.com', 'user0@example.com', 'user2@example.com']);
  expect(bz.user('email', 'user1@example.com')!.attributes.in_cdp_audience).toBe(false);
  expect(bz.user('email', 'user3@example.com')!.attributes.in_cdp_audience).toBe(false);
  const removal = JSON.parse(bz.calls('track').find((r) => JSON.parse(r.body).attributes[0].in_cdp_audience === false)!.body);
  expect(removal.attributes).toEqual([
    { email: 'user1@example.com', in_cdp_audience: false, _update_existing_only: true },
    { email: 'user3@example.com', in_cdp_audience: false, _update_existing_only: true },
  ]);
  expect(bz.violations).toEqual([]);
});

it('waits for X-RateLimit-Reset on 429, deletes leavers with remove_action delete, and update mode creates nobody', async () => {
  t.writeSync('bz_delete', yaml('bz_delete', { config: '    remove_action: delete' }));
  await loadPeople(t.project, people(3));
  bz.inject.push(braze429(2));
  const started = Date.now();
  const first = await runSync(t.project, 'bz_delete', fast);
  expect(first.status).toBe('success');
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(bz.users).toHaveLength(3);
  await loadPeople(t.project, people(2));
  const second = await runSync(t.project, 'bz_delete', fast);
  expect(second.counts).toMatchObject({ ok: 1 });
  expect(bz.calls('delete').map((r) => JSON.parse(r.body))).toEqual([{ external_ids: ['p000002'] }]);
  expect(bz.users.map((u) => u.attributes.external_id).sort()).toEqual(['p000000', 'p000001']);

  t.writeSync('bz_update', yaml('bz_update', { config: '', mode: 'update' }));
  await loadPeople(t.project, people(3).map((p) => ({ ...p, first_name: `${p.first_name}!` })));
  const update = await runSync(t.project, 'bz_update', fast);
  expect(update.status).toBe('success');
  expect(bz.users.map((u) => [u.attributes.external_id, u.attributes.first_name]).sort()).toEqual([
    ['p000000', 'Name0!'],
    ['p000001', 'Name1!'],
  ]);
  expect(JSON.parse(bz.calls('track').at(-1)!.body).attributes.every((a: { _update_existing_only?: boolean }) => a._update_existing_only === true)).toBe(true);
  expect(bz.violations).toEqual([]);
});

it('phones go out as E.164; rows without a usable identifier are rejected before sending', async () => {
  t.writeSync('bz_phone', yaml('bz_phone', { config: '    identifier: phone\n    default_phone_region: GB', mode: 'upsert', fields: '{ phone: first_name, score: score }' }));
  await loadPeople(t.project, [
    { id: 'a', email: null, first_name: '07700 900123', score: 1 },
    { id: 'b', email: null, first_name: 'call me', score: 2 },
  ]);
  const result = await runSync(t.project, 'bz_phone', fast);
  expect(result.counts).toMatchObject({ ok: 1, rejected: 1 });
  expect(result.firstErrors).toEqual([{ key: 'b', op: 'upsert', status: 'rejected', error: 'no valid phone to identify the user' }]);
  expect(JSON.parse(bz.calls('track')[0]!.body)).toEqual({ attributes: [{ phone: '+447700900123', score: 1 }] });
  expect(bz.violations).toEqual([]);
});

it('check() authenticates without changing anything; names a wrong key and a wrong host; mirror needs a removal target', async () => {
  t.writeSync('bz_check', yaml('bz_check'));
  await expect(checkSyncDestination(t.project, 'bz_check')).resolves.toBeUndefined();
  expect(bz.requests.at(-1)).toMatchObject({ method: 'POST', path: '/users/track', body: '{}' });
  expect(bz.users).toHaveLength(0);
  process.env.CDP_TEST_BRAZE_KEY = 'wrong';
  try {
    await expect(checkSyncDestination(t.project, 'bz_check')).rejects.toThrow('Braze refused the API key while checking the API key (HTTP 401: {"message":"Invalid API key"})');
  } finally {
    process.env.CDP_TEST_BRAZE_KEY = KEY;
  }
  t.writeSync('bz_host', yaml('bz_host').replace(`base_url: ${bz.url}`, `base_url: ${bz.url}/v9`));
  await expect(checkSyncDestination(t.project, 'bz_host')).rejects.toThrow(/Braze has no \/v9\/users\/track at/);
  t.writeSync('bz_none', yaml('bz_none', { config: '' }));
  bz.requests.length = 0;
  const run = await runSync(t.project, 'bz_none', fast);
  expect(run.status).toBe('failed');
  expect(run.error).toContain('Braze mirror mode needs to know what removing someone means');
  expect(bz.requests).toHaveLength(0);
});
