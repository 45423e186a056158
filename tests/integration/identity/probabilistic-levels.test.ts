/** The name, prefix and numeric comparison levels give the same levels on DuckDB and Postgres. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gammaSql, planField } from '../../../src/identity/probabilistic/index.js';
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
});
