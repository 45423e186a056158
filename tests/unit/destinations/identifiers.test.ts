import { describe, expect, it } from 'vitest';
import {
  dateOfBirthParts,
  hashNormalized,
  isSha256Hex,
  metaCell,
  normalizeCountry,
  normalizeEmail,
  normalizeForMeta,
  normalizeGender,
  normalizeName,
  normalizePhone,
  normalizeState,
  normalizeZip,
  sha256Hex,
} from '../../../src/destinations/index.js';

// Digests computed independently with `printf %s <value> | sha256sum`.
const SHA = {
  'test@example.com': '973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b',
  'john.smith@example.com': '8e621e3d0368631d263d07a351fa8d34fba0d17c15fbcdec11a5f58008d022a0',
  '16505551212': 'e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176',
  mary: '6915771be1c5aa0c886870b6951b03d7eafc121fea0e80a5ea83beb7c449f4ec',
  '94025': 'b9a9cf3cd3723a2e91b7c23ecf68456e872b6e5d86e5cab7f3d45a7302da32c7',
  us: '79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621',
  '+15551234567': '8a59780bb8cd2ba022bfa5ba2ea3b6e07af17a7d8b30c1f9b3390e36f69019e4',
};

describe('shared identifier normalisation', () => {
  it('emails: trimmed, lower-cased, invalid ones dropped, gmail canonical form on request', () => {
    expect(normalizeEmail('  John.Smith@Example.COM ')).toBe('john.smith@example.com');
    expect(normalizeEmail('not-an-email')).toBeNull();
    expect(normalizeEmail('a@b')).toBeNull();
    expect(normalizeEmail(null)).toBeNull();
    expect(normalizeEmail('Jane.Doe+promo@GMail.com', { gmailCanonical: true })).toBe('janedoe@gmail.com');
    expect(normalizeEmail('jane.doe+promo@example.com', { gmailCanonical: true })).toBe('jane.doe+promo@example.com');
  });

  it('phones: E.164 with the default region, international prefixes kept, junk dropped', () => {
    expect(normalizePhone('+1 (555) 123-4567')).toBe('+15551234567');
    expect(normalizePhone('(650) 555-1212', 'US')).toBe('+16505551212');
    expect(normalizePhone('1-650-555-1212', 'US')).toBe('+16505551212');
    expect(normalizePhone('07700 900123', 'GB')).toBe('+447700900123');
    expect(normalizePhone('0044 7700 900123', 'FR')).toBe('+447700900123');
    expect(normalizePhone('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(normalizePhone('06 1234 5678', 'IT')).toBe('+390612345678'); // Italy keeps its leading 0
    expect(normalizePhone('12345', 'US')).toBeNull();
    expect(normalizePhone('call me')).toBeNull();
    expect(normalizePhone('+1234567890123456')).toBeNull(); // 16 digits: longer than E.164 allows
  });

  it('names, zip codes, countries, states, gender and birth dates', () => {
    expect(normalizeName(' Mary-Jane ')).toBe('maryjane');
    expect(normalizeName("O'Brien")).toBe('obrien');
    expect(normalizeName('Élodie')).toBe('élodie');
    expect(normalizeName('123')).toBeNull();
    expect(normalizeZip('94025-1234')).toBe('94025');
    expect(normalizeZip('SW1A 1AA', 'GB')).toBe('sw1a1aa');
    expect(normalizeZip('9402', 'US')).toBeNull();
    expect(normalizeCountry('US')).toBe('us');
    expect(normalizeCountry('United States')).toBe('us');
    expect(normalizeCountry('DEU')).toBe('de');
    expect(normalizeCountry('UK')).toBe('gb');
    expect(normalizeCountry('Atlantis')).toBeNull();
    expect(normalizeState('California')).toBe('ca');
    expect(normalizeState('NY')).toBe('ny');
    expect(normalizeGender('Female')).toBe('f');
    expect(normalizeGender('x')).toBeNull();
    expect(dateOfBirthParts('1990-3-7')).toEqual({ year: '1990', month: '03', day: '07' });
    expect(dateOfBirthParts(new Date(Date.UTC(1985, 11, 24)))).toEqual({ year: '1985', month: '12', day: '24' });
  });

  it('SHA-256 hex digests match independently computed ones; digests pass through', () => {
    for (const [value, digest] of Object.entries(SHA)) expect(sha256Hex(value)).toBe(digest);
    expect(isSha256Hex(SHA.mary)).toBe(true);
    expect(hashNormalized(SHA.mary)).toBe(SHA.mary);
    expect(hashNormalized(null)).toBeNull();
  });
});

describe("Meta's customer-file rules", () => {
  it('normalises each key as Meta specifies', () => {
    expect(normalizeForMeta('EMAIL', ' John.Smith@Example.com.')).toBe('john.smith@example.com');
    expect(normalizeForMeta('PHONE', '+1 (650) 555-1212')).toBe('16505551212');
    expect(normalizeForMeta('PHONE', '(650) 555-1212', 'US')).toBe('16505551212');
    expect(normalizeForMeta('FN', 'Mary')).toBe('mary');
    expect(normalizeForMeta('FI', 'Mary')).toBe('m');
    expect(normalizeForMeta('CT', 'Menlo Park')).toBe('menlopark');
    expect(normalizeForMeta('ST', 'California')).toBe('ca');
    expect(normalizeForMeta('ZIP', '94025-1234')).toBe('94025');
    expect(normalizeForMeta('COUNTRY', 'United States')).toBe('us');
    expect(normalizeForMeta('DOBY', '1990-03-07')).toBe('1990');
    expect(normalizeForMeta('DOBM', 3)).toBe('03');
    expect(normalizeForMeta('DOBD', '7')).toBe('07');
    expect(normalizeForMeta('DOBM', 13)).toBeNull();
    expect(normalizeForMeta('GEN', 'Male')).toBe('m');
    expect(normalizeForMeta('EXTERN_ID', ' crm-42 ')).toBe('crm-42');
  });

  it('hashes every key but EXTERN_ID and MADID; unknown values become ""', () => {
    expect(metaCell('EMAIL', 'Test@Example.com')).toBe(SHA['test@example.com']);
    expect(metaCell('PHONE', '(650) 555-1212', 'US')).toBe(SHA['16505551212']);
    expect(metaCell('FN', 'MARY')).toBe(SHA.mary);
    expect(metaCell('ZIP', '94025-0001')).toBe(SHA['94025']);
    expect(metaCell('COUNTRY', 'US')).toBe(SHA.us);
    expect(metaCell('EXTERN_ID', 'crm-42')).toBe('crm-42');
    expect(metaCell('MADID', 'AEBE52E7-03EE-455A-B3C4-E57283966239')).toBe('AEBE52E7-03EE-455A-B3C4-E57283966239');
    expect(metaCell('EMAIL', 'nope')).toBe('');
    expect(metaCell('EMAIL', null)).toBe('');
    expect(metaCell('EMAIL', SHA['test@example.com'].toUpperCase())).toBe(SHA['test@example.com']);
  });
});
