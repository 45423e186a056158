import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { getDestination } from '../../../src/destinations/index.js';
import { jsonApiError, klaviyo429, startKlaviyo, type FakeKlaviyo } from '../../fixtures/vendors/klaviyo.js';
import { forget, rowsOf } from './forget-context.js';

const KEY = 'pk_0123456789abcdef0123456789abcdef01';
const LIST = 'Y6nRLr';
let kl: FakeKlaviyo;
const klaviyo = getDestination('klaviyo');

beforeAll(async () => {
  kl = await startKlaviyo({ apiKey: KEY, revision: '2026-07-15' });
  process.env.CDP_TEST_KLAVIYO_KEY = KEY;
});
afterAll(() => kl.close());
beforeEach(() => {
  kl.reset();
  kl.lists.set(LIST, new Set());
});

const config = () => ({ api_key: { env: 'CDP_TEST_KLAVIYO_KEY' }, base_url: kl.url, list_id: LIST, default_phone_region: 'US' });
function seed(id: string, attributes: Record<string, unknown>): void {
  kl.profiles.set(id, { id, attributes });
  kl.lists.get(LIST)!.add(id);
}
const deletion = (profile: Record<string, unknown>) => ({ data: { type: 'data-privacy-deletion-job', attributes: { profile: { data: { type: 'profile', ...profile } } } } });

it('requests one profile deletion per person: by email, else phone, else the id found by external_id', async () => {
  seed('01A', { email: 'ann@example.com', external_id: 'p1' });
  seed('01B', { email: 'ann@example.com' }); // every profile with the address goes
  seed('01C', { phone_number: '+14155550100' });
  seed('01D', { external_id: 'p4' });
  seed('01E', { email: 'keep@example.com' });
  const rows = rowsOf([
    { email: 'Ann@Example.com', external_id: 'p1', first_name: 'Ann' },
    { phone_number: '(415) 555-0100' },
    { external_id: 'p4' },
    { external_id: 'unknown' },
    { email: 'ann@example.com' },
    { first_name: 'no identifier' },
  ]);
  const results = await forget(klaviyo, config(), rows, { fields: ['email', 'phone_number', 'external_id', 'first_name'] });
  expect(results).toEqual([
    { status: 'ok' },
    { status: 'ok' },
    { status: 'ok' },
    { status: 'ok' },
    { status: 'ok' },
    { status: 'rejected', reason: expect.stringContaining('no email, phone_number or external_id') },
  ]);
  expect(kl.calls('profiles')).toHaveLength(1);
  expect(kl.calls('profiles')[0]!.query.get('filter')).toBe('any(external_id,["p4","unknown"])');
  expect(kl.calls('deletion').map((r) => JSON.parse(r.body) as unknown)).toEqual([
    deletion({ attributes: { email: 'ann@example.com' } }),
    deletion({ attributes: { phone_number: '+14155550100' } }),
    deletion({ id: '01D', attributes: {} }),
  ]);
  for (const r of kl.calls('deletion')) {
    expect(r.headers.authorization).toBe(`Klaviyo-API-Key ${KEY}`);
    expect(r.headers.revision).toBe('2026-07-15');
    expect(r.headers['content-type']).toBe('application/vnd.api+json');
  }
  expect([...kl.profiles.keys()]).toEqual(['01E']);
  expect(kl.listEmails(LIST)).toEqual(['keep@example.com']);
  expect(kl.violations).toEqual([]);
});

it('honours Retry-After on a 429; a refused request rejects its row only', async () => {
  seed('01A', { email: 'ann@example.com' });
  kl.inject.push(klaviyo429(0));
  kl.reject.add('bad@example.com');
  const results = await forget(klaviyo, config(), rowsOf([{ email: 'ann@example.com' }, { email: 'bad@example.com' }]), { fields: ['email'] });
  expect(results).toEqual([{ status: 'ok' }, { status: 'rejected', reason: 'invalid: Invalid email address: <email>' }]);
  expect(kl.requests).toHaveLength(3);
  expect(kl.profiles.size).toBe(0);

  for (let i = 0; i < 10; i++) kl.inject.push(jsonApiError(503, 'service_unavailable', 'Service unavailable.', 'Try again later.'));
  const down = await forget(klaviyo, config(), rowsOf([{ email: 'ann@example.com' }]), { fields: ['email'] });
  expect(down[0]!.status).toBe('retryable');
});

it('stops with the scope to grant when the key may not delete', async () => {
  kl.inject.push(jsonApiError(403, 'permission_denied', 'You do not have permission to perform this action.', 'Missing scope data-privacy:write'));
  await expect(forget(klaviyo, config(), rowsOf([{ email: 'ann@example.com' }]), { fields: ['email'] })).rejects.toMatchObject({
    hint: expect.stringContaining('data-privacy:write'),
  });
});

it('the fake checks deletion requests against the vendor schema', async () => {
  const post = (body: unknown) =>
    fetch(`${kl.url}/api/data-privacy-deletion-jobs`, {
      method: 'POST',
      headers: { authorization: `Klaviyo-API-Key ${KEY}`, revision: '2026-07-15', 'content-type': 'application/vnd.api+json' },
      body: JSON.stringify(body),
    });
  expect((await post({ data: { type: 'profile-deletion', attributes: { profile: { data: { type: 'profile', attributes: { email: 'a@example.com' } } } } } })).status).toBe(400);
  expect((await post(deletion({ attributes: { email: 'a@example.com', phone_number: '+14155550100' } }))).status).toBe(400);
  expect(kl.violations).toHaveLength(2);
});
