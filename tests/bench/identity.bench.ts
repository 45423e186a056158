/**
 * Identity benchmarks (DuckDB):
 * 1. stitching N people's identifiers: connected components in SQL over edges generated in SQL,
 *    against the fair baseline (the same edges integer-coded in SQL, read columnar, union-find on
 *    typed arrays), and a 2,000-node chain added to that graph (its cost should follow the chain);
 * 2. a 2,000-node chain: rounds to converge;
 * 3. the whole identity build (normalisation, guards, limits, profiles) on generated sources;
 * 4. pairwise precision/recall on the demo data, when the demo generator is available.
 * Sizes: CDP_BENCH_PEOPLE (default 1,000,000); CDP_BENCH_LARGE=1 adds 5,000,000.
 */
import { loadavg } from 'node:os';
import { DuckDBInstance } from '@duckdb/node-api';
import type { CdpConfigInput } from '../../src/config/index.js';
import { connectedComponents, buildIdentity, SqlRunner } from '../../src/identity/index.js';
import { logger } from '../../src/logger.js';
import { openWarehouse, type Warehouse } from '../../src/warehouse/index.js';
import { TestProject } from '../integration/identity/helpers.js';

const scratch = (name: string) => ({ schema: 'bench', name });

/** Peak resident memory while `work` runs (DuckDB runs in-process, so this includes it). */
async function withPeakMemory<T>(work: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, peakMb: Math.round(peak / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

const seconds = (start: number) => (performance.now() - start) / 1000;
/** CPU seconds of the whole process (Node and DuckDB's threads) since `start` (a process.cpuUsage()). */
const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
const f = (n: number, digits = 2) => n.toFixed(digits);

/**
 * Per person i: a user id (70%), one or two emails, a phone (60%), a device (50%), three cookies.
 * Records link their identifiers to their most trusted one (the user id, else the first email),
 * and the second email is linked only through a cookie: components are stars with short arms.
 * Surrogates are 60-bit hashes, like the real ones.
 */
function edgesSql(people: number): string {
  const id = (kind: string, j = 0) => `(hash(i * 16 + ${j}, '${kind}') >> 4)::BIGINT`;
  return `
    CREATE SCHEMA IF NOT EXISTS bench;
    CREATE OR REPLACE TABLE bench.edges AS
    WITH p AS (
      SELECT i, CASE WHEN i % 10 < 7 THEN ${id('u')} ELSE ${id('e', 1)} END AS center,
             i % 10 < 7 AS has_user, i % 10 < 3 AS two_emails, i % 5 < 3 AS has_phone, i % 2 = 0 AS has_device
      FROM range(${people}) r(i)
    )
    SELECT center AS a, ${id('e', 1)} AS b FROM p WHERE has_user
    UNION ALL SELECT center, ${id('p')} FROM p WHERE has_phone
    UNION ALL SELECT center, ${id('d')} FROM p WHERE has_device
    UNION ALL SELECT center, ${id('a', 1)} FROM p
    UNION ALL SELECT center, ${id('a', 2)} FROM p
    UNION ALL SELECT ${id('e', 2)}, ${id('a', 2)} FROM p WHERE two_emails
    UNION ALL SELECT ${id('a', 3)}, ${id('a', 1)} FROM p`;
}

async function generateEdges(warehouse: Warehouse, people: number): Promise<number> {
  await warehouse.execute(`CREATE SCHEMA IF NOT EXISTS bench`);
  await warehouse.execute(edgesSql(people).replace('CREATE SCHEMA IF NOT EXISTS bench;', ''));
  const [row] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM bench.edges`);
  return Number(row!.n);
}

/** Union-find with path halving and union by size over dense int32 ids. */
function unionFind(a: Int32Array, b: Int32Array, nodes: number): Int32Array {
  const parent = new Int32Array(nodes);
  const size = new Int32Array(nodes).fill(1);
  for (let i = 0; i < nodes; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (let i = 0; i < a.length; i++) {
    let x = find(a[i]!);
    let y = find(b[i]!);
    if (x === y) continue;
    if (size[x]! < size[y]!) [x, y] = [y, x];
    parent[y] = x;
    size[x]! += size[y]!;
  }
  for (let i = 0; i < nodes; i++) parent[i] = find(i);
  return parent;
}

/**
 * The typed array behind a DuckDB INTEGER result vector (the node API keeps it in a private
 * `items` field): the coded edges are NOT NULL, so the column's values are that block as it is.
 * Undefined if the API ever stops exposing it, and the read falls back to one getItem per value.
 */
function int32Items(vector: unknown): Int32Array | undefined {
  const items = (vector as { items?: unknown }).items;
  return items instanceof Int32Array ? items : undefined;
}

/**
 * The fair baseline: what a program that pulled the graph out of the warehouse would do at its
 * best. In a DuckDB of its own (same edges): identifiers integer-coded in SQL (dense INTEGER ids),
 * the coded edges read column by column from DuckDB's result chunks into typed arrays, then a
 * union-find on those arrays. Timed apart: the coding, and the read + union-find.
 */
async function unionFindPipeline(
  people: number,
): Promise<{ codeSeconds: number; codeCpu: number; readUfSeconds: number; readUfCpu: number; components: number; nodes: number }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(edgesSql(people));
    const started = performance.now();
    const startedCpu = process.cpuUsage();
    await connection.run(`CREATE TABLE bench.ids AS SELECT u, (ROW_NUMBER() OVER () - 1)::INTEGER AS k FROM (SELECT a AS u FROM bench.edges UNION SELECT b FROM bench.edges) x`);
    await connection.run(`CREATE TABLE bench.dense AS SELECT ia.k AS a, ib.k AS b FROM bench.edges e JOIN bench.ids ia ON ia.u = e.a JOIN bench.ids ib ON ib.u = e.b`);
    const counts = await connection.runAndReadAll(`SELECT (SELECT COUNT(*) FROM bench.ids) AS nodes, (SELECT COUNT(*) FROM bench.dense) AS edges`);
    const [nodes, edges] = (counts.getRows()[0] as bigint[]).map(Number) as [number, number];
    const codeSeconds = (performance.now() - started) / 1000;
    const codeCpu = cpuSeconds(startedCpu);
    const reading = performance.now();
    const readingCpu = process.cpuUsage();
    const a = new Int32Array(edges);
    const b = new Int32Array(edges);
    const result = await connection.stream(`SELECT a, b FROM bench.dense`);
    let at = 0;
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const ca = chunk.getColumnVector(0);
      const cb = chunk.getColumnVector(1);
      const bulkA = int32Items(ca);
      const bulkB = int32Items(cb);
      if (bulkA && bulkB) {
        // The columnar read at its fastest: each chunk's INTEGER column copied as one block.
        a.set(bulkA.subarray(0, chunk.rowCount), at);
        b.set(bulkB.subarray(0, chunk.rowCount), at);
        at += chunk.rowCount;
        continue;
      }
      for (let i = 0; i < chunk.rowCount; i++, at++) {
        a[at] = ca.getItem(i) as number;
        b[at] = cb.getItem(i) as number;
      }
    }
    const roots = unionFind(a, b, nodes);
    const readUfSeconds = (performance.now() - reading) / 1000;
    const readUfCpu = cpuSeconds(readingCpu);
    let components = 0;
    for (let i = 0; i < nodes; i++) if (roots[i] === i) components++;
    return { codeSeconds, codeCpu, readUfSeconds, readUfCpu, components, nodes };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function stitching(people: number): Promise<void> {
  const warehouse = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  let sqlSeconds: number;
  try {
    const edges = await generateEdges(warehouse, people);
    const sql = new SqlRunner(warehouse);
    const cc = await withPeakMemory(async () => {
      const start = performance.now();
      const startCpu = process.cpuUsage();
      const result = await connectedComponents(sql, { edges: scratch('edges'), output: scratch('labels'), scratch, maxRounds: 50 });
      return { ...result, seconds: seconds(start), cpu: cpuSeconds(startCpu) };
    });
    sqlSeconds = cc.value.seconds;
    const [components] = await warehouse.query<{ n: number }>(`SELECT COUNT(DISTINCT root) AS n FROM bench.labels`);
    const uf = await unionFindPipeline(people);
    console.log(
      `stitching ${people.toLocaleString('en-US')} people: ${uf.nodes.toLocaleString('en-US')} identifiers, ${edges.toLocaleString('en-US')} edges, ` +
        `${Number(components!.n).toLocaleString('en-US')} components (union-find: ${uf.components.toLocaleString('en-US')}); load ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log(
      `  SQL connected components in DuckDB: ${f(sqlSeconds)}s (${f(cc.value.cpu)} CPU s), ${cc.value.rounds} round(s) on the core, peak RSS ${cc.peakMb} MB`,
    );
    const baseline = uf.codeSeconds + uf.readUfSeconds;
    console.log(
      `  baseline: integer-coding in SQL ${f(uf.codeSeconds)}s (${f(uf.codeCpu)} CPU s) + columnar read and typed-array union-find ` +
        `${f(uf.readUfSeconds)}s (${f(uf.readUfCpu)} CPU s) = ${f(baseline)}s`,
    );
    console.log(
      `  ratio SQL / baseline: ${f(sqlSeconds / baseline)}x the whole baseline, ${f(sqlSeconds / uf.readUfSeconds, 1)}x its read + union-find alone ` +
        `(target <= 3x); in CPU s: ${f(cc.value.cpu / (uf.codeCpu + uf.readUfCpu))}x and ${f(cc.value.cpu / uf.readUfCpu, 1)}x; load ${loadavg()[0]!.toFixed(2)}`,
    );
    if (uf.components !== Number(components!.n)) throw new Error('SQL and union-find disagree on the number of components');
  } finally {
    await warehouse.close();
  }
}

/**
 * A 2,000-node chain added to the graph of `people` people: the incremental cost should follow
 * the chain, not the graph. Times components on the graph alone, then on graph + chain.
 */
export async function chainOnGraph(people: number): Promise<void> {
  const warehouse = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  try {
    await generateEdges(warehouse, people);
    const sql = new SqlRunner(warehouse);
    let start = performance.now();
    let startCpu = process.cpuUsage();
    const alone = await connectedComponents(sql, { edges: scratch('edges'), output: scratch('labels'), scratch, maxRounds: 50 });
    const aloneSeconds = seconds(start);
    const aloneCpu = cpuSeconds(startCpu);
    await warehouse.execute(`INSERT INTO bench.edges SELECT (hash(i, 'chain') >> 4)::BIGINT, (hash(i + 1, 'chain') >> 4)::BIGINT FROM range(1999) r(i)`);
    start = performance.now();
    startCpu = process.cpuUsage();
    const withChain = await connectedComponents(sql, { edges: scratch('edges'), output: scratch('labels'), scratch, maxRounds: 50 });
    const chainSeconds = seconds(start);
    const chainCpu = cpuSeconds(startCpu);
    console.log(
      `2,000-node chain added to ${people.toLocaleString('en-US')} people's graph: ${alone.rounds} -> ${withChain.rounds} rounds, ` +
        `${f(aloneSeconds)}s -> ${f(chainSeconds)}s (x${f(chainSeconds / aloneSeconds)}), ${f(aloneCpu)} -> ${f(chainCpu)} CPU s; load ${loadavg()[0]!.toFixed(2)}`,
    );
  } finally {
    await warehouse.close();
  }
}

async function chain(): Promise<void> {
  const warehouse = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  try {
    await warehouse.execute(`CREATE SCHEMA bench`);
    await warehouse.execute(`CREATE TABLE bench.edges AS SELECT (hash(i) >> 4)::BIGINT AS a, (hash(i + 1) >> 4)::BIGINT AS b FROM range(1999) r(i)`);
    const start = performance.now();
    const result = await connectedComponents(new SqlRunner(warehouse), { edges: scratch('edges'), output: scratch('labels'), scratch, maxRounds: 50 });
    console.log(`2,000-node chain: ${result.rounds} rounds, ${f(seconds(start))}s (min-label propagation would need ~1,000+)`);
  } finally {
    await warehouse.close();
  }
}

/** The whole build on generated sources: web events, orders and CRM contacts of N people. */
async function fullBuild(people: number): Promise<void> {
  const warehouse = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  try {
    await warehouse.execute(`CREATE SCHEMA raw`);
    await warehouse.execute(`
      CREATE TABLE raw.web AS SELECT 'w' || i AS event_id, 'a' || ((i * 7919) % ${people * 2}) AS anonymous_id,
        CASE WHEN i % 3 = 0 THEN 'u' || ((i * 7919) % ${people * 2} // 2) END AS user_id,
        TIMESTAMP '2024-01-01' + INTERVAL (i % 100000) SECOND AS ts FROM range(${people * 3}) r(i)`);
    await warehouse.execute(`
      CREATE TABLE raw.crm AS SELECT 'c' || i AS contact_id, 'person' || i || '@mail.com' AS email,
        '+1 ' || (200 + i % 800) || ' ' || (200 + (i // 800) % 800) || ' ' || lpad(CAST(i % 10000 AS VARCHAR), 4, '0') AS phone,
        CASE WHEN i % 2 = 0 THEN 'u' || i END AS user_id, TIMESTAMP '2024-01-01' AS ts FROM range(${people}) r(i)`);
    const config: CdpConfigInput = {
      schema: 'cdp',
      identity: {
        sources: [
          { name: 'web', relation: 'raw.web', key: 'event_id', timestamp: 'ts', ids: { anonymous_id: 'anonymous_id', user_id: 'user_id' } },
          { name: 'crm', relation: 'raw.crm', key: 'contact_id', timestamp: 'ts', ids: { email: 'email', phone: 'phone', user_id: 'user_id' } },
        ],
        idTypes: {
          user_id: { priority: 1, maxPerProfile: 1 },
          email: { priority: 2, normalize: 'email' },
          phone: { priority: 3, normalize: 'phone', defaultRegion: 'US' },
          anonymous_id: { priority: 4 },
        },
      },
    };
    const run = await withPeakMemory(() => buildIdentity(new TestProject(config, warehouse), { full: true }));
    const r = run.value;
    console.log(
      `full identity build, ${people.toLocaleString('en-US')} people (${(people * 4).toLocaleString('en-US')} source rows): ${f(r.seconds)}s, ` +
        `${r.profiles.toLocaleString('en-US')} profiles, ${r.rounds} rounds, peak RSS ${run.peakMb} MB`,
    );
  } finally {
    await warehouse.close();
  }
}

export async function run(): Promise<void> {
  logger.level = 'warn'; // one summary line per figure, not the builds' progress logs
  const people = Number(process.env.CDP_BENCH_PEOPLE ?? 1_000_000);
  await chain();
  await stitching(people);
  if (process.env.CDP_BENCH_LARGE === '1') await stitching(5_000_000);
  await chainOnGraph(people);
  await fullBuild(Math.min(people, 200_000));
  const { demoAccuracy } = await import('../integration/identity/demo-accuracy.js').catch(() => ({ demoAccuracy: null }));
  if (demoAccuracy) {
    const accuracy = await demoAccuracy(Number(process.env.CDP_BENCH_DEMO_PEOPLE ?? 5000));
    console.log(
      `demo accuracy (${accuracy.people} people): pairwise precision ${f(accuracy.precision, 4)}, recall ${f(accuracy.recall, 4)}, ` +
        `${accuracy.profiles} profiles, build ${f(accuracy.seconds)}s`,
    );
  }
}
