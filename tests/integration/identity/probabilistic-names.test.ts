/**
 * Names as people write them: a generated set where a person's second record has first and last
 * name swapped, a nickname, an initial or a typo, and households whose members share surname
 * and address but are different people. At the default threshold the model (nickname, initial
 * and swapped-name levels) beats an exact-name rule by a clear margin and keeps precision ≥ 0.99.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probabilisticSchema } from '../../../src/config/index.js';
import { SqlRunner } from '../../../src/identity/index.js';
import { clusterAccuracy, runFellegiSunter, thresholdWeight } from '../../../src/identity/probabilistic/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { loadTables, openDuckDb } from './helpers.js';

const FORMAL = ['william', 'robert', 'richard', 'james', 'john', 'michael', 'david', 'joseph', 'thomas', 'charles', 'margaret', 'elizabeth', 'katherine', 'susan', 'jennifer', 'patricia', 'barbara', 'deborah', 'rebecca', 'mary'];
const NICK: Record<string, string> = { william: 'bill', robert: 'bob', richard: 'dick', james: 'jim', john: 'jack', michael: 'mike', david: 'dave', joseph: 'joe', thomas: 'tom', charles: 'chuck', margaret: 'peggy', elizabeth: 'liz', katherine: 'kate', susan: 'sue', jennifer: 'jen', patricia: 'pat', barbara: 'barb', deborah: 'debbie', rebecca: 'becky', mary: 'molly' };
const LAST = ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'thompson', 'white', 'harris', 'clark', 'lewis', 'walker', 'young', 'allen', 'king', 'wright', 'scott', 'green', 'baker', 'adams', 'nelson', 'hill', 'campbell', 'mitchell', 'roberts', 'carter'];
const CITY = ['springfield', 'riverside', 'franklin', 'greenville', 'bristol', 'clinton', 'fairview', 'salem', 'madison', 'georgetown'];
const STREET = ['main st', 'oak ave', 'pine rd', 'maple dr', 'cedar ln', 'elm st', 'lake view', 'hill rd'];

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const transpose = (s: string, i: number) => s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);

/** Rows (key, entity, first_name, surname, dob, city, address). */
export function namesDataset(people: number): unknown[][] {
  const r = rng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const rows: unknown[][] = [];
  const date = () => `19${40 + Math.floor(r() * 60)}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
  for (let p = 0; p < people; p++) {
    const first = pick(FORMAL);
    const last = pick(LAST);
    const dob = date();
    const city = pick(CITY);
    const address = `${1 + Math.floor(r() * 300)} ${pick(STREET)}`;
    rows.push([`p${p}a`, `p${p}`, first, last, dob, city, address]);
    if (p % 3 !== 0) {
      // Seven kinds of second record: five with the name written differently, two with it as is (one moved house).
      const variant = p % 7;
      const copy = {
        0: [last, first],
        1: [NICK[first]!, last],
        2: [first, transpose(last, 1 + Math.floor(r() * (last.length - 2)))],
        3: [first[0]!, last],
        4: [transpose(first, 1), last],
        5: [first, last],
        6: [first, last],
      }[variant]!;
      const moved = variant === 6 ? `${1 + Math.floor(r() * 300)} ${pick(STREET)}` : address;
      rows.push([`p${p}b`, `p${p}`, copy[0], copy[1], dob, variant === 6 ? pick(CITY) : city, moved]);
    }
    // A household member: same surname, address and city, another first name and birth date.
    if (p % 4 === 0) rows.push([`h${p}`, `h${p}`, pick(FORMAL.filter((f) => f !== first)), last, date(), city, address]);
  }
  return rows;
}

const str = (name: string) => ({ name, kind: 'string' as const });

describe('names with swaps, nicknames, initials and typos; households (DuckDB)', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await openDuckDb();
    await loadTables(wh, 'names', [{ name: 'raw', columns: ['k', 'entity', 'first_name', 'surname', 'dob', 'city', 'address'].map(str), rows: namesDataset(3000) }]);
    await wh.execute(`CREATE TABLE names.records AS SELECT ROW_NUMBER() OVER (ORDER BY k) AS rid, 'p' AS source, k AS record_key, first_name, surname, dob, city, address FROM names.raw`);
    await wh.execute(`CREATE TABLE names.raw_ranked AS SELECT ROW_NUMBER() OVER (ORDER BY k) AS rid, k, entity FROM names.raw`);
    await wh.execute(`CREATE TABLE names.truth AS SELECT rid, entity FROM names.raw_ranked`);
  }, 60_000);
  afterAll(async () => wh?.close());

  it('beats an exact-name rule by a clear margin at the default threshold, precision >= 0.99', async () => {
    const config = probabilisticSchema.parse({
      sources: { p: { fields: {} } },
      blocking: [['dob'], ['surname', 'city'], ['first_name', 'city']],
      comparisons: {
        first_name: { levels: [{ exact: true }, { nickname: true }, { swappedWith: 'surname' }, { jaroWinkler: 0.9 }, { initial: true }], termFrequency: true },
        surname: { levels: [{ exact: true }, { swappedWith: 'first_name' }, { jaroWinkler: 0.9 }], termFrequency: true },
        dob: { levels: [{ exact: true }, { levenshtein: 1 }] },
        city: { levels: [{ exact: true }] },
        address: { levels: [{ exact: true }, { levenshtein: 2 }] },
      },
    });
    const sql = new SqlRunner(wh);
    const scratch = (name: string) => ({ schema: 'names', name: `t_${name}` });
    const { scored } = await runFellegiSunter(sql, { records: { schema: 'names', name: 'records' }, config, scratch });
    const truth = { schema: 'names', name: 'truth' };
    const model = await clusterAccuracy(sql, { scored, truth, minWeight: thresholdWeight(config), scratch });
    // The baseline: records with the same first name, surname and birth date are one person.
    await wh.execute(
      `CREATE TABLE names.exact AS SELECT l.rid AS rid_l, r.rid AS rid_r, 1.0 AS match_weight FROM names.records l JOIN names.records r
       ON l.rid < r.rid AND l.first_name = r.first_name AND l.surname = r.surname AND l.dob = r.dob`,
    );
    const exact = await clusterAccuracy(sql, { scored: { schema: 'names', name: 'exact' }, truth, minWeight: 0, scratch });
    console.log(`names: model P ${model.precision.toFixed(4)} R ${model.recall.toFixed(4)} F1 ${model.f1.toFixed(4)}; exact names P ${exact.precision.toFixed(4)} R ${exact.recall.toFixed(4)} F1 ${exact.f1.toFixed(4)}`);
    expect(model.precision).toBeGreaterThanOrEqual(0.99);
    expect(model.f1).toBeGreaterThan(exact.f1 + 0.2);
    expect(model.f1).toBeGreaterThanOrEqual(0.92); // measured 0.930 (docs/probabilistic.md)
    // Household members (same surname, address and city; another first name and birth date) link to
    // no one of their household, except where the other record gives only an initial that fits
    // ("d. lopez" at Deborah Lopez's address): ambiguous by the data, and the only such links.
    const [household] = await wh.query<{ n: bigint; initials: bigint }>(
      `SELECT COUNT(*) AS n, SUM(CASE WHEN LENGTH(ra.first_name) = 1 OR LENGTH(rb.first_name) = 1 THEN 1 ELSE 0 END) AS initials
       FROM ${sql.rel(scored)} x JOIN names.raw_ranked a ON a.rid = x.rid_l JOIN names.raw_ranked b ON b.rid = x.rid_r
       JOIN names.records ra ON ra.rid = x.rid_l JOIN names.records rb ON rb.rid = x.rid_r
       WHERE x.match_weight >= ${thresholdWeight(config)} AND (a.k LIKE 'h%' OR b.k LIKE 'h%') AND a.entity <> b.entity`,
    );
    console.log(`names: household members wrongly linked ${household!.n} (all through an initial: ${household!.initials})`);
    expect(Number(household!.n)).toBe(Number(household!.initials));
    expect(Number(household!.n)).toBeLessThan(0.02 * 750);
  }, 120_000);
});
