import { describe, expect, it } from 'vitest';
import { table, toCsv } from '../../../src/cli/commands/audience.js';

describe('CLI output formats', () => {
  it('writes RFC 4180 CSV: quotes, commas and line breaks escaped', () => {
    const csv = toCsv(
      ['profile_id', 'name', 'seen'],
      [
        ['p1', 'Smith, "Jo"', new Date('2024-01-02T03:04:05Z')],
        ['p2', 'two\nlines', null],
        ['p3', ' padded', 42],
      ],
    );
    expect(csv).toBe('profile_id,name,seen\r\np1,"Smith, ""Jo""",2024-01-02T03:04:05.000Z\r\np2,"two\nlines",\r\np3," padded",42\r\n');
  });

  it('aligns table columns', () => {
    expect(table(['a', 'long'], [['xyz', '1']])).toBe('a    long\n---  ----\nxyz  1');
  });
});
