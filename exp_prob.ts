import { probabilisticSchema, type ProbabilisticConfig } from './src/config/index.js';
import { SqlRunner } from './src/identity/index.js';
import { clusterAccuracy, runFellegiSunter, thresholdWeight } from './src/identity/probabilistic/index.js';
import { openWarehouse } from './src/warehouse/index.js';
import { fake1000Config, febrlConfig, loadFake1000, loadFebrl } from './tests/integration/identity/probabilistic-datasets.js';

const which = process.argv[2] ?? 'fake';
const wh = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
const sql = new SqlRunner(wh);
async function run(label: string, schema: string, config: ProbabilisticConfig, shares = [0]) {
  const scratch = (name: string) => ({ schema, name: `t_${name}` });
  const r = await runFellegiSunter(sql, { records: { schema, name: 'records' }, config, scratch });
  const sug = r.params.curves.find((c) => c.source === 'model')!.suggested!;
  for (const s of shares) {
    const a = await clusterAccuracy(sql, { scored: r.scored, truth: { schema, name: 'truth' }, minWeight: thresholdWeight(config), scratch, minLinkShare: s });
    const b = await clusterAccuracy(sql, { scored: r.scored, truth: { schema, name: 'truth' }, minWeight: sug.weight, scratch, minLinkShare: s });
    console.log(`${label} share ${s}: P ${a.precision.toFixed(4)} R ${a.recall.toFixed(4)} F1 ${a.f1.toFixed(4)} | suggested w ${sug.weight}: P ${b.precision.toFixed(4)} R ${b.recall.toFixed(4)} F1 ${b.f1.toFixed(4)}`);
  }
}
const variant = (base: ProbabilisticConfig, fields: string[], patch: object): ProbabilisticConfig => {
  const c = structuredClone(base);
  for (const f of fields) c.comparisons[f] = { ...c.comparisons[f]!, ...patch };
  return c;
};
if (which === 'fake') {
  await loadFake1000(wh, 'f');
  const base = fake1000Config();
  await run('base', 'f', base, [0, 0.1, 0.2, 0.3]);
  for (const w of [0.5, 1]) await run(`fuzzyTF ${w}`, 'f', variant(base, ['first_name', 'surname'], { fuzzyTermFrequency: w }), [0, 0.1, 0.2]);
  await run('email words', 'f', variant(base, ['email'], { levels: [{ exact: true }, { levenshtein: 2 }, { wordOverlap: 0.5 }] }), [0]);
} else {
  const f3 = which === 'febrl3';
  await loadFebrl(wh, 'e', f3 ? [['dataset3.csv', 'a']] : [['dataset4a.csv', 'a'], ['dataset4b.csv', 'b']]);
  const base = febrlConfig(f3 ? 'link_and_dedupe' : 'link_only');
  await run('base', 'e', base, [0, 0.1, 0.2]);
  await run('fuzzyTF 0.5', 'e', variant(base, ['given_name', 'surname', 'suburb'], { fuzzyTermFrequency: 0.5 }), [0]);
  await run('fuzzyTF 1', 'e', variant(base, ['given_name', 'surname', 'suburb'], { fuzzyTermFrequency: 1 }), [0]);
  await run('addr words', 'e', variant(base, ['address_1'], { levels: [{ exact: true }, { wordOverlap: 0.6 }, { jaroWinkler: 0.9 }, { jaroWinkler: 0.8 }] }), [0]);
}
await wh.close();
