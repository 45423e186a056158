/**
 * The Snowflake dialect: the case rule for names, string escaping, and the SQL of each function
 * (Snowflake's semantics are documented; there is no offline Snowflake to evaluate them, so the
 * Jaro-Winkler UDF body is checked by running it in Node against DuckDB's implementation).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { jaroWinklerJs } from '../../../src/warehouse/adapters/js-udfs.js';
import { foldSnowflakeName, unfoldSnowflakeName } from '../../../src/warehouse/dialects/index.js';
import { getDialect } from '../../../src/warehouse/index.js';

const sf = getDialect('snowflake');

describe('names', () => {
  it('quotes every name; lower-case names are quoted as Snowflake stores them unquoted (upper case)', () => {
    expect(sf.quoteIdent('event_id')).toBe('"EVENT_ID"');
    expect(sf.quoteIdent('_cdp_person_id')).toBe('"_CDP_PERSON_ID"');
    expect(sf.quoteIdent('amount$usd')).toBe('"AMOUNT$USD"');
    expect(sf.quoteIdent('EVENT_ID')).toBe('"EVENT_ID"');
    expect(sf.quoteIdent('firstName')).toBe('"firstName"');
    expect(sf.quoteIdent('order id')).toBe('"order id"');
    expect(sf.quoteIdent('9lives')).toBe('"9lives"');
    expect(sf.quoteIdent('say "hi"')).toBe('"say ""hi"""');
  });

  it('reads stored names back as our code writes them', () => {
    expect(['EVENT_ID', 'PROFILES', '_CDP_X', 'firstName', 'order id', 'Mixed_Case', 'N'].map(unfoldSnowflakeName)).toEqual([
      'event_id', 'profiles', '_cdp_x', 'firstName', 'order id', 'Mixed_Case', 'n',
    ]);
    for (const name of ['event_id', 'profile_id', 'firstName', 'x1', 'order id']) expect(unfoldSnowflakeName(foldSnowflakeName(name))).toBe(name);
  });

  it('writes database.schema.table when the schema names a database', () => {
    expect(sf.relation({ schema: 'cdp', name: 'profiles' })).toBe('"CDP"."PROFILES"');
    expect(sf.relation({ schema: 'analytics.raw', name: 'orders' })).toBe('"ANALYTICS"."RAW"."ORDERS"');
    expect(sf.relation({ schema: 'RAW', name: 'Orders' })).toBe('"RAW"."Orders"');
  });

  it('uses numeric binds and Snowflake types', () => {
    expect([sf.param(1), sf.param(7)]).toEqual([':1', ':7']);
    expect((['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json'] as const).map((k) => sf.typeName(k))).toEqual([
      'VARCHAR', 'NUMBER(38,0)', 'FLOAT', 'BOOLEAN', 'TIMESTAMP_NTZ', 'DATE', 'VARIANT',
    ]);
    expect(['TEXT', 'NUMBER(38,0)', 'NUMBER(10,2)', 'FLOAT', 'BOOLEAN', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'DATE', 'VARIANT', 'ARRAY', 'BINARY', 'TIME'].map((t) => sf.columnKind(t))).toEqual([
      'string', 'integer', 'number', 'number', 'boolean', 'timestamp', 'timestamp', 'date', 'json', 'other', 'other', 'other',
    ]);
  });
});

describe('literals', () => {
  it('doubles quotes and backslashes (a backslash is an escape character in Snowflake strings)', () => {
    expect(sf.literal("it's")).toBe("'it''s'");
    expect(sf.literal('C:\\temp\\new')).toBe("'C:\\\\temp\\\\new'");
    expect(sf.literal('line\nbreak')).toBe("'line\nbreak'");
    expect(() => sf.literal('nul\u0000')).toThrow(/NUL/);
  });

  it('writes timestamps as UTC wall-clock TIMESTAMP_NTZ, other values as they are', () => {
    expect(sf.literal(new Date('2024-02-29T23:59:58.123Z'))).toBe("CAST('2024-02-29 23:59:58.123' AS TIMESTAMP_NTZ)");
    expect([sf.literal(42), sf.literal(-1.5), sf.literal(2n ** 70n), sf.literal(true), sf.literal(null)]).toEqual(['42', '-1.5', (2n ** 70n).toString(), 'TRUE', 'NULL']);
  });
});

describe('functions', () => {
  it('hashes as SHA2 hex, hash64 from its first 15 hex digits', () => {
    expect(sf.sha256Hex('x')).toBe('SHA2(x, 256)');
    expect(sf.hash64('x')).toBe("TO_NUMBER(UPPER(SUBSTR(SHA2(x, 256), 1, 15)), 'XXXXXXXXXXXXXXX')");
  });

  it('finds a regex anywhere with REGEXP_INSTR (REGEXP_LIKE would anchor it at both ends)', () => {
    expect(sf.regexMatches('x', '[0-9]+')).toBe("(REGEXP_INSTR(x, '[0-9]+') > 0)");
    expect(sf.regexMatches('x', '^\\+[0-9]$')).toBe("(REGEXP_INSTR(x, '^\\\\+[0-9]$') > 0)");
    expect(sf.regexReplaceAll('x', '[^0-9]', '')).toBe("REGEXP_REPLACE(x, '[^0-9]', '')");
  });

  it('time: DATEADD, whole units elapsed from microseconds, SYSDATE() as UTC now', () => {
    expect(sf.dateAdd('ts', -30, 'day')).toBe('DATEADD(DAY, -30, ts)');
    expect(sf.dateAdd('ts', 1, 'month')).toBe('DATEADD(MONTH, 1, ts)');
    expect(sf.dateDiff('day', 'a', 'b')).toBe('CAST(TRUNC(DATEDIFF(MICROSECOND, a, b) / 86400000000) AS NUMBER(38,0))');
    expect(sf.currentTimestampUtc()).toBe('SYSDATE()');
  });

  it('casts: TRY_CAST over the text form (it only takes strings), JSON parsed', () => {
    expect(sf.tryCast('x', 'integer')).toBe('TRY_CAST(TO_VARCHAR(x) AS NUMBER(38,0))');
    expect(sf.tryCast('x', 'json')).toBe('TRY_PARSE_JSON(TO_VARCHAR(x))');
    expect(sf.cast('x', 'json')).toBe('PARSE_JSON(x)');
  });

  it('strings: LISTAGG ... WITHIN GROUP, CONTAINS/STARTSWITH/ENDSWITH, EDITDISTANCE, the Jaro-Winkler UDF', () => {
    expect(sf.stringAgg('v', ', ', 'ts DESC')).toBe("LISTAGG(v, ', ') WITHIN GROUP (ORDER BY ts DESC)");
    expect(sf.textMatch('x', 'contains', '50%_')).toBe("CONTAINS(x, '50%_')");
    expect(sf.textMatch('x', 'starts_with', 'a')).toBe("STARTSWITH(x, 'a')");
    expect(sf.levenshtein('a', 'b')).toBe('EDITDISTANCE(a, b)');
    expect(sf.jaroWinkler('a', 'b')).toBe('"CDP_FUNCTIONS".JARO_WINKLER(a, b)');
  });

  it('statements: MERGE, rename within the schema, JSON objects', () => {
    expect(sf.renameTable({ schema: 'cdp', name: 'a' }, 'b')).toBe('ALTER TABLE "CDP"."A" RENAME TO "CDP"."B"');
    expect(sf.merge({ target: { schema: 'cdp', name: 't' }, source: 'SELECT 1', keys: ['id'], insertColumns: ['id', 'v'], updateColumns: ['v'] })).toEqual([
      'MERGE INTO "CDP"."T" AS t USING (SELECT 1) AS s ON t."ID" = s."ID" WHEN MATCHED THEN UPDATE SET "V" = s."V" WHEN NOT MATCHED THEN INSERT ("ID", "V") VALUES (s."ID", s."V")',
    ]);
    expect(sf.jsonObjectText([['a', 'x'], ['b', 'y', 'json']])).toBe("TO_JSON(OBJECT_CONSTRUCT_KEEP_NULL('a', x, 'b', PARSE_JSON(y)))");
  });
});

describe('the Jaro-Winkler UDF body (BigQuery and Snowflake) computes what DuckDB does', () => {
  it('on names, typos, transpositions, unicode, empty and one-character strings', async () => {
    const pairs: Array<[string, string]> = [
      ['martha', 'marhta'], ['dwayne', 'duane'], ['dixon', 'dicksonx'], ['jones', 'johnson'], ['abc', 'abc'], ['abc', 'xyz'],
      ['', ''], ['a', ''], ['a', 'a'], ['a', 'b'], ['crate', 'trace'], ['jon.smith@example.com', 'john.smith@example.com'],
      ['müller', 'mueller'], ['josé', 'jose'], ['😀a', 'a😀'], ['Anna', 'anna'], ['ab', 'ba'], ['prefixmatching', 'prefixmatchnig'],
    ];
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const fn = new Function('a', 'b', jaroWinklerJs('a', 'b')) as (a: string | null, b: string | null) => number | null;
    try {
      for (const [a, b] of pairs) {
        const reader = await connection.runAndReadAll('SELECT jaro_winkler_similarity($1, $2) AS v', [a, b]);
        const expected = reader.getRowObjectsJS()[0]!.v as number;
        expect(fn(a, b), `${a} / ${b}`).toBeCloseTo(expected, 12);
      }
      expect(fn(null, 'x')).toBe(null);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
