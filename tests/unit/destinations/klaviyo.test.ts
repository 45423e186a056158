import { describe, expect, it } from 'vitest';
import { klaviyo, klaviyoConfigSchema, klaviyoFieldTarget, klaviyoFilterString, klaviyoProfile, klaviyoProfileIndex } from '../../../src/destinations/klaviyo/index.js';

describe('klaviyo config', () => {
  it('pins the revision and fills defaults', () => {
    expect(klaviyoConfigSchema.parse({ api_key: { env: 'KLAVIYO_KEY' } })).toEqual({
      api_key: { env: 'KLAVIYO_KEY' },
      base_url: 'https://a.klaviyo.com',
      revision: '2026-07-15',
      poll_interval_ms: 2000,
      job_timeout_s: 900,
    });
    expect(klaviyoConfigSchema.safeParse({ api_key: { env: 'K' }, revision: '2026-07-15.pre' }).success).toBe(true);
    expect(klaviyoConfigSchema.safeParse({ api_key: { env: 'K' }, revision: 'latest' }).error?.issues[0]).toMatchObject({ path: ['revision'], message: 'a revision like 2026-07-15' });
    expect(klaviyoConfigSchema.safeParse({ api_key: 'pk_live' }).success).toBe(false);
  });

  it('needs an identifier in the mapping; the profile is its first identifier', () => {
    const config = klaviyoConfigSchema.parse({ api_key: { env: 'K' } });
    expect(klaviyo.validateFields!({ first_name: 'first_name' }, config)).toEqual([
      { field: '(fields)', message: 'map at least one of email, phone_number or external_id: Klaviyo identifies profiles by them' },
    ]);
    expect(klaviyo.identityFields!(config, ['email', 'external_id', 'first_name'])).toEqual(['external_id']);
    expect(klaviyo.identityFields!(config, ['phone_number', 'email'])).toEqual(['email']);
  });
});

describe('klaviyo profiles', () => {
  it('puts attributes, location parts and custom properties where Klaviyo wants them', () => {
    expect(klaviyoFieldTarget('first_name')).toEqual({ kind: 'attribute', key: 'first_name' });
    expect(klaviyoFieldTarget('city')).toEqual({ kind: 'location', key: 'city' });
    expect(klaviyoFieldTarget('lifetime_value')).toEqual({ kind: 'property', key: 'lifetime_value' });
    expect(klaviyoFieldTarget('properties.city')).toEqual({ kind: 'property', key: 'city' });
    const built = klaviyoProfile(
      {
        key: 'p1',
        fields: {
          email: ' Ann@Example.com ',
          phone_number: '(415) 555-0123',
          first_name: 'Ann',
          last_name: null,
          city: 'Oakland',
          latitude: 37.8,
          lifetime_value: 120.5,
          'properties.city': 'Paris',
          churned: null,
        },
      },
      'US',
    );
    expect(built).toEqual({
      profile: {
        type: 'profile',
        attributes: {
          email: 'ann@example.com',
          phone_number: '+14155550123',
          first_name: 'Ann',
          last_name: null,
          location: { city: 'Oakland', latitude: 37.8 },
          properties: { lifetime_value: 120.5, city: 'Paris' },
        },
        meta: { patch_properties: { unset: ['churned'] } },
      },
      bytes: expect.any(Number),
      identifiers: { email: 'ann@example.com', phone_number: '+14155550123' },
    });
  });

  it('drops an unusable identifier when another one is left, refuses rows with none and profiles over 100 KB', () => {
    expect(klaviyoProfile({ key: 'a', fields: { email: 'nope', external_id: 42 } })).toMatchObject({ profile: { attributes: { external_id: '42' } } });
    expect(klaviyoProfile({ key: 'b', fields: { email: 'nope', phone_number: '12' } })).toEqual({ error: 'no valid email, phone_number (E.164) or external_id to identify the profile' });
    expect(klaviyoProfile({ key: 'c', fields: { email: 'a@example.com', notes: 'x'.repeat(110_000) } })).toEqual({
      error: expect.stringMatching(/^the profile is \d+ bytes; Klaviyo takes at most 102400 per profile$/),
    });
  });

  it('reads profile indexes from import error pointers and quotes filter strings', () => {
    expect(klaviyoProfileIndex('/data/attributes/profiles/data/12/attributes/email')).toBe(12);
    expect(klaviyoProfileIndex('/data/attributes/profiles/data/3')).toBe(3);
    expect(klaviyoProfileIndex('/data/relationships/lists')).toBeUndefined();
    expect(klaviyoProfileIndex(null)).toBeUndefined();
    expect(klaviyoFilterString('a"b\\c@example.com')).toBe('"a\\"b\\\\c@example.com"');
  });
});
