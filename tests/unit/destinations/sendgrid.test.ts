import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../../src/destinations/index.js';
import { sendgrid, sendgridConfigSchema, sendgridContactIndex, sendgridContacts, sendgridRetryVerdict } from '../../../src/destinations/sendgrid/index.js';

const LIST = '3f6ee4a1-5a0e-4a59-9d3c-1f3b9c6a7e21';
const response = (status: number, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: new Headers(headers),
  text: '{"errors":[{"field":null,"message":"too many requests"}]}',
  url: 'https://api.sendgrid.com/v3/marketing/contacts',
  attempts: 1,
});

describe('sendgrid config', () => {
  it('fills defaults; list ids are UUIDs; removing from lists needs lists', () => {
    expect(sendgridConfigSchema.parse({ api_key: { env: 'SENDGRID_API_KEY' } })).toEqual({
      api_key: { env: 'SENDGRID_API_KEY' },
      base_url: 'https://api.sendgrid.com',
      list_ids: [],
      poll_interval_ms: 2000,
      job_timeout_s: 900,
    });
    expect(sendgridConfigSchema.safeParse({ api_key: { env: 'K' }, list_ids: ['newsletter'] }).error?.issues[0]).toMatchObject({ path: ['list_ids', 0], message: 'a list id (a UUID)' });
    expect(sendgridConfigSchema.safeParse({ api_key: { env: 'K' }, remove_action: 'remove_from_lists' }).error?.issues[0]).toMatchObject({
      path: ['list_ids'],
      message: 'remove_action remove_from_lists needs list_ids',
    });
    expect(sendgridConfigSchema.safeParse({ api_key: { env: 'K' }, list_ids: [LIST], remove_action: 'delete' }).success).toBe(true);
  });

  it('needs email in the mapping; the contact is its email', () => {
    const config = sendgridConfigSchema.parse({ api_key: { env: 'K' } });
    expect(sendgrid.validateFields!({ first_name: 'first_name', 'e1-T': 'x' }, config)).toEqual([
      { field: 'email', message: 'map email: SendGrid contacts are identified (and removed) by it' },
      { field: 'e1-T', message: '"e1-T" is neither a reserved field nor a custom field id (letters, digits, underscores)' },
    ]);
    expect(sendgrid.identityFields!(config, ['email', 'first_name'])).toEqual(['email']);
  });
});

describe('sendgrid contacts', () => {
  it('splits reserved and custom fields, clears NULL reserved fields, never clears identifiers', () => {
    expect(
      sendgridContacts([
        { key: 'a', fields: { email: 'Ann@Example.com', first_name: 'Ann', last_name: null, external_id: null, e1_N: 12, w2_T: 'gold', e3_D: null, alternate_emails: 'A@x.io, b@y.io' } },
      ]),
    ).toEqual([
      {
        contact: { email: 'ann@example.com', first_name: 'Ann', last_name: '', alternate_emails: ['a@x.io', 'b@y.io'], custom_fields: { e1_N: 12, w2_T: 'gold' } },
        email: 'ann@example.com',
        bytes: expect.any(Number),
      },
    ]);
  });

  it('refuses rows the spec would refuse: no email, too long, too many alternate emails, a repeated email', () => {
    expect(
      sendgridContacts([
        { key: 'a', fields: { email: null } },
        { key: 'b', fields: { email: 'b@example.com', first_name: 'x'.repeat(51) } },
        { key: 'c', fields: { email: 'c@example.com', alternate_emails: ['1@x.io', '2@x.io', '3@x.io', '4@x.io', '5@x.io', '6@x.io'] } },
        { key: 'd', fields: { email: 'B@example.com' } },
        { key: 'e', fields: { email: 'b@example.com' } },
      ]),
    ).toEqual([
      { error: 'no valid email to identify the contact' },
      { error: 'first_name is 51 characters; SendGrid takes at most 50' },
      { error: 'alternate_emails has 6 addresses; SendGrid takes at most 5' },
      { contact: { email: 'b@example.com' }, email: 'b@example.com', bytes: expect.any(Number) },
      { error: 'the same email as row d of this batch' },
    ]);
  });
});

describe('sendgrid signals', () => {
  it('waits until X-RateLimit-Reset on 429; falls back to backoff when the reset is past or missing', () => {
    const reset = Math.floor(Date.now() / 1000) + 5;
    const verdict = sendgridRetryVerdict(response(429, { 'x-ratelimit-reset': String(reset) }));
    expect(verdict).toMatchObject({ retry: true });
    expect((verdict as { afterMs: number }).afterMs).toBeGreaterThan(3000);
    expect((verdict as { afterMs: number }).afterMs).toBeLessThanOrEqual(5000);
    expect(sendgridRetryVerdict(response(429, { 'x-ratelimit-reset': '1000' }))).toEqual({ retry: true });
    expect(sendgridRetryVerdict(response(429))).toEqual({ retry: true });
    expect(sendgridRetryVerdict(response(500))).toBeUndefined();
  });

  it('reads the contact a 400 names', () => {
    expect(sendgridContactIndex('contacts[17].email')).toBe(17);
    expect(sendgridContactIndex('list_ids')).toBeUndefined();
    expect(sendgridContactIndex(null)).toBeUndefined();
  });
});
