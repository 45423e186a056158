/**
 * The name, prefix, numeric and word-overlap comparison levels give the same levels on DuckDB and
 * Postgres; term frequencies weigh a fuzzy match of a common surname less than of a rare one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probabilisticSchema } from '../../../src/config/index.js';
import { SqlRunner } from '../../../src/identity/runner.js';
import { gammaSql, planField, scorePairs, type ModelParams } from '../../../src/identity/probabilistic/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { dropSchemas, openDuckDb, openPostgres, uniqueSchema } from './helpers.js';

// (first_l, last_l, first_r, last_r, level expected for first_name)
const PAIRS: Array<[string, string, string, string, number]> = [
  ['william', 'smith', 'william', 'smith', 4], // exact
  ['bill', 'smith', 'william', 'smith', 3], // nickname
  ['peggy', 'jones', 'maggie', 'jones', 3], // two nicknames of one name
  ['smith', 'john', 'john', 'smith', 2], // swapped
  ['j', 'smith', 'john', 'smith', 1], // initial
  ['jon', 'smith', 'john', 'smith', 3], // a nickname, before the initial
  ['anna', 'lee', 'bob', 'lee', 0], // else
];

// (address_l, address_r, Jaccard of the word sets, level of [>= 0.9, >= 0.7, >= 0.5])
const ADDRESSES: Array<[string, string, number | null, number]> = [
  ['12 high street, london', 'london 12 high street', 1, 3], // order and punctuation ignored
  ['a a b', 'b a', 1, 3], // repeats ignored
  ['the old mill house', 'old mill house', 0.75, 2],
  ['flat 3, 5 rose lane', 'flat 3 5 rose ln', 4 / 6, 1],
  ['acme corp ltd', 'acme corporation ltd.', 0.5, 1],
  ['acme', 'globex', 0, 0],
  ['!!!', 'acme', null, 0], // no word on one side: no similarity, else
];

describe.each([
  ['DuckDB', openDuckDb],
  ['Postgres', openPostgres],
] as const)('comparison levels (%s)', (_engine, open) => {
  let wh: Warehouse;
  const schema = uniqueSchema('t_plevels');
  beforeAll(async () => {
    wh = await open();
    await wh.execute(`CREATE SCHEMA ${schema}`);
    const lit = (v: string) => `'${v}'`;
    await wh.execute(
      `CREATE TABLE ${schema}.pairs AS ${PAIRS.map(([a, b, c, d2], i) => `SELECT ${i} AS i, ${lit(a)} AS fl, ${lit(b)} AS ll, ${lit(c)} AS fr, ${lit(d2)} AS lr, '${i % 2 ? '2600' : '2612'}' AS pl, '2617' AS pr, '${10 + i}' AS nl, '12.5' AS nr`).join(' UNION ALL ')}`,
    );
  });
  afterAll(async () => {
    await dropSchemas(wh, [schema]);
    await wh?.close();
  });

  it('nickname, swapped first/last, initial; postcode prefix; numeric distance', async () => {
    const d = wh.dialect;
    const first = planField('first_name', { levels: [{ exact: true }, { nickname: true }, { swappedWith: 'surname' }, { initial: true }], termFrequency: false });
    const postcode = planField('postcode', { levels: [{ exact: true }, { prefix: 3 }, { prefix: 2 }], termFrequency: false });
    const amount = planField('amount', { levels: [{ exact: true }, { numericWithin: 1 }, { numericWithin: 3 }], termFrequency: false });
    const rows = await wh.query<{ i: number; g_first_name: number; g_postcode: number; g_amount: number }>(
      `SELECT l.i, ${gammaSql(d, first, 'l', 'r')}, ${gammaSql(d, postcode, 'l', 'r')}, ${gammaSql(d, amount, 'l', 'r')}
       FROM (SELECT i, fl AS first_name, ll AS surname, pl AS postcode, nl AS amount FROM ${schema}.pairs) l
       JOIN (SELECT i, fr AS first_name, lr AS surname, pr AS postcode, nr AS amount FROM ${schema}.pairs) r ON r.i = l.i ORDER BY l.i`,
    );
    expect(rows.map((r) => Number(r.g_first_name))).toEqual(PAIRS.map((p) => p[4]));
    // 2612 ~ 2617: first 3 characters (level 2); 2600 ~ 2617: first 2 (level 1).
    expect(rows.map((r) => Number(r.g_postcode))).toEqual(PAIRS.map((_, i) => (i % 2 ? 1 : 2)));
    // 10..16 against 12.5: within 3 for 10..15 (|d| <= 3 → level 1), within 1 for 12 and 13 (level 2).
    expect(rows.map((r) => Number(r.g_amount))).toEqual(PAIRS.map((_, i) => (Math.abs(10 + i - 12.5) <= 1 ? 2 : Math.abs(10 + i - 12.5) <= 3 ? 1 : 0)));
  });

  it('word overlap: Jaccard of the word sets, and its levels', async () => {
    const d = wh.dialect;
    const lit = (v: string) => d.literal(v);
    const address = planField('address', { levels: [{ wordOverlap: 0.9 }, { wordOverlap: 0.7 }, { wordOverlap: 0.5 }], termFrequency: false });
    const rows = await wh.query<{ i: number; j: number | null; g_address: number }>(
      ADDRESSES.map(
        ([a, b], i) =>
          `SELECT ${i} AS i, ${d.tokenJaccard(lit(a), lit(b))} AS j, ${gammaSql(d, address, 'l', 'r')} FROM (SELECT ${lit(a)} AS address) l CROSS JOIN (SELECT ${lit(b)} AS address) r`,
      ).join(' UNION ALL ') + ' ORDER BY i',
    );
    expect(rows.map((r) => (r.j === null ? null : Math.round(Number(r.j) * 1e6) / 1e6))).toEqual(ADDRESSES.map((x) => (x[2] === null ? null : Math.round(x[2] * 1e6) / 1e6)));
    expect(rows.map((r) => Number(r.g_address))).toEqual(ADDRESSES.map((x) => x[3]));
  });

  it('term frequency on a fuzzy level: a common surname\'s near match weighs less than a rare one\'s', async () => {
    // 100 records: 40 smith, 2 smyth, 1 kowalski, 1 kowalsky, 56 other surnames.
    const surnames = [...Array(40).fill('smith'), 'smyth', 'smyth', 'kowalski', 'kowalsky', ...Array.from({ length: 56 }, (_, i) => `other${i}`)];
    await wh.execute(`CREATE TABLE ${schema}.recs AS ${surnames.map((v, i) => `SELECT ${i + 1} AS rid, 'a' AS source, '${v}' AS surname`).join(' UNION ALL ')}`);
    const rid = (v: string) => surnames.indexOf(v) + 1;
    const pairs: Array<[number, number, number]> = [
      [rid('smith'), rid('smyth'), 1], // jaro-winkler level
      [rid('kowalski'), rid('kowalsky'), 1],
      [rid('smith'), rid('smith') + 1, 2], // exact
    ];
    await wh.execute(`CREATE TABLE ${schema}.tf_pairs AS ${pairs.map(([l, r, g]) => `SELECT ${l} AS rid_l, ${r} AS rid_r, ${g} AS g_surname`).join(' UNION ALL ')}`);
    const sql = new SqlRunner(wh);
    const params: ModelParams = {
      prior: 0.01, priorSource: 'config', mSource: 'em', sessions: [], fallbackFields: [], knownMatches: 0, curves: [], blockedMatchShare: 0,
      levels: [
        { field: 'surname', gamma: -1, label: 'null', m: 1, u: 1, weight: 0 },
        { field: 'surname', gamma: 2, label: 'exact', m: 0.9, u: 0.05, weight: Math.log2(0.9 / 0.05) },
        { field: 'surname', gamma: 1, label: 'jaro_winkler >= 0.9', m: 0.08, u: 0.01, weight: Math.log2(0.08 / 0.01) },
        { field: 'surname', gamma: 0, label: 'else', m: 0.02, u: 0.94, weight: Math.log2(0.02 / 0.94) },
      ],
      iterations: 0, converged: true, blockedPairs: 3, randomPairs: 0, records: 100, tfFields: ['surname'],
    };
    const weights = async (fuzzyTermFrequency: number) => {
      const config = probabilisticSchema.parse({
        sources: { a: { fields: {} } },
        blocking: [['surname']],
        comparisons: { surname: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true, fuzzyTermFrequency } },
      });
      const target = { schema, name: `scored_${fuzzyTermFrequency * 10}` };
      await scorePairs(sql, { records: { schema, name: 'recs' }, pairs: { schema, name: 'tf_pairs' }, config, params, target, scratch: (n) => ({ schema, name: `t_${n}` }) });
      const rows = await wh.query<{ rid_l: number; match_weight: number }>(`SELECT rid_l, match_weight FROM ${schema}.${target.name} ORDER BY rid_l, rid_r`);
      return rows.map((r) => Number(r.match_weight));
    };
    const prior = Math.log2(0.01 / 0.99);
    const [smithExact, smithFuzzy, rareFuzzy] = await weights(1);
    // Exact agreement on smith (tf 0.4): log2(0.05 / 0.4) added, as before.
    expect(smithExact).toBeCloseTo(prior + Math.log2(0.9 / 0.05) + Math.log2(0.05 / 0.4), 6);
    // Fuzzy: the more common side decides (smith 0.4 over smyth 0.02; kowalski = kowalsky = 0.01).
    expect(smithFuzzy).toBeCloseTo(prior + 3 + Math.log2(0.05 / 0.4), 6);
    expect(rareFuzzy).toBeCloseTo(prior + 3 + Math.log2(0.05 / 0.01), 6);
    expect(rareFuzzy! - smithFuzzy!).toBeCloseTo(Math.log2(40), 6);
    // Half the adjustment with fuzzyTermFrequency 0.5; none on the fuzzy level with 0 (the default).
    const half = await weights(0.5);
    expect(half[2]! - half[1]!).toBeCloseTo(Math.log2(40) / 2, 6);
    const none = await weights(0);
    expect(none[1]).toBeCloseTo(none[2]!, 9);
    expect(none[0]).toBeCloseTo(smithExact!, 6);
  });
});
