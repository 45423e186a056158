import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { getDestination } from '../../../src/destinations/index.js';
import { braze429, startBraze, type FakeBraze } from '../../fixtures/vendors/braze.js';
import { forget, rowsOf } from './forget-context.js';

const KEY = '3f1e2d4c-0000-4000-8000-123456789abc';
let bz: FakeBraze;
const braze = getDestination('braze');

beforeAll(async () => {
  bz = await startBraze({ apiKey: KEY });
  process.env.CDP_TEST_BRAZE_KEY = KEY;
});
afterAll(() => bz.close());
beforeEach(() => bz.reset());

const config = () => ({ api_key: { env: 'CDP_TEST_BRAZE_KEY' }, base_url: bz.url });
let clock = 0;
function seed(attributes: Record<string, unknown>): void {
  bz.users.push({ braze_id: `b${++clock}`, attributes, subscriptions: new Map(), updatedAt: clock });
}
const bodies = () => bz.calls('delete').map((r) => JSON.parse(r.body) as Record<string, unknown>);

it('deletes by external_id, 50 per request, and refuses rows with nothing to delete them by', async () => {
  for (let i = 1; i <= 60; i++) seed({ external_id: `p${i}`, email: `user${i}@example.com` });
  seed({ external_id: 'keep', email: 'keep@example.com' });
  const rows = rowsOf([...Array.from({ length: 60 }, (_, i) => ({ external_id: `p${i + 1}`, email: `user${i + 1}@example.com` })), { external_id: null, email: 'not an email' }]);
  const results = await forget(braze, config(), rows, { fields: ['external_id', 'email'] });
  expect(results.slice(0, 60).every((r) => r.status === 'ok')).toBe(true);
  expect(results[60]).toEqual({ status: 'rejected', reason: expect.stringContaining('nothing to delete it by') });
  expect(bodies()).toEqual([
    { external_ids: Array.from({ length: 50 }, (_, i) => `p${i + 1}`) },
    { external_ids: Array.from({ length: 10 }, (_, i) => `p${i + 51}`) },
  ]);
  for (const r of bz.calls('delete')) {
    expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
  }
  expect(bz.users.map((u) => u.attributes.external_id)).toEqual(['keep']);
  expect(bz.violations).toEqual([]);
});

it('deletes by email (identified and anonymous profiles) or phone when no external_id was sent', async () => {
  seed({ external_id: 'u1', email: 'ann@example.com' });
  seed({ email: 'ann@example.com' }); // an anonymous profile with the same address
  seed({ phone: '+14155550100' });
  seed({ email: 'other@example.com' });
  const rows = rowsOf([{ email: ' Ann@Example.com ' }, { phone: '(415) 555-0100' }, { email: 'ann@example.com' }]);
  const results = await forget(braze, { ...config(), identifier: 'email', default_phone_region: 'US' }, rows, { fields: ['email', 'phone'] });
  expect(results).toEqual([{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }]);
  expect(bodies()).toEqual([
    { email_addresses: [{ email: 'ann@example.com', prioritization: ['identified', 'most_recently_updated'] }] },
    { email_addresses: [{ email: 'ann@example.com', prioritization: ['unidentified', 'most_recently_updated'] }] },
    { phone_numbers: [{ phone: '+14155550100', prioritization: ['identified', 'most_recently_updated'] }] },
    { phone_numbers: [{ phone: '+14155550100', prioritization: ['unidentified', 'most_recently_updated'] }] },
  ]);
  expect(bz.users.map((u) => u.attributes.email)).toEqual(['other@example.com']);
  expect(bz.violations).toEqual([]);
});

it('waits out a 429 and tries again', async () => {
  seed({ external_id: 'p1' });
  bz.inject.push(braze429(0));
  const results = await forget(braze, config(), rowsOf([{ external_id: 'p1' }]), { fields: ['external_id'] });
  expect(results).toEqual([{ status: 'ok' }]);
  expect(bz.requests).toHaveLength(2);
  expect(bz.users).toEqual([]);
});

it('maps a fatal answer to the rows of that request only; 5xx after retries is retryable', async () => {
  seed({ external_id: 'p1' });
  seed({ email: 'bad@example.com' });
  bz.reject.add('bad@example.com');
  const results = await forget(braze, config(), rowsOf([{ external_id: 'p1' }, { email: 'bad@example.com' }]), { fields: ['external_id', 'email'] });
  expect(results).toEqual([{ status: 'ok' }, { status: 'rejected', reason: 'HTTP 400: Invalid request' }]);
  expect(bz.users.map((u) => u.attributes.email)).toEqual(['bad@example.com']);

  bz.reset();
  for (let i = 0; i < 10; i++) bz.inject.push({ status: 503, body: { message: 'Service Unavailable' } });
  const down = await forget(braze, config(), rowsOf([{ external_id: 'p1' }]), { fields: ['external_id'] });
  expect(down[0]!.status).toBe('retryable');
});

it('stops on a key without the users.delete permission, and makes no call for no rows', async () => {
  bz.inject.push({ status: 403, body: { message: 'Forbidden' } });
  await expect(forget(braze, config(), rowsOf([{ external_id: 'p1' }]), { fields: ['external_id'] })).rejects.toMatchObject({
    message: expect.stringContaining('Braze denied deleting users'),
    hint: 'give the API key the users.delete permission',
  });
  bz.reset();
  expect(await forget(braze, config(), [], { fields: ['external_id'] })).toEqual([]);
  expect(bz.requests).toEqual([]);
});
