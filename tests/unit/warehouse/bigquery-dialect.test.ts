/**
 * The BigQuery dialect: exact SQL for names and values, and what its expressions *compute*,
 * evaluated by ZetaSQL's reference implementation (BigQuery's semantics) and compared with what
 * the DuckDB dialect computes on DuckDB for the same inputs.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_PATTERN } from '../../../src/identity/index.js';
import { getDialect } from '../../../src/warehouse/index.js';
import { normalizeValue } from '../../../src/warehouse/index.js';
import { ZetaSqlServer } from '../../sqlcheck/zetasql.js';

const bq = getDialect('bigquery');
const duck = getDialect('duckdb');
let zeta: ZetaSqlServer;
let instance: DuckDBInstance;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  zeta = await ZetaSqlServer.start();
  instance = await DuckDBInstance.create(':memory:');
  duckdb = await instance.connect();
});

afterAll(() => {
  zeta?.stop();
  duckdb?.closeSync();
  instance?.closeSync();
});

async function onDuckDb(expr: string): Promise<unknown> {
  const reader = await duckdb.runAndReadAll(`SELECT ${expr} AS v`);
  return normalizeValue(reader.getRowObjectsJS()[0]!.v);
}

async function onBigQuery(expr: string): Promise<unknown> {
  return normalizeValue(await zeta.evaluate(expr));
}

describe('names', () => {
  it('quotes identifiers with backticks and backslash escapes', () => {
    expect(bq.quoteIdent('orders')).toBe('`orders`');
    expect(bq.quoteIdent('a`b\\c')).toBe('`a\\`b\\\\c`');
    expect(() => bq.quoteIdent('')).toThrow(/empty/);
  });

  it('writes dataset.table, and project.dataset.table when the schema names a project', () => {
    expect(bq.relation({ schema: 'raw', name: 'orders' })).toBe('`raw`.`orders`');
    expect(bq.relation({ schema: 'other-project.raw', name: 'orders' })).toBe('`other-project`.`raw`.`orders`');
    expect(bq.relation({ schema: 'example.com:proj.raw', name: 'orders' })).toBe('`example.com:proj`.`raw`.`orders`');
    // Project.relation('proj.raw.orders') splits at the first dot: the same path.
    expect(bq.relation({ schema: 'proj', name: 'raw.orders' })).toBe('`proj`.`raw`.`orders`');
  });

  it('uses named parameters and BigQuery type names', () => {
    expect([bq.param(1), bq.param(12)]).toEqual(['@p1', '@p12']);
    expect((['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json'] as const).map((k) => bq.typeName(k))).toEqual([
      'STRING', 'INT64', 'FLOAT64', 'BOOL', 'TIMESTAMP', 'DATE', 'JSON',
    ]);
    expect(['STRING', 'INTEGER', 'INT64', 'FLOAT', 'NUMERIC', 'BOOLEAN', 'TIMESTAMP', 'DATETIME', 'DATE', 'JSON', 'ARRAY<STRING>', 'STRUCT', 'BYTES'].map((t) => bq.columnKind(t))).toEqual([
      'string', 'integer', 'integer', 'number', 'number', 'boolean', 'timestamp', 'timestamp', 'date', 'json', 'other', 'other', 'other',
    ]);
  });
});

describe('literals round-trip through BigQuery’s string rules', () => {
  const texts = ["it's", 'back\\slash', "\\'", 'line\nbreak\ttab\rreturn', '"double" and `back`', 'unicode é ß 😀', 'control \u0001 \u007f', "''", ''];
  it.each(texts.map((t) => [JSON.stringify(t), t]))('%s', async (_name, text) => {
    expect(await onBigQuery(bq.literal(text))).toBe(text);
  });

  it('writes backslash escapes, never doubled quotes (not an escape in GoogleSQL)', () => {
    expect(bq.literal("it's")).toBe("'it\\'s'");
    expect(bq.literal('a\\b')).toBe("'a\\\\b'");
    expect(() => bq.literal('nul\u0000')).toThrow(/NUL/);
    expect(() => bq.literal('lone \uD800')).toThrow(/UTF-8/);
  });

  it('numbers, booleans, NULL, timestamps and integers beyond INT64', async () => {
    expect(await onBigQuery(bq.literal(42))).toBe(42);
    expect(await onBigQuery(bq.literal(-1.25))).toBe(-1.25);
    expect(await onBigQuery(bq.literal(2n ** 62n))).toBe(2n ** 62n);
    expect(await onBigQuery(bq.literal(true))).toBe(true);
    expect(await onBigQuery(bq.literal(null))).toBe(null);
    expect(await onBigQuery(bq.literal(new Date('2024-02-29T23:59:58.123Z')))).toEqual(new Date('2024-02-29T23:59:58.123Z'));
    expect(bq.literal(2n ** 70n)).toBe(`BIGNUMERIC '${(2n ** 70n).toString()}'`);
  });
});

describe('functions compute what they compute on DuckDB', () => {
  const strings = ['abc', '', 'user@example.com', 'é 😀', "o'brien"];

  it.each(strings.map((s) => [JSON.stringify(s), s]))('hash64 and sha256Hex of %s', async (_name, text) => {
    expect(await onBigQuery(bq.hash64(bq.literal(text)))).toBe(await onDuckDb(duck.hash64(duck.literal(text))));
    expect(await onBigQuery(bq.sha256Hex(bq.literal(text)))).toBe(await onDuckDb(duck.sha256Hex(duck.literal(text))));
  });

  it('hash64 is the first 15 hex digits of SHA-256 as a (non-negative) INT64', async () => {
    expect(await onBigQuery(bq.hash64(bq.literal('abc')))).toBe(839782156265856254n);
  });

  it('regexMatches finds the pattern anywhere (like DuckDB), with RE2 syntax and POSIX classes', async () => {
    const cases: Array<[string, string]> = [
      ['a@b.co', EMAIL_PATTERN],
      ['not an email', EMAIL_PATTERN],
      ['x@y', EMAIL_PATTERN],
      ['middle-123-text', '[0-9]+'],
      ['...', '^[[:punct:][:space:]]*$'],
      ['+15551234567', '^\\+[0-9]{1,3}(0?123456789|1234567890)$'],
    ];
    for (const [text, pattern] of cases) {
      expect(await onBigQuery(bq.regexMatches(bq.literal(text), pattern)), `${text} ~ ${pattern}`).toBe(await onDuckDb(duck.regexMatches(duck.literal(text), pattern)));
    }
  });

  it('regexReplaceAll replaces every match', async () => {
    for (const [text, pattern, replacement] of [
      ['(555) 123-4567', '[^0-9]', ''],
      ['a.b.c', '\\.', '\\\\'],
      ['john  smith', '\\s+', ' '],
    ]) {
      expect(await onBigQuery(bq.regexReplaceAll(bq.literal(text!), pattern!, replacement!))).toBe(await onDuckDb(duck.regexReplaceAll(duck.literal(text!), pattern!, replacement!)));
    }
  });

  it('dateDiff counts whole units elapsed, truncated toward zero', async () => {
    const pairs: Array<[string, string]> = [
      ['2024-01-01 23:00:00', '2024-01-02 01:00:00'],
      ['2024-01-02 01:00:00', '2024-01-01 23:00:00'],
      ['2024-01-01 00:00:00.900', '2024-01-01 00:00:01.100'],
      ['2023-12-31 12:00:00', '2024-03-01 11:59:59'],
    ];
    for (const [start, end] of pairs) {
      for (const unit of ['second', 'minute', 'hour', 'day'] as const) {
        const b = bq.dateDiff(unit, `TIMESTAMP '${start}+00'`, `TIMESTAMP '${end}+00'`);
        const d = duck.dateDiff(unit, `TIMESTAMP '${start}'`, `TIMESTAMP '${end}'`);
        expect(await onBigQuery(b), `${unit} ${start} -> ${end}`).toBe(await onDuckDb(d));
      }
    }
  });

  it('dateAdd shifts by any unit, calendar units included', async () => {
    for (const unit of ['second', 'minute', 'hour', 'day', 'week', 'month', 'year'] as const) {
      for (const amount of [-3, 1]) {
        const b = await onBigQuery(bq.dateAdd(`TIMESTAMP '2024-01-31 10:00:00+00'`, amount, unit));
        const d = (await onDuckDb(duck.dateAdd(`TIMESTAMP '2024-01-31 10:00:00'`, amount, unit))) as Date;
        expect(b, `${amount} ${unit}`).toEqual(d);
      }
    }
  });

  it('textMatch takes the text literally (%, _ and \\ are not patterns)', async () => {
    const subject = 'Get 50%_off \\ now';
    for (const [mode, text] of [
      ['contains', '50%_off \\'],
      ['contains', '50%off'],
      ['starts_with', 'Get 5'],
      ['starts_with', '%'],
      ['ends_with', '\\ now'],
      ['ends_with', '_now'],
    ] as const) {
      expect(await onBigQuery(bq.textMatch(bq.literal(subject), mode, text)), `${mode} ${text}`).toBe(await onDuckDb(duck.textMatch(duck.literal(subject), mode, text)));
    }
  });

  it('concat is NULL when any part is (NULL literals included), length counts characters', async () => {
    expect(await onBigQuery(bq.concat(bq.literal('a'), bq.literal(null), bq.literal('b')))).toBe(null);
    expect(await onBigQuery(bq.concat(bq.literal('a'), 'CAST(NULL AS STRING)'))).toBe(null);
    expect(await onBigQuery(bq.concat(bq.literal('a'), bq.literal(':'), bq.literal('b')))).toBe('a:b');
    expect(await onBigQuery(bq.length(bq.literal('é😀x')))).toBe(await onDuckDb(duck.length(duck.literal('é😀x'))));
  });

  it('tryCast gives NULL instead of failing', async () => {
    expect(await onBigQuery(bq.tryCast(bq.literal('42'), 'integer'))).toBe(42);
    expect(await onBigQuery(bq.tryCast(bq.literal('abc'), 'integer'))).toBe(null);
    expect(await onBigQuery(bq.tryCast(bq.literal('2024-01-02 03:04:05'), 'timestamp'))).toEqual(new Date('2024-01-02T03:04:05Z'));
    expect(await onBigQuery(bq.tryCast(bq.literal('soon'), 'timestamp'))).toBe(null);
  });

  it('jsonObjectText builds the same JSON object (values typed, nested JSON embedded)', async () => {
    const entries = (d: typeof bq) =>
      [
        ['name', d.literal("o'brien")],
        ['n', d.literal(3)],
        ['x', d.literal(1.5)],
        ['ok', d.literal(true)],
        ['none', d.cast(d.literal(null), 'string')],
        ['inner', d.jsonObjectText([['a', d.literal(1)]]), 'json'],
      ] as Array<[string, string, 'value' | 'json' | undefined]>;
    const b = JSON.parse((await onBigQuery(bq.jsonObjectText(entries(bq)))) as string);
    const d = JSON.parse((await onDuckDb(duck.jsonObjectText(entries(duck)))) as string);
    expect(b).toEqual(d);
    expect(b).toEqual({ name: "o'brien", n: 3, x: 1.5, ok: true, none: null, inner: { a: 1 } });
  });
});
