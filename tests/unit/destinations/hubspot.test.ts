import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../../src/destinations/index.js';
import { attributeBatchAnswer, hubspot, hubspotConfigSchema, hubspotInputs, hubspotRetryVerdict } from '../../../src/destinations/hubspot/index.js';

const response = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: new Headers(headers),
  text: JSON.stringify(body),
  url: 'https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert',
  attempts: 1,
});

describe('hubspot config', () => {
  it('fills defaults and takes the token only as a reference', () => {
    expect(hubspotConfigSchema.parse({ access_token: { env: 'HUBSPOT_TOKEN' } })).toEqual({
      access_token: { env: 'HUBSPOT_TOKEN' },
      base_url: 'https://api.hubapi.com',
      id_property: 'email',
    });
    expect(hubspotConfigSchema.safeParse({ access_token: 'pat-na1-secret' }).success).toBe(false);
    expect(hubspotConfigSchema.parse({ access_token: { env: 'T' }, rate_limit: { requests: 190, per_seconds: 10 } }).rate_limit).toEqual({ requests: 190, perSeconds: 10 });
  });

  it('refuses what cannot work: removal from a list without one, non-numeric list ids, upper-case property names', () => {
    const issue = (value: object) => hubspotConfigSchema.safeParse({ access_token: { env: 'T' }, ...value }).error?.issues[0];
    expect(issue({ remove_action: 'remove_from_list' })).toMatchObject({ path: ['list_id'], message: 'remove_action remove_from_list needs list_id' });
    expect(issue({ list_id: 'my-list' })).toMatchObject({ path: ['list_id'], message: 'the numeric ILS list id' });
    expect(issue({ id_property: 'CustomerId' })?.path).toEqual(['id_property']);
  });

  it('asks for the id property in the mapping and HubSpot internal names', () => {
    const config = hubspotConfigSchema.parse({ access_token: { env: 'T' }, id_property: 'customer_id' });
    expect(hubspot.validateFields!({ email: 'email', FirstName: 'first_name' }, config)).toEqual([
      { field: 'customer_id', message: 'map the id property customer_id: HubSpot identifies contacts by it' },
      { field: 'FirstName', message: '"FirstName" is not a HubSpot internal property name (lower-case letters, digits, underscores, like firstname)' },
    ]);
    expect(hubspot.identityFields!(config, ['customer_id', 'email'])).toEqual(['customer_id']);
  });
});

describe('hubspot inputs', () => {
  it('sends every property as a string, clears NULLs with an empty string, and refuses duplicate ids in one batch', () => {
    const built = hubspotInputs(
      [
        { key: 'a', fields: { email: ' Ann@Example.COM ', score: 4.5, vip: true, firstname: null, tags: ['x'] } },
        { key: 'b', fields: { email: 'ann@example.com' } },
        { key: 'c', fields: { email: 'not an email' } },
      ],
      'email',
    );
    expect(built).toEqual([
      { input: { index: 0, id: 'ann@example.com', properties: { email: 'ann@example.com', score: '4.5', vip: 'true', firstname: '', tags: '["x"]' } } },
      { error: 'the same email as row a of this batch (HubSpot takes one input per contact)' },
      { error: 'no valid email to identify the contact' },
    ]);
  });
});

describe('hubspot 429 handling', () => {
  it('waits by Retry-After, else by policy: 1 s SECONDLY, one rolling window TEN_SECONDLY_ROLLING; DAILY is final', () => {
    expect(hubspotRetryVerdict(response(429, { policyName: 'TEN_SECONDLY_ROLLING', message: 'x' }, { 'retry-after': '3' }))).toEqual({ retry: true, afterMs: 3000 });
    expect(hubspotRetryVerdict(response(429, { policyName: 'SECONDLY', message: 'You have reached your secondly limit.' }))).toEqual({ retry: true, afterMs: 1000 });
    expect(hubspotRetryVerdict(response(429, { policyName: 'TEN_SECONDLY_ROLLING', message: 'x' }, { 'x-hubspot-ratelimit-interval-milliseconds': '10000' }))).toEqual({ retry: true, afterMs: 10_000 });
    expect(hubspotRetryVerdict(response(429, { policyName: 'TEN_SECONDLY_ROLLING', message: 'x' }))).toEqual({ retry: true, afterMs: 10_000 });
    expect(hubspotRetryVerdict(response(429, { policyName: 'DAILY', message: 'You have reached your daily limit.' }))).toEqual({ retry: false });
    expect(hubspotRetryVerdict(response(502, 'Bad Gateway'))).toBeUndefined();
  });
});

describe('hubspot batch answers', () => {
  const inputs = [0, 1, 2, 3].map((index) => ({ index, id: `u${index}@example.com`, properties: {} }));
  it('matches results by objectWriteTraceId or id property, and errors by their context', () => {
    const written = attributeBatchAnswer(
      inputs,
      {
        status: 'COMPLETE',
        results: [
          { id: '101', properties: {}, objectWriteTraceId: '0' },
          { id: '102', properties: { email: 'U1@example.com' } },
        ],
        errors: [
          { status: 'error', category: 'VALIDATION_ERROR', message: 'Email address u2@example.com is invalid', context: { objectWriteTraceId: ['2'] } },
          { status: 'error', category: 'RATE_LIMITS', message: 'slow down', context: { ids: ['u3@example.com'] } },
        ],
      },
      'email',
      'upsert',
    );
    expect(written).toEqual([
      { result: { status: 'ok' }, recordId: '101' },
      { result: { status: 'ok' }, recordId: '102' },
      { result: { status: 'rejected', reason: 'VALIDATION_ERROR: Email address <email> is invalid' } },
      { result: { status: 'retryable', reason: 'RATE_LIMITS: slow down' } },
    ]);
  });

  it('gives a lone unattributed error to the lone unreported input; OBJECT_NOT_FOUND in update mode says why', () => {
    const two = inputs.slice(0, 2);
    expect(
      attributeBatchAnswer(two, { status: 'COMPLETE', results: [{ id: '1', properties: {}, objectWriteTraceId: '0' }], errors: [{ category: 'VALIDATION_ERROR', message: 'bad' }] }, 'email', 'upsert')[1],
    ).toEqual({ result: { status: 'rejected', reason: 'VALIDATION_ERROR: bad' } });
    expect(attributeBatchAnswer(two, { status: 'COMPLETE', results: [], errors: [{ category: 'OBJECT_NOT_FOUND', message: 'x', context: { ids: ['u0@example.com', 'u1@example.com'] } }] }, 'email', 'update')).toEqual([
      { result: { status: 'rejected', reason: 'not in HubSpot (update mode never creates contacts)' } },
      { result: { status: 'rejected', reason: 'not in HubSpot (update mode never creates contacts)' } },
    ]);
    expect(attributeBatchAnswer(two, { status: 'COMPLETE', results: [], errors: [] }, 'email', 'upsert')[0]).toEqual({ result: { status: 'retryable', reason: 'HubSpot did not report on this contact' } });
  });
});
