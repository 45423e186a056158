import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../../src/destinations/index.js';
import { braze, brazeAttributes, brazeConfigSchema, brazeRetryVerdict } from '../../../src/destinations/braze/index.js';

const BASE = 'https://rest.iad-01.braze.com';

describe('braze config', () => {
  it('needs the instance REST endpoint and fills defaults', () => {
    expect(brazeConfigSchema.safeParse({ api_key: { env: 'BRAZE_KEY' } }).error?.issues[0]?.path).toEqual(['base_url']);
    expect(brazeConfigSchema.parse({ api_key: { env: 'BRAZE_KEY' }, base_url: BASE })).toEqual({
      api_key: { env: 'BRAZE_KEY' },
      base_url: BASE,
      identifier: 'external_id',
      batch_size: 75,
    });
    expect(brazeConfigSchema.safeParse({ api_key: { env: 'K' }, base_url: BASE, batch_size: 100 }).error?.issues[0]?.path).toEqual(['batch_size']);
  });

  it('refuses removal actions without their target', () => {
    const issue = (value: object) => brazeConfigSchema.safeParse({ api_key: { env: 'K' }, base_url: BASE, ...value }).error?.issues[0];
    expect(issue({ remove_action: 'unsubscribe' })).toMatchObject({ path: ['subscription_group_id'], message: 'remove_action unsubscribe needs subscription_group_id' });
    expect(issue({ remove_action: 'attribute' })).toMatchObject({ path: ['audience_attribute'], message: 'remove_action attribute needs audience_attribute' });
    expect(issue({ audience_attribute: '$vip' })).toMatchObject({ path: ['audience_attribute'], message: 'custom attribute names cannot start with $' });
  });

  it('checks the mapping: the identifier is mapped, and email never rides along when users are identified by phone', () => {
    const byPhone = brazeConfigSchema.parse({ api_key: { env: 'K' }, base_url: BASE, identifier: 'phone' });
    expect(braze.validateFields!({ email: 'email', $points: 'score' }, byPhone)).toEqual([
      { field: 'phone', message: 'map phone: Braze identifies users by it (config identifier)' },
      { field: 'email', message: 'with identifier phone, email cannot be sent: Braze identifies a user by email whenever both are present' },
      { field: '$points', message: '"$points" is not an attribute name Braze accepts' },
    ]);
    expect(braze.identityFields!(byPhone, ['phone'])).toEqual(['phone']);
    expect(braze.batchSizeFor!(brazeConfigSchema.parse({ api_key: { env: 'K' }, base_url: BASE, batch_size: 50 }))).toBe(50);
  });
});

describe('braze attributes', () => {
  it('formats values as Braze documents them and adds the extras', () => {
    const built = brazeAttributes(
      [
        {
          key: 'p1',
          fields: {
            external_id: 'p1',
            email: ' Ann@Example.com ',
            phone: '(415) 555-0123',
            country: 'United States',
            dob: '1990-3-7',
            last_seen: new Date('2026-01-02T03:04:05Z'),
            first_name: null,
            plan: { tier: 'gold' },
          },
        },
        { key: 'p2', fields: { external_id: 'p2', email: 'broken', phone: '12' } },
        { key: 'p3', fields: { external_id: '  ' } },
      ],
      { identifier: 'external_id', defaultRegion: 'US' },
      { vip: true },
    );
    expect(built).toEqual([
      {
        id: 'p1',
        object: {
          external_id: 'p1',
          email: 'ann@example.com',
          phone: '+14155550123',
          country: 'US',
          dob: '1990-03-07',
          last_seen: '2026-01-02T03:04:05.000Z',
          first_name: null,
          plan: { tier: 'gold' },
          vip: true,
        },
      },
      // An unusable email or phone that is not the identifier is left out, not sent broken.
      { id: 'p2', object: { external_id: 'p2', vip: true } },
      { error: 'no valid external_id to identify the user' },
    ]);
  });

  it('waits until X-RateLimit-Reset on 429', () => {
    const at = (status: number, headers: Record<string, string>): HttpResponse => ({ status, headers: new Headers(headers), text: '{"message":"x"}', url: `${BASE}/users/track`, attempts: 1 });
    const verdict = brazeRetryVerdict(at(429, { 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3) }));
    expect((verdict as { afterMs: number }).afterMs).toBeGreaterThan(1000);
    expect(brazeRetryVerdict(at(429, {}))).toEqual({ retry: true });
    expect(brazeRetryVerdict(at(201, {}))).toBeUndefined();
  });
});
