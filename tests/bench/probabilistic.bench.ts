/**
 * Probabilistic matching: accuracy (pairwise precision/recall/F1 after clustering) and runtime
 * on DuckDB for FEBRL3, FEBRL4 and splink fake_1000, read from ../shared/datasets.
 * CDP_PROB_U_SAMPLE sets the random pairs sampled for u (default: the config default, 200,000).
 */
import os from 'node:os';
import { probabilisticSchema, type ProbabilisticConfig } from '../../src/config/index.js';
import { SqlRunner } from '../../src/identity/index.js';
import { clusterAccuracy, runFellegiSunter, thresholdWeight } from '../../src/identity/probabilistic/index.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/index.js';
import { fake1000Config, febrlConfig, loadFake1000, loadFebrl } from '../integration/identity/probabilistic-datasets.js';

async function one(wh: Warehouse, label: string, schema: string, config: ProbabilisticConfig): Promise<void> {
  const sql = new SqlRunner(wh);
  const scratch = (name: string) => ({ schema, name: `t_${name}` });
  const uSampleSize = Number(process.env.CDP_PROB_U_SAMPLE ?? config.uSampleSize);
  const result = await runFellegiSunter(sql, { records: { schema, name: 'records' }, config: { ...config, uSampleSize }, scratch });
  const a = await clusterAccuracy(sql, { scored: result.scored, truth: { schema, name: 'truth' }, minWeight: thresholdWeight(config), scratch });
  const p = result.params;
  console.log(
    `${label.padEnd(10)} records ${String(p.records).padStart(6)}  blocked pairs ${String(p.blockedPairs).padStart(7)}  EM iterations ${String(p.iterations).padStart(2)}  ` +
      `train+score ${result.seconds.toFixed(1)}s  precision ${a.precision.toFixed(4)}  recall ${a.recall.toFixed(4)}  F1 ${a.f1.toFixed(4)}`,
  );
  // Peak resident memory of this process (DuckDB runs in it), since the bench started.
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`           ${Math.round(p.blockedPairs / result.seconds)} pairs scored/s (train + score, ${p.randomPairs} random pairs for u), peak RSS ${rssMb.toFixed(0)} MB, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const sessions = p.sessions.map((s) => `[${s.rule.join('+') || 'all blocked'}] ${s.pairs} pairs ${s.iterations} it${s.converged ? '' : ' NOT converged'}`).join('; ');
  const suggested = p.curves.find((c) => c.source === 'model')?.suggested;
  const atSuggested = suggested ? await clusterAccuracy(sql, { scored: result.scored, truth: { schema, name: 'truth' }, minWeight: suggested.weight, scratch }) : null;
  const bounded = await clusterAccuracy(sql, { scored: result.scored, truth: { schema, name: 'truth' }, minWeight: thresholdWeight(config), scratch, minLinkShare: 0.3 });
  console.log(`           minLinkShare 0.3: precision ${bounded.precision.toFixed(4)}  recall ${bounded.recall.toFixed(4)}  F1 ${bounded.f1.toFixed(4)}`);
  console.log(`           at the suggested threshold: precision ${atSuggested?.precision.toFixed(4)}  recall ${atSuggested?.recall.toFixed(4)}  F1 ${atSuggested?.f1.toFixed(4)}`);
  console.log(`           prior (${p.priorSource}) ${p.prior.toExponential(3)}; EM per training rule: ${sessions}; model suggests weight ${suggested?.weight ?? '-'} (p ${suggested?.probability.toFixed(3) ?? '-'})`);
}

/**
 * Profile-like records at scale (CDP_PROB_SCALE_ROWS, default 20,000): people drawn from name,
 * birth date and city lists in SQL; every fifth person has a second record with a swapped pair of
 * letters in the surname and another email.
 */
async function loadSynthetic(wh: Warehouse, schema: string, rows: number): Promise<void> {
  await wh.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const people = Math.ceil((rows * 5) / 6);
  const pick = (list: string[], salt: number) => `[${list.map((x) => `'${x}'`).join(', ')}][1 + CAST(hash(p * ${salt}) % ${list.length} AS BIGINT)]`;
  const first = ['james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'david', 'elizabeth', 'william', 'barbara', 'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen', 'olivia', 'liam', 'emma', 'noah'];
  const last = ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'thompson', 'white', 'harris', 'clark', 'lewis', 'walker', 'young', 'allen', 'king', 'wright'];
  const city = ['springfield', 'riverside', 'franklin', 'greenville', 'bristol', 'clinton', 'fairview', 'salem', 'madison', 'georgetown'];
  await wh.execute(
    `CREATE OR REPLACE TABLE ${schema}.people AS SELECT p, ${pick(first, 3)} AS first_name, ${pick(last, 5)} AS surname,
       CAST(DATE '1940-01-01' + CAST(hash(p * 7) % 25000 AS INTEGER) AS VARCHAR) AS dob, ${pick(city, 11)} AS city FROM range(${people}) t(p)`,
  );
  await wh.execute(
    `CREATE OR REPLACE TABLE ${schema}.raw AS
     SELECT p, 0 AS copy, first_name, surname, dob, city, first_name || '.' || surname || p || '@mail.com' AS email FROM ${schema}.people
     UNION ALL
     SELECT p, 1, first_name, SUBSTR(surname, 1, 1) || SUBSTR(surname, 3, 1) || SUBSTR(surname, 2, 1) || SUBSTR(surname, 4), dob, city, 'x' || p || '@work.org'
     FROM ${schema}.people WHERE p % 5 = 0`,
  );
  await wh.execute(`CREATE OR REPLACE TABLE ${schema}.records AS SELECT ROW_NUMBER() OVER (ORDER BY p, copy) AS rid, 'crm' AS source, first_name, surname, dob, city, email FROM ${schema}.raw`);
  await wh.execute(`CREATE OR REPLACE TABLE ${schema}.truth AS SELECT ROW_NUMBER() OVER (ORDER BY p, copy) AS rid, p AS entity FROM ${schema}.raw`);
}

function syntheticConfig(): ProbabilisticConfig {
  return probabilisticSchema.parse({
    sources: { crm: { fields: {} } },
    blocking: [['first_name', 'dob'], ['surname', 'dob']],
    comparisons: {
      first_name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
      surname: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
      dob: { levels: [{ exact: true }, { withinDays: 31 }] },
      city: { levels: [{ exact: true }] },
      email: { levels: [{ exact: true }, { levenshtein: 2 }] },
    },
  });
}

export async function run(): Promise<void> {
  const wh = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  try {
    await loadFebrl(wh, 'febrl3', [['dataset3.csv', 'a']]);
    await one(wh, 'FEBRL3', 'febrl3', febrlConfig('link_and_dedupe'));
    await loadFebrl(wh, 'febrl4', [['dataset4a.csv', 'a'], ['dataset4b.csv', 'b']]);
    await one(wh, 'FEBRL4', 'febrl4', febrlConfig('link_only'));
    await loadFake1000(wh, 'fake1000');
    await one(wh, 'fake_1000', 'fake1000', fake1000Config());
    const rows = Number(process.env.CDP_PROB_SCALE_ROWS ?? 20_000);
    await loadSynthetic(wh, 'scale', rows);
    await one(wh, `synth ${rows / 1000}k`, 'scale', syntheticConfig());
  } finally {
    await wh.close();
  }
}
