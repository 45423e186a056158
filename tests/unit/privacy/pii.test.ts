import { describe, expect, it } from 'vitest';
import { PiiTags } from '../../../src/privacy/pii.js';
import { MASK, maskEmail, maskPhone, maskValue, scrubText } from '../../../src/util/mask.js';

describe('PII tags', () => {
  const tags = new PiiTags(['email', 'Phone', ' first_name ', 'birth_date', 'ltv']);

  it('match names case-insensitively', () => {
    expect(tags.isPii('EMAIL')).toBe(true);
    expect(tags.isPii('phone')).toBe(true);
    expect(tags.isPii('First_Name')).toBe(true);
    expect(tags.isPii('country')).toBe(false);
    expect(PiiTags.of({ privacy: { pii: ['City'] } }).isPii('city')).toBe(true);
    expect(PiiTags.of({}).names).toEqual([]);
  });

  it('mask rows: only tagged keys, every value kind, null stays null', () => {
    const born = new Date('1990-05-01T00:00:00Z');
    const row = { profile_id: 'p1', email: 'Jane.Doe@Example.com', PHONE: '+1 (415) 555-0112', first_name: 'Jane', birth_date: born, ltv: 150.5, country: 'DE', Email: null };
    expect(tags.maskRow(row)).toEqual({
      profile_id: 'p1',
      email: `J${MASK}@E${MASK}.com`,
      PHONE: `${MASK}12`,
      first_name: MASK,
      birth_date: MASK,
      ltv: MASK,
      country: 'DE',
      Email: null,
    });
    // The input is not changed.
    expect(row.email).toBe('Jane.Doe@Example.com');
  });

  it('mask identifiers of tagged id types only', () => {
    expect(tags.maskIdentifier('email', 'alice@example.com')).toBe(`a${MASK}@e${MASK}.com`);
    expect(tags.maskIdentifier('phone', '+14155550199')).toBe(`${MASK}99`);
    expect(tags.maskIdentifier('crm_id', 'c1')).toBe('c1');
  });
});

describe('masking values', () => {
  it('emails keep the first letters and the top-level domain', () => {
    expect(maskEmail('j@e.com')).toBe(`j${MASK}@e${MASK}.com`);
    expect(maskEmail('jane@mail.example.co.uk')).toBe(`j${MASK}@m${MASK}.uk`);
    expect(maskValue(' bob@example.org ')).toBe(`b${MASK}@e${MASK}.org`);
  });

  it('phones keep their last two digits', () => {
    expect(maskPhone('(415) 555-0123')).toBe(`${MASK}23`);
    expect(maskValue('(415) 555-0123', 'mobile_phone')).toBe(`${MASK}23`);
    expect(maskValue('+44 20 7946 1000', 'anything')).toBe(`${MASK}00`);
    expect(maskPhone('7')).toBe(MASK);
  });

  it('other values become the mask; lists are masked item by item', () => {
    expect(maskValue('Berlin', 'city')).toBe(MASK);
    expect(maskValue('2024-01-01', 'signup_date')).toBe(MASK);
    expect(maskValue(42)).toBe(MASK);
    expect(maskValue(true)).toBe(MASK);
    expect(maskValue(null)).toBeNull();
    expect(maskValue(undefined)).toBeNull();
    expect(maskValue(['a@b.com', null, 'x'])).toEqual([`a${MASK}@b${MASK}.com`, null, MASK]);
  });

  it('scrubs emails and international phones inside free text, nothing else', () => {
    expect(scrubText('invalid email "alice@example.com" (row 3) at 2024-01-01 10:00:00')).toBe(`invalid email "a${MASK}@e${MASK}.com" (row 3) at 2024-01-01 10:00:00`);
    expect(scrubText('phone +44 20 7946 1000 rejected; id 12345678')).toBe(`phone ${MASK}00 rejected; id 12345678`);
  });
});
