import { describe, expect, it } from 'vitest';
import { e164, mailboxName, personalEmail, phoneFor, renderEmail, renderPhone, typo, workEmail } from '../../../src/demo/contact.js';
import { Rng } from '../../../src/demo/random.js';
import { COUNTRIES } from '../../../src/demo/vocab/places.js';

describe('email addresses', () => {
  it('folds names to ASCII mailbox names', () => {
    expect(mailboxName('Müller')).toBe('mueller');
    expect(mailboxName("O'Brien")).toBe('obrien');
    expect(mailboxName('Jean-Pierre')).toBe('jeanpierre');
    expect(mailboxName('Hélène')).toBe('helene');
    expect(mailboxName('De La Cruz')).toBe('delacruz');
  });

  it('never gives two people the same address, even with the same names', () => {
    // Worst case: everyone is called the same, so only the person number tells them apart.
    const personal = new Set<string>();
    const work = new Set<string>();
    for (let n = 0; n < 20_000; n++) {
      const country = COUNTRIES[n % COUNTRIES.length]!;
      personal.add(personalEmail(n, n % 2 ? 'John' : 'Jane', 'Doe', country));
      work.add(workEmail(n, n % 2 ? 'John' : 'Jane', 'Doe'));
    }
    expect(personal.size).toBe(20_000);
    expect(work.size).toBe(20_000);
  });

  it('writes addresses the messy ways sources store them', () => {
    const rng = new Rng(1);
    const seen = new Set(Array.from({ length: 2000 }, () => renderEmail(rng, 'john.doe@gmail.com', 1)));
    expect(seen).toContain('john.doe@gmail.com');
    expect(seen).toContain('John.Doe@Gmail.com');
    expect(seen).toContain('JOHN.DOE@GMAIL.COM');
    expect([...seen].some((e) => e !== e.trim())).toBe(true);
    for (const e of seen) expect(e.trim().toLowerCase()).toBe('john.doe@gmail.com');
    const clean = new Rng(2);
    for (let i = 0; i < 100; i++) expect(renderEmail(clean, 'a@b.com', 0)).toBe('a@b.com');
  });
});

describe('phone numbers', () => {
  it('gives distinct people distinct numbers in each country', () => {
    for (const country of COUNTRIES) {
      const numbers = new Set<string>();
      for (let i = 0; i < 5000; i++) {
        numbers.add(e164(phoneFor(i, 'mobile', country, 77)));
        numbers.add(e164(phoneFor(i, 'landline', country, 77)));
      }
      expect(numbers.size).toBe(10_000);
    }
  });

  it('renders North American numbers in the local styles, all with the same digits', () => {
    const phone = { country: 'US' as const, cc: '1', national: '4155550134' };
    const rng = new Rng(4);
    const seen = new Set(Array.from({ length: 400 }, () => renderPhone(rng, phone)));
    expect(seen).toEqual(
      new Set(['(415) 555-0134', '+1 415 555 0134', '415.555.0134', '415-555-0134', '4155550134', '+14155550134', '1-415-555-0134', '+1 (415) 555-0134']),
    );
    for (const text of seen) expect(text.replace(/\D/g, '').replace(/^1(?=\d{10}$)/, '')).toBe('4155550134');
  });

  it('renders UK numbers internationally (+44 / 0044) and sometimes nationally', () => {
    const phone = { country: 'GB' as const, cc: '44', national: '2079460958' };
    const rng = new Rng(5);
    const seen = new Set(Array.from({ length: 400 }, () => renderPhone(rng, phone)));
    expect(seen).toEqual(new Set(['+44 20 7946 0958', '0044 20 7946 0958', '+442079460958', '020 7946 0958']));
  });
});

describe('typos', () => {
  it('always changes the name, keeping it recognisable', () => {
    const rng = new Rng(6);
    for (const name of ['Jonathan', 'Müller', 'Li', 'Smith']) {
      for (let i = 0; i < 50; i++) {
        const out = typo(rng, name);
        expect(out).not.toBe(name);
        expect(Math.abs(out.length - name.length)).toBeLessThanOrEqual(1);
      }
    }
  });
});
