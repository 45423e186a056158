import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { getDestination } from '../../../src/destinations/index.js';
import { hubspot429, hubspotError, startHubSpot, type FakeHubSpot } from '../../fixtures/vendors/hubspot.js';
import { forget, rowsOf } from './forget-context.js';

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
let hs: FakeHubSpot;
const hubspot = getDestination('hubspot');

beforeAll(async () => {
  hs = await startHubSpot({ token: TOKEN, uniqueProperties: ['cdp_key'] });
  process.env.CDP_TEST_HUBSPOT_TOKEN = TOKEN;
});
afterAll(() => hs.close());
beforeEach(() => {
  hs.reset();
  hs.lists.set('42', { processingType: 'MANUAL', members: new Set() });
});

const config = (extra: Record<string, unknown> = {}) => ({ access_token: { env: 'CDP_TEST_HUBSPOT_TOKEN' }, base_url: hs.url, ...extra });
function seed(id: string, properties: Record<string, string>): void {
  hs.contacts.set(id, { id, properties, archived: false });
  hs.lists.get('42')!.members.add(id);
}
const bodies = () => hs.calls('gdpr-delete').map((r) => JSON.parse(r.body) as unknown);

it('GDPR-deletes each contact by email, once per address; unknown addresses are blocklisted by HubSpot', async () => {
  seed('1001', { email: 'ann@example.com', firstname: 'Ann' });
  seed('1002', { email: 'bob@example.com' });
  seed('1003', { email: 'keep@example.com' });
  const rows = rowsOf([{ email: 'Ann@Example.com', firstname: 'Ann' }, { email: 'bob@example.com' }, { email: 'ann@example.com' }, { email: 'gone@example.com' }, { email: null }]);
  const results = await forget(hubspot, config(), rows, { fields: ['email', 'firstname'] });
  expect(results).toEqual([
    { status: 'ok' },
    { status: 'ok' },
    { status: 'ok' },
    { status: 'ok' },
    { status: 'rejected', reason: expect.stringContaining('no email was sent to HubSpot') },
  ]);
  expect(bodies()).toEqual([
    { objectId: 'ann@example.com', idProperty: 'email' },
    { objectId: 'bob@example.com', idProperty: 'email' },
    { objectId: 'gone@example.com', idProperty: 'email' },
  ]);
  for (const r of hs.calls('gdpr-delete')) {
    expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
  }
  // Deleted for good (not archived), and out of the list.
  expect([...hs.contacts.keys()]).toEqual(['1003']);
  expect(hs.listEmails('42')).toEqual(['keep@example.com']);
  expect([...hs.blocklist]).toEqual(['gone@example.com']);
  expect(hs.violations).toEqual([]);
});

it('deletes by a custom unique id property; a contact HubSpot does not have (404) and a refused one are rejected', async () => {
  seed('1001', { email: 'ann@example.com', cdp_key: 'p1' });
  hs.reject.add('p3');
  const rows = rowsOf([{ cdp_key: 'p1' }, { cdp_key: 'p2' }, { cdp_key: 'p3' }]);
  const results = await forget(hubspot, config({ id_property: 'cdp_key' }), rows, { fields: ['cdp_key'] });
  expect(bodies()).toEqual([
    { objectId: 'p1', idProperty: 'cdp_key' },
    { objectId: 'p2', idProperty: 'cdp_key' },
    { objectId: 'p3', idProperty: 'cdp_key' },
  ]);
  expect(results).toEqual([
    { status: 'ok' },
    { status: 'rejected', reason: 'HubSpot found no contact by cdp_key to delete (OBJECT_NOT_FOUND: resource not found)' },
    { status: 'rejected', reason: 'VALIDATION_ERROR: Invalid cdp_key: p3' },
  ]);
  expect(hs.contacts.size).toBe(0);
  expect(hs.violations).toEqual([]);
});

it('waits out a 429 and tries again; 5xx after retries is retryable', async () => {
  seed('1001', { email: 'ann@example.com' });
  hs.inject.push(hubspot429('SECONDLY'));
  const results = await forget(hubspot, config(), rowsOf([{ email: 'ann@example.com' }]), { fields: ['email'] });
  expect(results).toEqual([{ status: 'ok' }]);
  expect(hs.requests).toHaveLength(2);
  expect(hs.contacts.size).toBe(0);

  for (let i = 0; i < 10; i++) hs.inject.push(hubspotError(502, 'BAD_GATEWAY', 'upstream error'));
  const down = await forget(hubspot, config(), rowsOf([{ email: 'bob@example.com' }]), { fields: ['email'] });
  expect(down[0]!.status).toBe('retryable');
});

it('stops on a token without the write scope', async () => {
  hs.inject.push(hubspotError(403, 'MISSING_SCOPES', 'This app hasn\'t been granted all required scopes'));
  await expect(forget(hubspot, config(), rowsOf([{ email: 'ann@example.com' }]), { fields: ['email'] })).rejects.toMatchObject({
    hint: 'the token needs the scopes crm.objects.contacts.write',
  });
});
