import { describe, expect, it } from 'vitest';
import { csvField, csvLine, pgTypeParsers, toPgParam } from '../../../src/warehouse/adapters/postgres-values.js';

const parse = (oid: number, text: string) => (pgTypeParsers.getTypeParser(oid, 'text') as (t: string) => unknown)(text);

describe('Postgres value parsing', () => {
  it('reads int8 as a number when safe, else a bigint', () => {
    expect(parse(20, '42')).toBe(42);
    expect(parse(20, '-9007199254740991')).toBe(-9007199254740991);
    expect(parse(20, '9007199254740993')).toBe(9007199254740993n);
  });

  it('reads numeric as a number', () => {
    expect(parse(1700, '1.50')).toBe(1.5);
    expect(parse(1700, 'NaN')).toBeNaN();
  });

  it('reads TIMESTAMP as UTC and DATE as UTC midnight, whatever the local zone', () => {
    expect(parse(1114, '2024-01-02 03:04:05.678901')).toEqual(new Date('2024-01-02T03:04:05.678Z'));
    expect(parse(1114, '2024-01-02 03:04:05')).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(parse(1082, '2024-02-29')).toEqual(new Date('2024-02-29T00:00:00Z'));
  });

  it('keeps JSON as text and leaves other types to pg', () => {
    expect(parse(3802, '{"a": 1}')).toBe('{"a": 1}');
    expect(parse(114, '[1]')).toBe('[1]');
    expect(parse(23, '5')).toBe(5);
    expect(parse(16, 't')).toBe(true);
  });
});

describe('Postgres params', () => {
  it('sends Dates as UTC ISO text and bigints as decimal text', () => {
    expect(toPgParam(new Date('2024-01-02T03:04:05.678Z'))).toBe('2024-01-02T03:04:05.678Z');
    expect(toPgParam(2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(toPgParam(undefined)).toBeNull();
    expect(toPgParam('x')).toBe('x');
  });
});

describe('COPY CSV encoding', () => {
  it('tells NULL (unquoted empty) from the empty string (quoted)', () => {
    expect(csvField(null, 'string')).toBe('');
    expect(csvField(undefined, 'string')).toBe('');
    expect(csvField('', 'string')).toBe('""');
  });

  it('quotes every value and doubles quotes; newlines and commas stay inside quotes', () => {
    expect(csvField('say "hi", ok\nbye', 'string')).toBe('"say ""hi"", ok\nbye"');
    expect(csvField('\\N', 'string')).toBe('"\\N"');
  });

  it('writes each kind in a form Postgres reads back exactly', () => {
    expect(csvField(new Date('2024-01-02T03:04:05.678Z'), 'timestamp')).toBe('"2024-01-02T03:04:05.678Z"');
    expect(csvField(new Date('2024-01-02T00:00:00Z'), 'date')).toBe('"2024-01-02"');
    expect(csvField({ a: 'b"c' }, 'json')).toBe('"{""a"":""b\\""c""}"');
    expect(csvField(true, 'boolean')).toBe('"true"');
    expect(csvField(0, 'boolean')).toBe('"false"');
    expect(csvField(2n ** 62n, 'integer')).toBe('"4611686018427387904"');
    expect(csvField(-0.5, 'number')).toBe('"-0.5"');
  });

  it('builds one line per row', () => {
    expect(
      csvLine(['a', null, 1], [
        { name: 'x', kind: 'string' },
        { name: 'y', kind: 'string' },
        { name: 'z', kind: 'integer' },
      ]),
    ).toBe('"a",,"1"\n');
  });
});
