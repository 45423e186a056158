/**
 * Probabilistic matching: accuracy (pairwise precision/recall/F1 after clustering) and runtime
 * on DuckDB for FEBRL3, FEBRL4 and splink fake_1000, read from ../shared/datasets; then synthetic
 * profiles at the sizes in CDP_PROB_SCALE_ROWS (comma-separated, default 50000) on DuckDB and on
 * Postgres (a schema of its own, dropped after), with pairs scored per second, CPU seconds, peak
 * memory and the load average, and the Postgres / DuckDB ratio.
 * CDP_PROB_U_SAMPLE sets the random pairs sampled for u (default: the config default, 200,000);
 * CDP_PROB_DATASETS=0 skips the public sets, CDP_PROB_POSTGRES=0 skips Postgres.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { probabilisticSchema, type ProbabilisticConfig } from '../../src/config/index.js';
import { SqlRunner } from '../../src/identity/index.js';
import { clusterAccuracy, runFellegiSunter, thresholdWeight } from '../../src/identity/probabilistic/index.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/index.js';
import { POSTGRES_URL } from '../integration/identity/helpers.js';
import { fake1000Config, febrlConfig, loadFake1000, loadFebrl } from '../integration/identity/probabilistic-datasets.js';

/** CPU seconds and peak memory of whatever runs the SQL: this process (DuckDB runs in it) or the Postgres backend. */
interface Meter {
  engine: string;
  read(): Promise<{ cpuSeconds: number; peakMb: number | null }>;
}

function processMeter(): Meter {
  return {
    engine: 'DuckDB',
    read: async () => {
      const u = process.resourceUsage();
      // ru_maxrss: the process's peak since it started (the bench runs sets in growing order).
      return { cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6, peakMb: u.maxRSS / 1024 };
    },
  };
}

/**
 * The Postgres backend serving the bench's one pooled connection, read from /proc (the server runs
 * on this machine): utime + stime, and VmHWM (its peak resident memory). Node's own CPU is added.
 */
async function postgresMeter(wh: Warehouse): Promise<Meter> {
  const pidOf = async () => Number((await wh.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]!.pid);
  const pid = await pidOf();
  const ticks = 100; // USER_HZ on Linux
  return {
    engine: 'Postgres',
    read: async () => {
      const node = process.resourceUsage();
      const nodeCpu = (node.userCPUTime + node.systemCPUTime) / 1e6;
      if ((await pidOf()) !== pid || !existsSync(`/proc/${pid}/stat`)) return { cpuSeconds: nodeCpu, peakMb: null };
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const backendCpu = (Number(stat[11]) + Number(stat[12])) / ticks;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return { cpuSeconds: backendCpu + nodeCpu, peakMb: hwm ? Number(hwm[1]) / 1024 : null };
    },
  };
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function one(wh: Warehouse, label: string, schema: string, config: ProbabilisticConfig, meter: Meter = processMeter()): Promise<{ pairsPerSecond: number }> {
  const sql = new SqlRunner(wh);
  const scratch = (name: string) => ({ schema, name: `t_${name}` });
  const uSampleSize = Number(process.env.CDP_PROB_U_SAMPLE ?? config.uSampleSize);
  const before = await meter.read();
  const result = await runFellegiSunter(sql, { records: { schema, name: 'records' }, config: { ...config, uSampleSize }, scratch });
  const after = await meter.read();
  const a = await clusterAccuracy(sql, { scored: result.scored, truth: { schema, name: 'truth' }, minWeight: thresholdWeight(config), scratch });
  const p = result.params;
  console.log(
    `${label.padEnd(10)} ${meter.engine.padEnd(8)} records ${String(p.records).padStart(6)}  blocked pairs ${String(p.blockedPairs).padStart(7)}  EM iterations ${String(p.iterations).padStart(2)}  ` +
      `train+score ${result.seconds.toFixed(1)}s  precision ${a.precision.toFixed(4)}  recall ${a.recall.toFixed(4)}  F1 ${a.f1.toFixed(4)}`,
  );
  const pairsPerSecond = p.blockedPairs / result.seconds;
  const peak = after.peakMb === null ? 'n/a' : `${after.peakMb.toFixed(0)} MB`;
  console.log(
    `           ${Math.round(pairsPerSecond)} pairs scored/s (train + score; ${Math.round((p.blockedPairs + p.randomPairs) / result.seconds)}/s with the ${p.randomPairs} random pairs for u), CPU ${(after.cpuSeconds - before.cpuSeconds).toFixed(1)} s, ` +
      `peak RSS ${peak} (${meter.engine === 'DuckDB' ? 'this process' : 'Postgres backend'}), load ${load()}`,
  );
  const sessions = p.sessions.map((s) => `[${s.rule.join('+') || 'all blocked'}] ${s.pairs} pairs ${s.iterations} it${s.converged ? '' : ' NOT converged'}`).join('; ');
  const suggested = p.curves.find((c) => c.source === 'model')?.suggested;
  const atSuggested = suggested ? await clusterAccuracy(sql, { scored: result.scored, truth: { schema, name: 'truth' }, minWeight: suggested.weight, scratch }) : null;
  const bounded = await clusterAccuracy(sql, { scored: result.scored, truth: { schema, name: 'truth' }, minWeight: thresholdWeight(config), scratch, minLinkShare: 0.3 });
  console.log(`           minLinkShare 0.3: precision ${bounded.precision.toFixed(4)}  recall ${bounded.recall.toFixed(4)}  F1 ${bounded.f1.toFixed(4)}`);
  console.log(`           at the suggested threshold: precision ${atSuggested?.precision.toFixed(4)}  recall ${atSuggested?.recall.toFixed(4)}  F1 ${atSuggested?.f1.toFixed(4)}`);
  console.log(`           prior (${p.priorSource}) ${p.prior.toExponential(3)}; EM per training rule: ${sessions}; model suggests weight ${suggested?.weight ?? '-'} (p ${suggested?.probability.toFixed(3) ?? '-'})`);
  return { pairsPerSecond };
}

/**
 * Profile-like records at scale (CDP_PROB_SCALE_ROWS): people drawn from name, birth date and city
 * lists in SQL; every fifth person has a second record with a swapped pair of letters in the
 * surname and another email. Plain SQL that DuckDB and Postgres read alike (the Dialect's hash64
 * picks list entries), so both engines get the same records and must give the same accuracy.
 */
async function loadSynthetic(wh: Warehouse, schema: string, rows: number): Promise<void> {
  const d = wh.dialect;
  await wh.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const people = Math.ceil((rows * 5) / 6);
  const list = (name: string, values: string[]) =>
    `(VALUES ${values.map((v, i) => `(${i}, '${v}')`).join(', ')}) AS ${name}(i, v)`;
  // The Dialect's hash64 (the same number on every engine), salted per field: fields independent.
  const pick = (salt: number, n: number) => `MOD(${d.hash64(d.concat(d.cast('t.p', 'string'), d.literal(`:${salt}`)))}, ${n})`;
  const first = ['james', 'mary', 'robert', 'patricia', 'john', 'jennifer', 'michael', 'linda', 'david', 'elizabeth', 'william', 'barbara', 'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen', 'olivia', 'liam', 'emma', 'noah'];
  const last = ['smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez', 'lopez', 'gonzalez', 'wilson', 'anderson', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'thompson', 'white', 'harris', 'clark', 'lewis', 'walker', 'young', 'allen', 'king', 'wright'];
  const city = ['springfield', 'riverside', 'franklin', 'greenville', 'bristol', 'clinton', 'fairview', 'salem', 'madison', 'georgetown'];
  const series = d.name === 'postgres' ? `GENERATE_SERIES(0, ${people - 1}) t(p)` : `range(${people}) t(p)`;
  const replace = async (name: string, select: string) => {
    for (const statement of d.createOrReplaceTableAs({ schema, name }, select)) await wh.execute(statement);
  };
  await replace(
    'people',
    `SELECT t.p, f.v AS first_name, l.v AS surname, CAST(DATE '1940-01-01' + CAST(${pick(7, 25000)} AS INTEGER) AS VARCHAR) AS dob, c.v AS city
     FROM ${series} JOIN ${list('f', first)} ON f.i = ${pick(3, first.length)} JOIN ${list('l', last)} ON l.i = ${pick(5, last.length)}
     JOIN ${list('c', city)} ON c.i = ${pick(11, city.length)}`,
  );
  await replace(
    'raw',
    `SELECT p, 0 AS copy, first_name, surname, dob, city, first_name || '.' || surname || CAST(p AS VARCHAR) || '@mail.com' AS email FROM ${schema}.people
     UNION ALL
     SELECT p, 1, first_name, SUBSTR(surname, 1, 1) || SUBSTR(surname, 3, 1) || SUBSTR(surname, 2, 1) || SUBSTR(surname, 4), dob, city, 'x' || CAST(p AS VARCHAR) || '@work.org'
     FROM ${schema}.people WHERE MOD(p, 5) = 0`,
  );
  await replace('records', `SELECT ROW_NUMBER() OVER (ORDER BY p, copy) AS rid, 'crm' AS source, first_name, surname, dob, city, email FROM ${schema}.raw`);
  await replace('truth', `SELECT ROW_NUMBER() OVER (ORDER BY p, copy) AS rid, p AS entity FROM ${schema}.raw`);
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

/** Record counts of the synthetic scale runs: CDP_PROB_SCALE_ROWS, comma-separated (default 50,000). */
function scaleRows(): number[] {
  return (process.env.CDP_PROB_SCALE_ROWS ?? '50000').split(',').map((x) => Number(x.trim()));
}

export async function run(): Promise<void> {
  const duck = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  // One pooled connection, so that one backend does all the work and /proc shows its CPU and memory.
  const pg = process.env.CDP_PROB_POSTGRES === '0' ? null : await openWarehouse({ type: 'postgres', connection: POSTGRES_URL, poolSize: 1 }, '/tmp');
  const pgSchema = `bench_prob_${randomBytes(4).toString('hex')}`;
  try {
    if (process.env.CDP_PROB_DATASETS !== '0') {
      await loadFebrl(duck, 'febrl3', [['dataset3.csv', 'a']]);
      await one(duck, 'FEBRL3', 'febrl3', febrlConfig('link_and_dedupe'));
      await loadFebrl(duck, 'febrl4', [['dataset4a.csv', 'a'], ['dataset4b.csv', 'b']]);
      await one(duck, 'FEBRL4', 'febrl4', febrlConfig('link_only'));
      await loadFake1000(duck, 'fake1000');
      await one(duck, 'fake_1000', 'fake1000', fake1000Config());
    }
    for (const rows of scaleRows()) {
      const label = `synth ${rows / 1000}k`;
      await loadSynthetic(duck, 'scale', rows);
      const onDuck = await one(duck, label, 'scale', syntheticConfig());
      if (!pg) continue;
      await loadSynthetic(pg, pgSchema, rows);
      // Right before the run: the pool replaces a connection left idle (during the DuckDB run).
      const onPg = await one(pg, label, pgSchema, syntheticConfig(), await postgresMeter(pg));
      console.log(`           Postgres / DuckDB pairs scored per second: ${(onPg.pairsPerSecond / onDuck.pairsPerSecond).toFixed(2)}`);
    }
  } finally {
    if (pg) {
      await pg.execute(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
      await pg.close();
    }
    await duck.close();
  }
}
