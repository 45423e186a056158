import { describe, expect, it } from 'vitest';
import { numberProblem } from '../../../web/src/builder/model.js';
import { rankOptions } from '../../../web/src/components/rank-options.js';

const EVENTS = ['app_open', 'email_click', 'email_open', 'open_ticket_closed', 'product_viewed'].map((value) => ({ value }));

describe('picker ranking (what Enter may take)', () => {
  it('highlights nothing when two names match a word equally: "open" never silently takes app_open', () => {
    const { shown, sure } = rankOptions(EVENTS, 'open');
    // The only name starting with the text comes first and is the one Enter takes.
    expect(shown.map((o) => o.value)).toEqual(['open_ticket_closed', 'app_open', 'email_open']);
    expect(sure).toBe(0);
    const without = rankOptions(EVENTS.filter((o) => o.value !== 'open_ticket_closed'), 'open');
    expect(without.shown.map((o) => o.value)).toEqual(['app_open', 'email_open']);
    expect(without.sure).toBe(-1);
  });

  it('an exact name wins over prefixes, and a single match is taken', () => {
    expect(rankOptions([{ value: 'email_open_rate' }, { value: 'email_open' }], 'email_open')).toEqual({ shown: [{ value: 'email_open' }, { value: 'email_open_rate' }], sure: 0 });
    expect(rankOptions(EVENTS, 'product').sure).toBe(0);
    expect(rankOptions(EVENTS, 'email_').sure).toBe(-1);
    expect(rankOptions(EVENTS, 'xyz')).toEqual({ shown: [], sure: -1 });
  });

  it('matches labels and names alike', () => {
    const traits = [{ value: 'ltv', label: 'Lifetime value' }, { value: 'life_stage', label: 'Life stage' }];
    expect(rankOptions(traits, 'ltv')).toEqual({ shown: [traits[0]], sure: 0 });
    expect(rankOptions(traits, 'life').sure).toBe(-1);
    expect(rankOptions(traits, 'lifetime').sure).toBe(0);
  });

  it('lists everything (up to the cap) for empty text, highlighting nothing', () => {
    expect(rankOptions(EVENTS, '  ')).toEqual({ shown: EVENTS, sure: -1 });
  });
});

describe('number inputs refuse what they cannot represent', () => {
  it('refuses integers beyond 2^53 and decimals beyond 15 significant digits or 10^21', () => {
    expect(numberProblem('9007199254740991', 'integer')).toBeNull();
    expect(numberProblem('9007199254740993', 'integer')).toMatch(/lose digits/);
    expect(numberProblem('1e30', 'number')).toMatch(/below 10\^21/);
    expect(numberProblem('100000000000000000000000000000', 'number')).toMatch(/below 10\^21/);
    expect(numberProblem('0.1234567890123456', 'number')).toMatch(/15 significant digits/);
    expect(numberProblem('123456789012345', 'number')).toBeNull();
    expect(numberProblem('-0.000001250', 'number')).toBeNull();
    expect(numberProblem('2.5', 'integer')).toMatch(/whole number/);
    expect(numberProblem('abc', 'number')).toBe('Enter a number.');
  });
});
