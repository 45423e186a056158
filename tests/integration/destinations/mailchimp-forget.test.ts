import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { getDestination } from '../../../src/destinations/index.js';
import { md5, startMailchimp, type FakeMailchimp } from '../../fixtures/vendors/mailchimp.js';
import { forget, rowsOf } from './forget-context.js';

const KEY = 'test0123456789abcdef-us1';
let mc: FakeMailchimp;
const mailchimp = getDestination('mailchimp');

beforeAll(async () => {
  mc = await startMailchimp({ listId: 'abc123', apiKey: KEY });
  process.env.CDP_TEST_MAILCHIMP_KEY = KEY;
});
afterAll(() => mc.close());
beforeEach(() => {
  mc.members.clear();
  mc.forgotten.clear();
  mc.requests.length = 0;
  mc.violations.length = 0;
  mc.reject.clear();
  mc.inject.length = 0;
});

const config = (listId = 'abc123') => ({ list_id: listId, api_key: { env: 'CDP_TEST_MAILCHIMP_KEY' }, base_url: `${mc.url}/3.0` });
function seed(email: string): void {
  mc.members.set(md5(email), { email_address: email, status: 'subscribed', merge_fields: {}, tags: new Set() });
}
const forgetPaths = () => mc.calls('forget').map((r) => r.path);

it('permanently deletes each member by the MD5 of the lower-case email; 404 means already gone', async () => {
  seed('ann@example.com');
  seed('keep@example.com');
  const rows = rowsOf([{ email_address: ' Ann@Example.com ', FNAME: 'Ann' }, { email_address: 'gone@example.com' }, { email_address: null }]);
  const results = await forget(mailchimp, config(), rows, { fields: ['email_address', 'FNAME'] });
  expect(results).toEqual([{ status: 'ok' }, { status: 'ok' }, { status: 'rejected', reason: 'no valid email_address to send to Mailchimp' }]);
  expect(forgetPaths().sort()).toEqual([`/3.0/lists/abc123/members/${md5('ann@example.com')}/actions/delete-permanent`, `/3.0/lists/abc123/members/${md5('gone@example.com')}/actions/delete-permanent`].sort());
  for (const r of mc.calls('forget')) {
    expect(r.method).toBe('POST');
    expect(r.body).toBe('');
    expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
  }
  expect([...mc.members.values()].map((m) => m.email_address)).toEqual(['keep@example.com']);
  expect(mc.forgotten.has(md5('ann@example.com'))).toBe(true);
  expect(mc.violations).toEqual([]);
});

it('retries a 429 (and the bodiless 403); a refused member is rejected alone', async () => {
  seed('ann@example.com');
  seed('bad@example.com');
  mc.reject.add('bad@example.com');
  mc.inject.push({ status: 200, body: { id: 'abc123' } }); // the list check
  mc.inject.push({ status: 429, headers: { 'content-type': 'application/problem+json' }, body: { type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'You have exceeded the limit of 10 simultaneous connections.', instance: 'x' } });
  mc.inject.push({ status: 403, body: '' });
  const rows = rowsOf([{ email_address: 'ann@example.com' }, { email_address: 'bad@example.com' }]);
  const results = await forget(mailchimp, config(), rows, { fields: ['email_address'] });
  expect(results).toEqual([{ status: 'ok' }, { status: 'rejected', reason: 'Invalid Resource: <email> cannot be deleted right now.' }]);
  expect(mc.requests).toHaveLength(5);
  expect([...mc.members.values()].map((m) => m.email_address)).toEqual(['bad@example.com']);
});

it('stops on a wrong list_id instead of taking every 404 for "already gone"', async () => {
  await expect(forget(mailchimp, config('nope'), rowsOf([{ email_address: 'ann@example.com' }]), { fields: ['email_address'] })).rejects.toMatchObject({
    message: 'Mailchimp list nope was not found',
  });
  expect(mc.calls('forget')).toEqual([]);
});
