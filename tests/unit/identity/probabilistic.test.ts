import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identitySchema, probabilisticSchema } from '../../../src/config/index.js';
import { gammaSql, planField, probabilityOf, thresholdWeight } from '../../../src/identity/probabilistic/index.js';
import { openWarehouse, type Warehouse } from '../../../src/warehouse/index.js';

const base = {
  sources: { crm: { fields: { name: 'first_name' } } },
  blocking: [['name']],
  comparisons: { name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }] } },
};

describe('identity.probabilistic config', () => {
  it('fills defaults', () => {
    const c = probabilisticSchema.parse(base);
    expect(c).toMatchObject({ linkType: 'link_and_dedupe', threshold: { probability: 0.99 }, prior: 'em', uSampleSize: 200_000, emIterations: 25 });
    expect(c.comparisons.name!.termFrequency).toBe(false);
  });

  it('rejects an unknown level kind and an out-of-range threshold, with the field path', () => {
    const bad = probabilisticSchema.safeParse({ ...base, comparisons: { name: { levels: [{ soundex: true }] } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['comparisons', 'name', 'levels', 0]);
    const t = probabilisticSchema.safeParse({ ...base, threshold: { probability: 1 } });
    expect(t.success).toBe(false);
  });

  it('is optional in the identity section', () => {
    const identity = { sources: [{ name: 'crm', relation: 'raw.crm', key: 'k', timestamp: 'ts', ids: { email: 'email' } }], idTypes: { email: { priority: 1 } } };
    expect(identitySchema.parse(identity).probabilistic).toBeUndefined();
    expect(identitySchema.parse({ ...identity, probabilistic: base }).probabilistic?.blocking).toEqual([['name']]);
  });
});

describe('thresholds', () => {
  it('converts a probability to a match weight and back', () => {
    const c = probabilisticSchema.parse({ ...base, threshold: { probability: 0.9 } });
    expect(thresholdWeight(c)).toBeCloseTo(Math.log2(9), 10);
    expect(probabilityOf(thresholdWeight(c))).toBeCloseTo(0.9, 10);
    expect(thresholdWeight(probabilisticSchema.parse({ ...base, threshold: { weight: 7 } }))).toBe(7);
  });
});

describe('comparison levels in SQL (DuckDB)', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  });
  afterAll(async () => wh.close());

  it('assigns each pair the first level that holds: exact 4, JW 3, Levenshtein 2, within days 1, else 0, null -1', async () => {
    const field = planField('v', { levels: [{ exact: true }, { jaroWinkler: 0.95 }, { levenshtein: 2 }, { withinDays: 10 }], termFrequency: false });
    expect(field.levels.map((l) => `${l.gamma}:${l.label}`)).toEqual(['-1:null', '4:exact', '3:jaro_winkler >= 0.95', '2:levenshtein <= 2', '1:within 10 day(s)', '0:else']);
    const pairs = [
      ['2020-01-01', '2020-01-01'],
      ['jonathan', 'jonathon'],
      ['abcdef', 'xbcdex'],
      ['2019-12-28', '2020-01-05'],
      ['2020-01-01', '2021-06-30'],
      ['anna', 'bob'],
      [null, 'x'],
    ];
    const rows = pairs.map(([a, b], i) => `SELECT ${i} AS i, ${a === null ? 'NULL' : `'${a}'`} AS l_v, '${b}' AS r_v`).join(' UNION ALL ');
    const sql = `SELECT i, ${gammaSql(wh.dialect, field, 'l', 'r')} FROM (SELECT i, l_v AS v FROM (${rows})) l JOIN (SELECT i AS j, r_v AS v FROM (${rows})) r ON r.j = l.i ORDER BY i`;
    // withinDays reads dates with a try-cast: text that is no date simply does not reach that level.
    const result = await wh.query<{ i: number; g_v: number }>(sql);
    expect(result.map((r) => Number(r.g_v))).toEqual([4, 3, 2, 1, 0, 0, -1]);
  });
});
