/**
 * Training as Splink does it, on simulated data whose m and u are known: every entity has two
 * records; each field of each record is, independently, kept, given a one-letter typo, or
 * replaced by a random value, at rates that differ by field. The true m of a level is its share
 * among the true matching pairs (measured with the same comparison SQL), the true u its share
 * among non-matching pairs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probabilisticSchema, type ProbabilisticConfig } from '../../../src/config/index.js';
import { SqlRunner } from '../../../src/identity/index.js';
import { gammaSql, planFields, runFellegiSunter, type ModelParams } from '../../../src/identity/probabilistic/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { openDuckDb } from './helpers.js';

const ENTITIES = 3000;
const VOCABULARY = 400;
/** Per field: percent of records with a typo, percent with a replaced value. */
const NOISE: Record<string, [typo: number, replaced: number]> = { f1: [5, 5], f2: [10, 10], f3: [3, 15], f4: [15, 5] };

let wh: Warehouse;
beforeAll(async () => {
  wh = await openDuckDb();
  await simulate(wh, 'sim');
});
afterAll(async () => wh?.close());

async function simulate(w: Warehouse, schema: string): Promise<void> {
  await w.execute(`CREATE SCHEMA ${schema}`);
  const value = (seed: string) => `'w' || CAST(hash(${seed}) % ${VOCABULARY} AS VARCHAR) || 'xq'`;
  const field = (name: string, k: number) => {
    const [typo, replaced] = NOISE[name]!;
    const roll = `hash(e * 13 + copy * 7 + ${k * 101}) % 100`;
    const truth = value(`e * 7919 + ${k}`);
    return `CASE WHEN ${roll} < ${typo} THEN REPLACE(${truth}, 'xq', 'xz')
                 WHEN ${roll} < ${typo + replaced} THEN ${value(`e * 104729 + copy * 31 + ${k}`)}
                 ELSE ${truth} END AS ${name}`;
  };
  await w.execute(
    `CREATE TABLE ${schema}.records AS
     SELECT ROW_NUMBER() OVER (ORDER BY e, copy) AS rid, 'sim' AS source, CAST(e AS VARCHAR) AS record_key, CAST(e AS VARCHAR) AS entity,
            ${Object.keys(NOISE).map((f, k) => field(f, k + 1)).join(', ')}
     FROM range(${ENTITIES}) a(e) CROSS JOIN range(2) b(copy)`,
  );
}

function config(extra: Record<string, unknown> = {}): ProbabilisticConfig {
  const levels = { levels: [{ exact: true }, { levenshtein: 1 }] };
  return probabilisticSchema.parse({
    sources: { sim: { fields: {} } },
    blocking: [['f1'], ['f2'], ['f3'], ['f4']],
    comparisons: { f1: levels, f2: levels, f3: levels, f4: levels },
    ...extra,
  });
}

/** The true m (over matching pairs) and u (over a large sample of non-matching pairs) of every level. */
async function truth(schema: string, c: ProbabilisticConfig): Promise<Map<string, { m: number; u: number }>> {
  const d = wh.dialect;
  const fields = planFields(c);
  const result = new Map<string, { m: number; u: number }>();
  const share = async (where: string) => {
    const vector = `SELECT ${fields.map((f) => gammaSql(d, f, 'l', 'r')).join(', ')} FROM ${schema}.records l JOIN ${schema}.records r ON l.rid < r.rid AND ${where}`;
    return wh.query<{ field: string; gamma: number; share: number }>(
      fields.map((f) => `SELECT '${f.name}' AS field, g_${f.name} AS gamma, COUNT(*) / SUM(COUNT(*)) OVER () AS share FROM (${vector}) v GROUP BY g_${f.name}`).join(' UNION ALL '),
    );
  };
  const m = await share('l.entity = r.entity');
  const u = await share(`l.entity <> r.entity AND hash(l.rid * 1000003 + r.rid) % 50 = 0`);
  for (const f of fields) {
    for (const level of f.levels.filter((l) => l.gamma >= 0)) {
      const pick = (rows: typeof m) => Number(rows.find((r) => r.field === f.name && Number(r.gamma) === level.gamma)?.share ?? 0);
      result.set(`${f.name}:${level.label}`, { m: pick(m), u: pick(u) });
    }
  }
  return result;
}

function estimated(params: ModelParams): Map<string, { m: number; u: number }> {
  return new Map(params.levels.filter((l) => l.gamma >= 0).map((l) => [`${l.field}:${l.label}`, { m: l.m, u: l.u }]));
}

async function train(c: ProbabilisticConfig) {
  const sql = new SqlRunner(wh);
  return runFellegiSunter(sql, { records: { schema: 'sim', name: 'records' }, config: c, scratch: (name) => ({ schema: 'sim', name: `t_${name}` }) });
}

describe('training (DuckDB, simulated data with known m and u)', () => {
  it('EM per training blocking rule recovers every m and u within ±0.03, and reports convergence per rule', async () => {
    const c = config();
    const known = await truth('sim', c);
    const { params } = await train(c);
    expect(params.sessions.map((s) => s.rule)).toEqual([['f1'], ['f2'], ['f3'], ['f4']]);
    for (const s of params.sessions) {
      expect(s.converged).toBe(true);
      expect(s.estimated).toEqual(['f1', 'f2', 'f3', 'f4'].filter((f) => !s.rule.includes(f)));
    }
    expect(params.fallbackFields).toEqual([]);
    for (const [level, got] of estimated(params)) {
      const want = known.get(level)!;
      expect(Math.abs(got.m - want.m), `m of ${level}: ${got.m} vs ${want.m}`).toBeLessThanOrEqual(0.03);
      expect(Math.abs(got.u - want.u), `u of ${level}: ${got.u} vs ${want.u}`).toBeLessThanOrEqual(0.03);
    }
    // The prior: EM's matches among the blocked pairs over all pairs, against the true 3000 / C(6000, 2).
    const truePrior = ENTITIES / ((2 * ENTITIES * (2 * ENTITIES - 1)) / 2);
    expect(params.priorSource).toBe('em');
    expect(Math.abs(params.prior / truePrior - 1)).toBeLessThan(0.1);
  }, 120_000);

  it('takes the prior from deterministic rules, divided by their recall', async () => {
    const { params } = await train(config({ train: { deterministic: [['f1', 'f2', 'f3', 'f4']], recall: 0.5 } }));
    const [row] = await wh.query<{ n: bigint }>(
      `SELECT COUNT(*) AS n FROM sim.records l JOIN sim.records r ON l.rid < r.rid AND l.f1 = r.f1 AND l.f2 = r.f2 AND l.f3 = r.f3 AND l.f4 = r.f4`,
    );
    const all = (2 * ENTITIES * (2 * ENTITIES - 1)) / 2;
    expect(params.priorSource).toBe('rules');
    expect(params.prior).toBeCloseTo(Number(row!.n) / all / 0.5, 12);
  }, 120_000);

  it('a comparison every training rule blocks on falls back to EM over all blocked pairs, and says so', async () => {
    const { params } = await train(config({ train: { blocking: [['f1'], ['f1', 'f2']] } }));
    expect(params.fallbackFields).toEqual(['f1']);
    expect(params.sessions.at(-1)).toMatchObject({ rule: [], estimated: ['f1'] });
  }, 120_000);

  it('labels (a cluster-id field) give m directly and a threshold suggested by F1 on the labelled pairs', async () => {
    const c = config({ train: { labels: { field: 'entity' } } });
    const known = await truth('sim', c);
    const { params } = await train(c);
    expect(params.mSource).toBe('labels');
    expect(params.knownMatches).toBe(ENTITIES);
    for (const [level, got] of estimated(params)) expect(Math.abs(got.m - known.get(level)!.m)).toBeLessThanOrEqual(0.005);
    const labels = params.curves.find((x) => x.source === 'labels')!;
    const model = params.curves.find((x) => x.source === 'model')!;
    expect(labels.suggested!.f1).toBeGreaterThan(0.9);
    // The curve is monotone: a lower threshold never lowers recall.
    for (let i = 1; i < labels.points.length; i++) expect(labels.points[i]!.recall).toBeLessThanOrEqual(labels.points[i - 1]!.recall);
    // The model's own estimate agrees with what the labels measure at the suggested threshold.
    const atModel = model.points.find((p) => p.weight === labels.suggested!.weight)!;
    expect(Math.abs(atModel.precision - labels.suggested!.precision)).toBeLessThan(0.05);
  }, 120_000);

  it('refuses labels that name no matching pair, with what to do', async () => {
    await wh.execute(`CREATE OR REPLACE TABLE sim.no_labels AS SELECT 'sim' AS source_l, 'x' AS record_key_l, 'sim' AS source_r, 'y' AS record_key_r`);
    await expect(train(config({ train: { labels: { pairs: 'sim.no_labels' } } }))).rejects.toThrow(/labels name no matching pair/);
  }, 120_000);
});
