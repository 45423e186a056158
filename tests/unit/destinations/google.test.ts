import { describe, expect, it } from 'vitest';
import { googleHashed, normalizeForGoogle, sha256Hex } from '../../../src/destinations/index.js';
import { googleAudienceMember, googleConfigSchema, requestBody, type GoogleConfig } from '../../../src/destinations/google_customer_match/index.js';
import { memberIndexOf } from '../../../src/destinations/google_customer_match/api.js';
import { dataManagerProtos } from '../../fixtures/vendors/google-proto.js';

// Digests computed independently with `printf %s <value> | sha256sum`.
const SHA = {
  'janedoe@gmail.com': 'd6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69',
  'johnsmith@googlemail.com': 'b1dd4aa5ffe1507d6883708fdf4f7a88d176b107097b541c6975a70e2b8ffbb8',
  'jane.doe+promo@example.com': 'c3374bcfe3572e09f37602e0e179782352c5e117a4a3767824abbaa21bbdef8b',
  '+18005550100': 'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30',
  'mary ann': '343b97011010c3549fe7fcd6c226ed9431ea37b0b77ed78f6300a0098925faf1',
  smith: '6627835f988e2c5e50533d491163072d3f4f41f5c8b04630150debb3722ca2dd',
};

const config = (extra: Record<string, unknown> = {}): GoogleConfig =>
  googleConfigSchema.parse({
    operating_account: { account_id: '123-456-7890' },
    audience_id: 555,
    access_token: { env: 'T' },
    customer_match_terms_accepted: true,
    default_phone_region: 'US',
    ...extra,
  });

describe("Google's identifier rules (Data Manager formatting guide, user_data.proto)", () => {
  it('emails: whitespace removed, lower-cased; gmail/googlemail lose dots and +suffix, other domains keep them', () => {
    expect(normalizeForGoogle('email', ' Jane.Doe+Promo@GMAIL.com ')).toBe('janedoe@gmail.com');
    expect(normalizeForGoogle('email', 'John.Smith@googlemail.com')).toBe('johnsmith@googlemail.com');
    expect(normalizeForGoogle('email', 'Jane.Doe+promo@Example.com')).toBe('jane.doe+promo@example.com');
    expect(normalizeForGoogle('email', 'jane doe@example.com')).toBe('janedoe@example.com');
    expect(normalizeForGoogle('email', '+tag@gmail.com')).toBeNull();
    expect(normalizeForGoogle('email', 'nope')).toBeNull();
    expect(googleHashed('email', ' Jane.Doe+Promo@GMAIL.com ')).toBe(SHA['janedoe@gmail.com']);
    expect(googleHashed('email', 'John.Smith@googlemail.com')).toBe(SHA['johnsmith@googlemail.com']);
    expect(googleHashed('email', 'jane.doe+promo@example.com')).toBe(SHA['jane.doe+promo@example.com']);
  });

  it('phones: E.164 with the + (the published example +18005550100)', () => {
    expect(normalizeForGoogle('phone', '(800) 555-0100', { defaultRegion: 'US' })).toBe('+18005550100');
    expect(normalizeForGoogle('phone', '+1 800 555 0100')).toBe('+18005550100');
    expect(normalizeForGoogle('phone', '020 7946 0018', { defaultRegion: 'GB' })).toBe('+442079460018');
    expect(googleHashed('phone', '1-800-555-0100', 'US')).toBe(SHA['+18005550100']);
    expect(normalizeForGoogle('phone', '12', { defaultRegion: 'US' })).toBeNull();
  });

  it('names: lower-case, punctuation removed, outer whitespace trimmed; region ISO alpha-2; postal code in clear', () => {
    expect(normalizeForGoogle('name', '  Mary   Ann ')).toBe('mary ann');
    expect(normalizeForGoogle('name', "O'Brien-Smith.")).toBe('obriensmith');
    expect(normalizeForGoogle('name', 'José')).toBe('josé');
    expect(googleHashed('name', ' Mary Ann ')).toBe(SHA['mary ann']);
    expect(googleHashed('name', 'SMITH')).toBe(SHA.smith);
    expect(normalizeForGoogle('region_code', 'United States')).toBe('US');
    expect(normalizeForGoogle('region_code', 'gb')).toBe('GB');
    expect(normalizeForGoogle('postal_code', '94043-1234', { country: 'US' })).toBe('94043');
    expect(normalizeForGoogle('postal_code', ' sw1a  1aa ', { country: 'GB' })).toBe('SW1A 1AA');
    // Postal codes per country: no US-style extension where codes are five digits; other shapes kept.
    expect(normalizeForGoogle('postal_code', '10115-1234', { country: 'DE' })).toBe('10115');
    expect(normalizeForGoogle('postal_code', '75008', { country: 'FR' })).toBe('75008');
    expect(normalizeForGoogle('postal_code', '7500', { country: 'FR' })).toBeNull();
    expect(normalizeForGoogle('postal_code', '100-0001', { country: 'JP' })).toBe('100-0001');
    expect(normalizeForGoogle('postal_code', '1000-001', { country: 'PT' })).toBe('1000-001');
    expect(normalizeForGoogle('postal_code', 'k1a 0b1', { country: 'CA' })).toBe('K1A 0B1');
  });

  it('values already hashed in the warehouse are sent as they are', () => {
    const digest = sha256Hex('someone@example.com');
    expect(googleHashed('email', digest.toUpperCase())).toBe(digest);
  });
});

describe('AudienceMember and request bodies', () => {
  it('builds userIdentifiers (emails, phones, then a complete address), at most 10 and no repeats', () => {
    const member = googleAudienceMember(
      {
        email_address: ['Jane.Doe@gmail.com', 'janedoe@gmail.com', 'jane.doe+promo@example.com'],
        phone_number: '800-555-0100',
        given_name: 'Mary Ann',
        family_name: 'Smith',
        region_code: 'usa',
        postal_code: '94043',
        consent_ad_user_data: true,
      },
      config({ consent: { ad_personalization: 'denied' } }),
      true,
    );
    expect(member).toEqual({
      userData: {
        userIdentifiers: [
          { emailAddress: SHA['janedoe@gmail.com'] },
          { emailAddress: SHA['jane.doe+promo@example.com'] },
          { phoneNumber: SHA['+18005550100'] },
          { address: { givenName: SHA['mary ann'], familyName: SHA.smith, regionCode: 'US', postalCode: '94043' } },
        ],
      },
      consent: { adUserData: 'CONSENT_GRANTED', adPersonalization: 'CONSENT_DENIED' },
    });
    const many = googleAudienceMember({ email_address: Array.from({ length: 12 }, (_, i) => `p${i}@example.com`) }, config(), false)!;
    expect(many.userData.userIdentifiers).toHaveLength(10);
    expect(googleAudienceMember({ email_address: 'x', given_name: 'Ann', family_name: 'Lee', region_code: 'US' }, config(), true)).toBeNull();
  });

  it('ingest and remove bodies are valid IngestAudienceMembersRequest / RemoveAudienceMembersRequest JSON', () => {
    const protos = dataManagerProtos();
    const member = googleAudienceMember({ email_address: 'a@example.com', consent_ad_user_data: 'granted' }, config(), true)!;
    const c = config({ login_account: { account_id: '111', account_type: 'GOOGLE_ADS' }, consent: { ad_user_data: 'granted' } });
    const ingest = requestBody('upsert', [member], c);
    expect(protos.validate('IngestAudienceMembersRequest', ingest)).toEqual([]);
    expect(ingest).toMatchObject({
      destinations: [{ operatingAccount: { accountId: '1234567890', accountType: 'GOOGLE_ADS' }, loginAccount: { accountId: '111', accountType: 'GOOGLE_ADS' }, productDestinationId: '555' }],
      encoding: 'HEX',
      consent: { adUserData: 'CONSENT_GRANTED' },
      termsOfService: { customerMatchTermsOfServiceStatus: 'ACCEPTED' },
    });
    const remove = requestBody('remove', [googleAudienceMember({ email_address: 'a@example.com' }, c, false)!], c);
    expect(protos.validate('RemoveAudienceMembersRequest', remove)).toEqual([]);
    expect(remove.termsOfService).toBeUndefined();
    // The same ingest body is not a valid remove request (no consent/termsOfService there).
    expect(protos.validate('RemoveAudienceMembersRequest', ingest)).toEqual([
      'consent: RemoveAudienceMembersRequest has no field "consent"',
      'termsOfService: RemoveAudienceMembersRequest has no field "termsOfService"',
    ]);
  });

  it('the proto validator catches what the API would refuse', () => {
    const protos = dataManagerProtos();
    expect(
      protos.validate('IngestAudienceMembersRequest', {
        destinations: [{ operatingAccount: { accountId: '1', accountType: 'GOOGLE_AD' }, product_destination_id: '5' }],
        audienceMembers: [{ userData: { userIdentifiers: [{ emailAddress: 'x', phoneNumber: 'y' }] } }],
        encoding: 'ENCODING_UNSPECIFIED',
      }),
    ).toEqual([
      'destinations[0].operatingAccount.accountType: "GOOGLE_AD" is not a AccountType value',
      'destinations[0].product_destination_id: Destination has no field "product_destination_id"',
      'destinations[0].productDestinationId: required by Destination',
      'audienceMembers[0].userData.userIdentifiers[0]: oneof identifier has emailAddress and phoneNumber',
      'encoding: ENCODING_UNSPECIFIED should never be used',
    ]);
    expect(protos.validate('IngestAudienceMembersRequest', {})).toEqual(['destinations: required by IngestAudienceMembersRequest', 'audienceMembers: required by IngestAudienceMembersRequest']);
    expect(protos.route('POST', '/v1/audienceMembers:remove')?.method).toBe('RemoveAudienceMembers');
    expect(protos.route('GET', '/v1/accountTypes/GOOGLE_ADS/accounts/1/userLists/2')?.method).toBe('GetUserList');
  });

  it('reads member positions from field violation paths', () => {
    expect(memberIndexOf('audience_members[12].user_data.user_identifiers[0].email_address')).toBe(12);
    expect(memberIndexOf('audienceMembers[3]')).toBe(3);
    expect(memberIndexOf('destinations[0]')).toBeUndefined();
  });
});

describe('config', () => {
  it('normalises account ids and insists on the terms', () => {
    expect(config().operating_account).toEqual({ account_id: '1234567890', account_type: 'GOOGLE_ADS' });
    expect(config().status_wait_seconds).toBe(60);
    const refused = googleConfigSchema.safeParse({ operating_account: { account_id: '1' }, audience_id: '2', access_token: { env: 'T' } });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues[0]!.message).toContain('customer_match_terms_accepted: true');
    expect(googleConfigSchema.safeParse({ ...config(), access_token: 'ya29.literal' }).success).toBe(false);
  });
});
