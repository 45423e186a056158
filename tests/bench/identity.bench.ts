/**
 * Identity benchmarks (DuckDB):
 * 1. stitching N people's identifiers: connected components in SQL (large-star/small-star) over
 *    edges generated in SQL, against an in-memory union-find in Node over the same edges;
 * 2. a 2,000-node chain: rounds to converge;
 * 3. the whole identity build (normalisation, guards, limits, profiles) on generated sources;
 * 4. pairwise precision/recall on the demo data, when the demo generator is available.
 * Sizes: CDP_BENCH_PEOPLE (default 1,000,000); CDP_BENCH_LARGE=1 adds 5,000,000.
 */
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
const f = (n: number, digits = 2) => n.toFixed(digits);

/**
 * Per person i: a user id (70%), one or two emails, a phone (60%), a device (50%), three cookies.
 * Records link their identifiers to their most trusted one (the user id, else the first email),
 * and the second email is linked only through a cookie: components are stars with short arms.
 * Surrogates are 60-bit hashes, like the real ones.
 */
async function generateEdges(warehouse: Warehouse, people: number): Promise<number> {
  await warehouse.execute(`CREATE SCHEMA IF NOT EXISTS bench`);
  const id = (kind: string, j = 0) => `(hash(i * 16 + ${j}, '${kind}') >> 4)::BIGINT`;
  await warehouse.execute(`
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
    UNION ALL SELECT ${id('a', 3)}, ${id('a', 1)} FROM p`);
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

export async function stitching(people: number): Promise<void> {
  const warehouse = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  try {
    const edges = await generateEdges(warehouse, people);
    const sql = new SqlRunner(warehouse);
    const cc = await withPeakMemory(async () => {
      const start = performance.now();
      const result = await connectedComponents(sql, { edges: scratch('edges'), output: scratch('labels'), scratch, maxRounds: 50 });
      return { ...result, seconds: seconds(start) };
    });
    const [components] = await warehouse.query<{ n: number }>(`SELECT COUNT(DISTINCT root) AS n FROM bench.labels`);

    // Union-find in Node over the same edges, two ways:
    // (a) the practical pipeline: read the 64-bit surrogates out of DuckDB, index them, union-find;
    // (b) the in-memory kernel alone, on dense int32 ids prepared in SQL (not timed).
    const pipelineStart = performance.now();
    // Sharded: one Map holds at most 2^24 entries, fewer than 5M people's identifiers.
    const shards = Array.from({ length: 16 }, () => new Map<unknown, number>());
    let indexed = 0;
    const indexOf = (value: unknown): number => {
      const shard = shards[typeof value === 'bigint' ? Number(value & 15n) : Number(value) % 16]!;
      let i = shard.get(value);
      if (i === undefined) {
        i = indexed++;
        shard.set(value, i);
      }
      return i;
    };
    const ea = new Int32Array(edges);
    const eb = new Int32Array(edges);
    let at = 0;
    for await (const batch of warehouse.stream(`SELECT a, b FROM bench.edges`, { batchSize: 100_000 })) {
      for (const row of batch) {
        ea[at] = indexOf(row.a);
        eb[at] = indexOf(row.b);
        at++;
      }
    }
    const pipelineRoots = unionFind(ea, eb, indexed);
    const pipelineSeconds = seconds(pipelineStart);
    for (const shard of shards) shard.clear();

    await warehouse.execute(`CREATE OR REPLACE TABLE bench.ids AS SELECT u, (ROW_NUMBER() OVER () - 1)::INTEGER AS k FROM (SELECT a AS u FROM bench.edges UNION SELECT b FROM bench.edges) x`);
    await warehouse.execute(`CREATE OR REPLACE TABLE bench.dense AS SELECT ia.k AS a, ib.k AS b FROM bench.edges e JOIN bench.ids ia ON ia.u = e.a JOIN bench.ids ib ON ib.u = e.b`);
    const [nodeRow] = await warehouse.query<{ n: number }>(`SELECT COUNT(*) AS n FROM bench.ids`);
    const nodes = Number(nodeRow!.n);
    const a = new Int32Array(edges);
    const b = new Int32Array(edges);
    at = 0;
    for await (const batch of warehouse.stream(`SELECT a, b FROM bench.dense`, { batchSize: 100_000 })) {
      for (const row of batch) {
        a[at] = row.a as number;
        b[at] = row.b as number;
        at++;
      }
    }
    const ufStart = performance.now();
    const roots = unionFind(a, b, nodes);
    const ufSeconds = seconds(ufStart);
    const ufComponents = new Set(roots).size;

    console.log(
      `stitching ${people.toLocaleString('en-US')} people: ${nodes.toLocaleString('en-US')} identifiers, ${edges.toLocaleString('en-US')} edges, ` +
        `${components!.n.toLocaleString('en-US')} components (union-find: ${ufComponents.toLocaleString('en-US')})`,
    );
    console.log(`  SQL large-star/small-star in DuckDB: ${f(cc.value.seconds)}s, ${cc.value.rounds} round(s) on the core, peak RSS ${cc.peakMb} MB`);
    console.log(`  Node union-find: ${f(pipelineSeconds)}s reading + indexing the surrogates + union-find; ${f(ufSeconds)}s for the in-memory kernel alone`);
    console.log(
      `  ratio SQL / union-find: ${f(cc.value.seconds / pipelineSeconds)}x against the Node pipeline, ${f(cc.value.seconds / ufSeconds, 1)}x against the in-memory kernel alone`,
    );
    if (new Set(pipelineRoots).size !== ufComponents) throw new Error('the two union-finds disagree');
    if (ufComponents !== Number(components!.n)) throw new Error('SQL and union-find disagree on the number of components');
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
