import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropReasonSql } from '../../../src/identity/junk.js';
import { normalizeLiteralsQuery, normalizeQuery } from '../../../src/identity/normalize.js';
import type { IdTypePlan } from '../../../src/identity/plan.js';
import { openWarehouse, type Warehouse } from '../../../src/warehouse/index.js';

const POSTGRES_URL = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const type = (normalize: IdTypePlan['normalize'], defaultRegion: string | null = null): IdTypePlan => ({
  name: normalize,
  tier: 0,
  priority: 1,
  maxPerProfile: null,
  normalize,
  defaultRegion,
});

const PHONES_US: Array<[string, string | null]> = [
  ['(415) 555-0123', '+14155550123'],
  ['415.555.0123', '+14155550123'],
  ['415-555-0123', '+14155550123'],
  ['4155550123', '+14155550123'],
  ['1-415-555-0123', '+14155550123'],
  ['+1 (415) 555-0123', '+14155550123'],
  ['001 415 555 0123', '+14155550123'],
  ['+44 20 7946 0958', '+442079460958'],
  ['0044 20 7946 0958', '+442079460958'],
  ['+49 30 12345678', '+493012345678'],
  ['+33 1 23 45 67 89', '+33123456789'],
  ['555-0123', null], // too short
  ['(015) 555-0123', null], // no area code starts with 0
  ['+1 415 555 01234', null], // too long for North America
  ['+44 20 79', null], // too short for the UK
  ['call me', null],
];

const PHONES_GB: Array<[string, string | null]> = [
  ['020 7946 0958', '+442079460958'],
  ['07400 123456', '+447400123456'],
  ['44 20 7946 0958', '+442079460958'],
  ['+1 415 555 0123', '+14155550123'],
  ['0207', null],
];

const PHONES_DE: Array<[string, string | null]> = [
  ['030 12345678', '+493012345678'],
  ['0151 12345678', '+4915112345678'],
];

const PHONES_FR: Array<[string, string | null]> = [['01 23 45 67 89', '+33123456789'], ['06 12 34 56 78', '+33612345678']];

const EMAILS: Array<[string, string | null]> = [
  ['  Alice@Example.COM ', 'alice@example.com'],
  ['bob.smith+shop@mail.co.uk', 'bob.smith+shop@mail.co.uk'],
  ['no-at-sign.com', null],
  ['two@@signs.com', null],
  ['space in@mail.com', null],
  ['nodot@localhost', null],
];

async function normalizeAll(warehouse: Warehouse, t: IdTypePlan, values: string[]): Promise<Array<string | null>> {
  const rows = await warehouse.query<{ i: number; norm: string | null }>(`${normalizeLiteralsQuery(warehouse.dialect, t, values)} ORDER BY 1`);
  return rows.map((r) => r.norm);
}

async function reasons(warehouse: Warehouse, t: IdTypePlan, values: string[], block = { exactNormalized: [] as string[], exactRaw: [] as string[], regexes: [] as string[] }) {
  const d = warehouse.dialect;
  const rows = values.map((v, i) => `SELECT ${i} AS i, ${d.literal(v)} AS raw`).join(' UNION ALL ');
  const sql = `SELECT x.i, ${dropReasonSql(d, t, 'x.raw', 'x.norm', block, true)} AS reason FROM (${normalizeQuery(d, t, rows)}) x ORDER BY 1`;
  return (await warehouse.query<{ reason: string | null }>(sql)).map((r) => r.reason);
}

for (const engine of ['duckdb', 'postgres'] as const) {
  describe(`identifier normalisation in SQL (${engine})`, () => {
    let warehouse: Warehouse;
    beforeAll(async () => {
      warehouse =
        engine === 'duckdb'
          ? await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp')
          : await openWarehouse({ type: 'postgres', connection: POSTGRES_URL, poolSize: 1 }, '/tmp');
    });
    afterAll(async () => warehouse.close());

    const cases: Array<[string, IdTypePlan, Array<[string, string | null]>]> = [
      ['phones (US)', type('phone', 'US'), PHONES_US],
      ['phones (GB)', type('phone', 'GB'), PHONES_GB],
      ['phones (DE)', type('phone', 'DE'), PHONES_DE],
      ['phones (FR)', type('phone', 'FR'), PHONES_FR],
      ['emails', type('email'), EMAILS],
    ];
    for (const [label, t, table] of cases) {
      it(`normalises ${label}`, async () => {
        expect(await normalizeAll(warehouse, t, table.map(([raw]) => raw))).toEqual(table.map(([, norm]) => norm));
      });
    }

    it('reads national numbers only with a default region', async () => {
      expect(await normalizeAll(warehouse, type('phone'), ['(415) 555-0123', '+1 415 555 0123'])).toEqual([null, '+14155550123']);
    });

    it('trims, lowercases or keeps values as configured', async () => {
      expect(await normalizeAll(warehouse, type('lower'), [' AbC '])).toEqual(['abc']);
      expect(await normalizeAll(warehouse, type('trim'), [' AbC '])).toEqual(['AbC']);
      expect(await normalizeAll(warehouse, type('none'), [' AbC '])).toEqual([' AbC ']);
    });

    it('classifies junk, invalid and blocklisted values', async () => {
      expect(await reasons(warehouse, type('email'), ['test@test.com', 'N/A', 'noemail@example.com', 'na@na.com', 'nope', 'ok@shop.com', 'x@mailinator.com'], {
        exactNormalized: [],
        exactRaw: [],
        regexes: ['@mailinator\\.com$'],
      })).toEqual(['junk', 'junk', 'junk', 'junk', 'invalid', null, 'blocklist']);
      expect(await reasons(warehouse, type('phone', 'US'), ['0000000000', '000-000-0000', '9999999999', '1234567890', '(415) 555-0123', '415 555 0124'], {
        exactNormalized: ['+14155550124'],
        exactRaw: ['415 555 0124'],
        regexes: [],
      })).toEqual(['junk', 'junk', 'junk', 'invalid', null, 'blocklist']);
      expect(await reasons(warehouse, type('trim'), ['-1', 'unknown', 'Undefined', 'anonymous', '0', '---', 'u-42'])).toEqual([
        'junk', 'junk', 'junk', 'junk', 'junk', 'junk', null,
      ]);
    });
  });
}
