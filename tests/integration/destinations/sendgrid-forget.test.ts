import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { getDestination } from '../../../src/destinations/index.js';
import { sendgrid429, sendgridError, startSendGrid, type FakeSendGrid } from '../../fixtures/vendors/sendgrid.js';
import { forget, rowsOf } from './forget-context.js';

const KEY = 'SG.test-key.0123456789';
let sg: FakeSendGrid;
const sendgrid = getDestination('sendgrid');

beforeAll(async () => {
  sg = await startSendGrid({ apiKey: KEY });
  process.env.CDP_TEST_SENDGRID_KEY = KEY;
});
afterAll(() => sg.close());
beforeEach(() => sg.reset());

const config = () => ({ api_key: { env: 'CDP_TEST_SENDGRID_KEY' }, base_url: sg.url, poll_interval_ms: 10 });
function seed(email: string, fields: Record<string, unknown> = {}): string {
  const id = `c-${email.split('@')[0]}`;
  sg.contacts.set(email, { id, email, fields, custom_fields: {}, list_ids: new Set(), created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' });
  return id;
}

it('looks the contacts up by email, deletes them by id in an async job and waits for it', async () => {
  seed('ann@example.com');
  seed('bob@example.com', { alternate_emails: ['bobby@example.com'] });
  seed('keep@example.com');
  const rows = rowsOf([{ email: 'Ann@Example.com', first_name: 'Ann' }, { email: 'bobby@example.com' }, { email: 'gone@example.com' }, { email: 'ann@example.com' }, { email: null }]);
  const results = await forget(sendgrid, config(), rows, { fields: ['email', 'first_name'] });
  expect(results).toEqual([
    { status: 'ok' },
    { status: 'ok' },
    { status: 'ok' }, // not a contact at SendGrid: nothing to delete
    { status: 'ok' },
    { status: 'rejected', reason: expect.stringContaining('no valid email') },
  ]);
  expect(sg.calls('search').map((r) => JSON.parse(r.body) as unknown)).toEqual([{ emails: ['ann@example.com', 'bobby@example.com', 'gone@example.com'] }]);
  const deletes = sg.calls('delete');
  expect(deletes).toHaveLength(1);
  expect(deletes[0]!.query.get('ids')).toBe('c-ann,c-bob');
  expect(deletes[0]!.body).toBe('');
  expect(sg.calls('job').length).toBeGreaterThanOrEqual(2); // pending, then completed
  for (const r of sg.requests) expect(r.headers.authorization).toBe(`Bearer ${KEY}`);
  expect([...sg.contacts.keys()]).toEqual(['keep@example.com']);
  expect(sg.violations).toEqual([]);
});

it('deletes at most 100 ids per request', async () => {
  const emails = Array.from({ length: 150 }, (_, i) => `user${i}@example.com`);
  for (const email of emails) seed(email);
  const results = await forget(sendgrid, config(), rowsOf(emails.map((email) => ({ email }))), { fields: ['email'] });
  expect(results.every((r) => r.status === 'ok')).toBe(true);
  expect(sg.calls('search').map((r) => (JSON.parse(r.body) as { emails: string[] }).emails.length)).toEqual([100, 50]);
  expect(sg.calls('delete').map((r) => r.query.get('ids')!.split(',').length)).toEqual([100, 50]);
  expect(sg.contacts.size).toBe(0);
  expect(sg.violations).toEqual([]);
});

it('waits out a 429; an address SendGrid calls invalid is rejected alone', async () => {
  seed('ann@example.com');
  seed('bob@example.com');
  sg.invalid.add('bad@example.com');
  sg.inject.push(sendgrid429(0));
  const rows = rowsOf([{ email: 'ann@example.com' }, { email: 'bad@example.com' }, { email: 'bob@example.com' }]);
  const results = await forget(sendgrid, config(), rows, { fields: ['email'] });
  expect(results).toEqual([{ status: 'ok' }, { status: 'rejected', reason: 'emails: invalid email address: <email>' }, { status: 'ok' }]);
  // 429, the search of all three (400), then its halves and quarters until the bad address stands alone.
  expect(sg.calls('search').map((r) => (JSON.parse(r.body) as { emails: string[] }).emails)).toEqual([
    ['ann@example.com', 'bad@example.com', 'bob@example.com'],
    ['ann@example.com', 'bad@example.com'],
    ['ann@example.com'],
    ['bad@example.com'],
    ['bob@example.com'],
  ]);
  expect(sg.requests[0]!.path).toBe('/v3/marketing/contacts/search/emails');
  expect(sg.contacts.size).toBe(0);
});

it('a delete job that fails rejects the rows it carried; a search that keeps failing is retryable', async () => {
  seed('ann@example.com');
  const jobId = 'job-1';
  sg.inject.push(
    { status: 200, body: { result: { 'ann@example.com': { contact: { id: 'c-ann', email: 'ann@example.com' } } } } },
    { status: 202, body: { job_id: jobId } },
    { status: 200, body: { id: jobId, status: 'failed', job_type: 'delete', results: { requested_count: 1, errored_count: 1 } } },
  );
  const failed = await forget(sendgrid, config(), rowsOf([{ email: 'ann@example.com' }]), { fields: ['email'] });
  expect(failed).toEqual([{ status: 'rejected', reason: `SendGrid delete job ${jobId} failed` }]);

  for (let i = 0; i < 10; i++) sg.inject.push(sendgridError(500, 'internal error'));
  const down = await forget(sendgrid, config(), rowsOf([{ email: 'ann@example.com' }]), { fields: ['email'] });
  expect(down[0]!.status).toBe('retryable');
});
