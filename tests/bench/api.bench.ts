// API load: 200 concurrent audience count/preview requests against `cdp serve` over HTTP, on a
// demo-shaped warehouse (profiles + an order event stream). Default 100k profiles;
// CDP_BENCH_LARGE=1 → 1M; CDP_BENCH_PROFILES=N to choose. First 200 distinct counts without and
// then with the build's audience base (src/audiences/base.ts; its build time and size printed),
// side by side; then the mixed bursts. Prints p50/p99 latency, requests/s and errors, CPU seconds,
// the load average, and the same requests as direct library calls (the HTTP layer's overhead).
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { audienceCountSql, buildAudienceBase, countAudience, previewAudience, saveAudience, type AudienceDefinition, type Condition } from '../../src/audiences/index.js';
import { parseConfig } from '../../src/config/index.js';
import { Project } from '../../src/project/index.js';
import { parseSecretKey } from '../../src/secrets/index.js';
import { startServer } from '../../src/server/index.js';

const PROFILES = Number(process.env.CDP_BENCH_PROFILES ?? (process.env.CDP_BENCH_LARGE === '1' ? 1_000_000 : 100_000));
const CONCURRENCY = Number(process.env.CDP_BENCH_CONCURRENCY ?? 200);
const ROUNDS = Number(process.env.CDP_BENCH_ROUNDS ?? 1);

/** Profiles with demo-like traits, and orders (≈1.5 per profile, over the last two years) resolved to them: built with set-based SQL. */
async function buildWarehouse(project: Project): Promise<void> {
  const w = await project.warehouse();
  const n = PROFILES;
  const statements = [
    'CREATE SCHEMA IF NOT EXISTS raw',
    'CREATE SCHEMA IF NOT EXISTS cdp',
    `CREATE TABLE cdp.profiles AS
       SELECT 'p' || i AS profile_id,
              'person' || i || '@example.com' AS email,
              (['US','DE','FR','GB','ES','IT','NL','SE'])[1 + (i % 8)] AS country,
              (['web','pos','app'])[1 + (i % 3)] AS first_channel,
              round(((i * 7919) % 100000) / 100.0, 2) AS lifetime_value,
              (i % 5) AS order_count,
              TIMESTAMP '2024-01-01' + INTERVAL (i % 700) DAY AS last_seen,
              (i % 11) = 0 AS is_vip
       FROM range(${n}) t(i)`,
    `CREATE TABLE raw.orders AS
       SELECT 'o' || j AS order_id, 'p' || (j % ${n}) AS profile_key,
              round(((j * 104729) % 50000) / 100.0, 2) AS amount,
              (['web','pos'])[1 + (j % 2)] AS channel,
              date_trunc('day', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') - INTERVAL (j % 730) DAY AS ordered_at
       FROM range(${Math.round(n * 1.5)}) t(j)`,
    `CREATE TABLE cdp.resolved_records AS SELECT 'orders' AS source, order_id AS record_key, profile_key AS profile_id FROM raw.orders`,
  ];
  for (const sql of statements) await w.execute(sql);
}

/**
 * One HTTP request with node:http and no client timeout (fetch gives up after 300 s, which would
 * count a slow answer as a failure of the service).
 */
const agent = new Agent({ keepAlive: true, maxSockets: 1000 });
function call(url: string, init: { method?: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function summary(label: string, latencies: number[], errors: number, seconds: number): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  return `${label.padEnd(28)} requests ${String(latencies.length + errors).padStart(5)}  errors ${String(errors).padStart(3)}  p50 ${percentile(sorted, 50).toFixed(1).padStart(7)} ms  p99 ${percentile(sorted, 99).toFixed(1).padStart(7)} ms  ${(latencies.length / seconds).toFixed(1).padStart(7)} req/s`;
}

const DRAFT = {
  where: {
    all: [
      { trait: 'country', op: 'in', value: ['DE', 'FR', 'NL'] },
      { trait: 'lifetime_value', op: 'gte', value: 250 },
      { event: 'order_completed', count: { op: 'gte', value: 1 }, where: { property: 'channel', op: 'eq', value: 'web' } },
    ],
  },
};

/** The draft with its own lifetime-value threshold: a different query per request. */
function variant(i: number): AudienceDefinition {
  const [country, ltv, event] = DRAFT.where.all;
  return { where: { all: [country, { ...ltv, value: 100 + (i % 9000) / 10 }, event] } } as AudienceDefinition;
}
/** The demo's windowed event conditions (audiences/*.yaml), on the bench's one event stream: saved, so the base keeps them. */
const WINDOWED: Record<string, Condition> = {
  bench_ordered_7d: { event: 'order_completed', within: { days: 7 } },
  bench_no_order_7d: { event: 'order_completed', count: { op: 'eq', value: 0 }, within: { days: 7 } },
  bench_repeat_90d: { event: 'order_completed', count: { op: 'gte', value: 2 }, within: { days: 90 } },
  bench_ordered_30d: { event: 'order_completed', within: { days: 30 } },
} as Record<string, Condition>;

/** A draft with a windowed event count: its own lifetime-value threshold and window per request. */
function windowedVariant(i: number): AudienceDefinition {
  const [country, ltv] = DRAFT.where.all;
  const windowed = { event: 'order_completed', count: { op: 'gte', value: 1 + (i % 2) }, within: { days: [7, 30, 90][i % 3] } };
  return { where: { all: [country, { ...ltv, value: 100 + (i % 9000) / 10 }, windowed] } } as AudienceDefinition;
}
const WINDOWED_COUNTS = Number(process.env.CDP_BENCH_WINDOWED_COUNTS ?? 50);

/** Saved audiences: one per saved count of a burst of counts only (every other request). */
const SAVED = Math.ceil(CONCURRENCY / 2);

/** Bytes of a DuckDB table's blocks (after a checkpoint writes them out of the WAL). */
async function tableBytes(project: Project, table: string): Promise<number> {
  await (await project.warehouse()).execute('CHECKPOINT');
  const [row] = await (await project.warehouse()).query(`SELECT COUNT(DISTINCT block_id) * 262144 AS b FROM pragma_storage_info('${table}') WHERE persistent`);
  return Number(row?.b ?? 0);
}

const cpuSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};

/**
 * The demo's windowed conditions saved: the base rebuilt keeps them as lists of order times (its
 * build time, CPU and size printed beside the base without them), and distinct windowed counts
 * side by side, joining the orders (`base: false`) and reading the lists; the answers compared.
 */
async function windowedCounts(project: Project, plainBase: { bytes: number; seconds: number; cpu: number }): Promise<void> {
  for (const [name, where] of Object.entries(WINDOWED)) await saveAudience(project, { name, where });
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  const started = performance.now();
  const cpu = process.cpuUsage();
  const built = await buildAudienceBase(project);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSince(cpu);
  const bytes = await tableBytes(project, 'cdp.audience_base');
  process.stdout.write(
    `\nwith the demo's windowed conditions saved (${Object.keys(WINDOWED).length} audiences, order_completed within 7/30/90 days):\n` +
      `  audience base: ${built.eventColumns} count column(s) + ${built.timeColumns} list(s) of order times, ${built.rows.toLocaleString('en-US')} rows, built in ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} CPU s), ` +
      `${(bytes / 1048576).toFixed(0)} MB on disk; without the windowed conditions: ${plainBase.seconds.toFixed(1)} s (${plainBase.cpu.toFixed(1)} CPU s), ${(plainBase.bytes / 1048576).toFixed(0)} MB  load ${load()}\n`,
  );
  const warehouse = await project.warehouse();
  const burst = async (offset: number, base: boolean) => {
    const latencies: number[] = [];
    const used = process.cpuUsage();
    const t = performance.now();
    const counts = await Promise.all(
      Array.from({ length: WINDOWED_COUNTS }, async (_, i) => {
        const t0 = performance.now();
        const sql = await audienceCountSql(project, windowedVariant(offset + i), { base });
        if (base !== sql.includes('audience_base') || (base && sql.includes('resolved_records'))) throw new Error(`windowed count ${base ? 'not read from the lists' : 'read the base'}`);
        const [row] = await warehouse.query(sql);
        latencies.push(performance.now() - t0);
        return Number(row?.n ?? 0);
      }),
    );
    return { latencies, seconds: (performance.now() - t) / 1000, cpu: cpuSince(used), counts };
  };
  const joined = await burst(0, false);
  process.stdout.write(`  ${summary(`${WINDOWED_COUNTS} windowed, joining orders`, joined.latencies, 0, joined.seconds)}  ${joined.cpu.toFixed(1)} CPU s  load ${load()}\n`);
  const listed = await burst(0, true);
  process.stdout.write(`  ${summary(`${WINDOWED_COUNTS} windowed, base lists`, listed.latencies, 0, listed.seconds)}  ${listed.cpu.toFixed(1)} CPU s  load ${load()}\n`);
  if (listed.counts.some((n, i) => n !== joined.counts[i])) throw new Error('windowed counts differ with and without the base');
  process.stdout.write(`  lists / join: throughput ${(joined.seconds / listed.seconds).toFixed(2)}x, CPU ${(listed.cpu / joined.cpu).toFixed(2)}x (same ${WINDOWED_COUNTS} counts, equal answers)\n`);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-api-'));
  const config = parseConfig({
    warehouse: { type: 'duckdb', path: join(dir, 'warehouse.duckdb') },
    state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
    identity: {
      sources: [{ name: 'orders', relation: 'raw.orders', key: 'order_id', timestamp: 'ordered_at', ids: { profile_key: 'profile_key' } }],
      idTypes: { profile_key: { priority: 1 } },
    },
    events: [{ source: 'orders', name: "'order_completed'" }],
  });
  const project = new Project(dir, join(dir, 'cdp.config.ts'), config);
  const built = performance.now();
  await buildWarehouse(project);
  process.stdout.write(`warehouse: ${PROFILES.toLocaleString('en-US')} profiles, ${Math.round(PROFILES * 1.5).toLocaleString('en-US')} orders built in ${((performance.now() - built) / 1000).toFixed(1)} s\n`);

  const server = await startServer(project, { port: 0, startScheduler: false, logger: pino({ level: 'silent' }), secretKey: parseSecretKey('c'.repeat(64)), webDir: null });
  try {
    const admin = await server.context.users.create({ email: 'bench@example.com', role: 'marketer', password: null });
    const token = (await server.context.tokens.create(admin.id, 'bench')).token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const saved = await call(`${server.url}/api/audiences`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench_buyers', ...DRAFT }) });
    if (saved.status !== 201) throw new Error(`could not save the audience: ${saved.status} ${saved.text}`);
    // Saved audiences for the distinct burst, one per saved-count request.
    for (let i = 0; i < SAVED; i++) await saveAudience(project, { ...variant(i * 3 + 1), name: `bench_${i}` });

    // Request i of a burst: a count of a draft, a count of the saved audience, or a preview of a
    // draft, in turn. `distinct` gives every draft its own threshold (no two requests alike: each
    // is its own warehouse query); otherwise the drafts are identical (the builder's repeated
    // counts), which the API coalesces into one query per kind and then answers from its cache.
    const draft = (i: number, distinct: boolean) => (distinct ? variant(i) : DRAFT);
    const send = (i: number, distinct: boolean) => {
      const kind = i % 3;
      if (kind === 0) return call(`${server.url}/api/audiences/count`, { method: 'POST', headers, body: JSON.stringify({ definition: draft(i, distinct) }) });
      if (kind === 1) return call(`${server.url}/api/audiences/${distinct ? `bench_${Math.floor(i / 3) % SAVED}` : 'bench_buyers'}/count`, { headers });
      return call(`${server.url}/api/audiences/preview`, { method: 'POST', headers, body: JSON.stringify({ definition: draft(i, distinct), limit: 20 }) });
    };
    const kinds = ['count (draft)', 'count (saved)', 'preview (draft, 20 rows)'];
    await Promise.all([0, 1, 2].map((i) => send(i, false))); // warm-up: catalog, connections

    // 200 distinct counts at once (drafts, each with its own threshold, and saved audiences, every
    // other request): before and after the audience base is built, each query asked once.
    const countBurst = async (offset: number) => {
      const latencies: number[] = [];
      const cpu = process.cpuUsage();
      const started = performance.now();
      const counts = await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, i) => {
          const t0 = performance.now();
          const res =
            i % 2 === 0
              ? await call(`${server.url}/api/audiences/count`, { method: 'POST', headers, body: JSON.stringify({ definition: variant(offset + i) }) })
              : await call(`${server.url}/api/audiences/bench_${(i - 1) / 2}/count`, { headers });
          if (res.status !== 200) throw new Error(`count: ${res.status} ${res.text.slice(0, 120)}`);
          latencies.push(performance.now() - t0);
          return JSON.parse(res.text) as { count: number };
        }),
      );
      return { latencies, seconds: (performance.now() - started) / 1000, cpu: cpuSince(cpu), first: counts[0]!.count };
    };
    const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
    const without = await countBurst(0);
    process.stdout.write(`\n${CONCURRENCY} distinct concurrent counts (drafts and saved audiences) over HTTP:\n`);
    process.stdout.write(`  ${summary('without the audience base', without.latencies, 0, without.seconds)}  ${without.cpu.toFixed(1)} CPU s  load ${load()}\n`);
    const baseStarted = performance.now();
    const baseCpu = process.cpuUsage();
    const base = await buildAudienceBase(project);
    const baseSeconds = (performance.now() - baseStarted) / 1000;
    const baseCpuSeconds = cpuSince(baseCpu);
    const [baseBytes, profileBytes] = [await tableBytes(project, 'cdp.audience_base'), await tableBytes(project, 'cdp.profiles')];
    process.stdout.write(
      `  audience base: ${base.eventColumns} event count column(s) from ${base.audiences} audiences, ${base.rows.toLocaleString('en-US')} rows, built in ${baseSeconds.toFixed(1)} s ` +
        `(${baseCpuSeconds.toFixed(1)} CPU s), ${(baseBytes / 1048576).toFixed(0)} MB on disk (profiles: ${(profileBytes / 1048576).toFixed(0)} MB)\n`,
    );
    const after = await countBurst(CONCURRENCY);
    // The same answers: the burst before the base counted variant(0) from the event stream.
    const again = await countAudience(project, variant(0));
    if (again !== without.first) throw new Error(`count with the base ${again} <> ${without.first} without it`);
    process.stdout.write(`  ${summary('with the audience base', after.latencies, 0, after.seconds)}  ${after.cpu.toFixed(1)} CPU s  load ${load()}\n`);
    const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);
    process.stdout.write(
      `  with / without the base: throughput ${(without.seconds / after.seconds).toFixed(2)}x (aim >= 3), p50 ${(p(after.latencies, 50) / p(without.latencies, 50)).toFixed(2)}x, ` +
        `p99 ${(p(after.latencies, 99) / p(without.latencies, 99)).toFixed(2)}x; ${availableParallelism()} cores\n`,
    );

    await windowedCounts(project, { bytes: baseBytes, seconds: baseSeconds, cpu: baseCpuSeconds });

    let errors = 0;
    const reasons = new Map<string, number>();
    const burst = async (distinct: boolean) => {
      const latencies: number[][] = [[], [], []];
      const started = performance.now();
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async (_, i) => {
            const t0 = performance.now();
            try {
              const res = await send(round * CONCURRENCY + i, distinct);
              if (res.status !== 200) throw new Error(`${res.status} ${res.text.slice(0, 120)}`);
              latencies[i % 3]!.push(performance.now() - t0);
            } catch (error) {
              errors++;
              const reason = error instanceof Error ? error.message : String(error);
              reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
            }
          }),
        );
      }
      return { latencies, seconds: (performance.now() - started) / 1000 };
    };

    const distinct = await burst(true);
    process.stdout.write(`\n${CONCURRENCY} concurrent requests x ${ROUNDS} round(s) over HTTP (bearer token, JSON), every draft different:\n`);
    process.stdout.write(`${summary('all', distinct.latencies.flat(), errors, distinct.seconds)}\n`);
    distinct.latencies.forEach((l, k) => process.stdout.write(`  ${summary(kinds[k]!, l, 0, distinct.seconds)}\n`));

    const before = errors;
    const same = await burst(false);
    process.stdout.write(`identical drafts (in-flight duplicates share one query; cached until the next build):\n`);
    process.stdout.write(`${summary('all', same.latencies.flat(), errors - before, same.seconds)}\n`);

    // The distinct burst once more: the same 200 queries on the same data are cached results now.
    const beforeRepeat = errors;
    const repeat = await burst(true);
    process.stdout.write(`every draft different, asked again (no build since: cached):\n`);
    process.stdout.write(`${summary('all', repeat.latencies.flat(), errors - beforeRepeat, repeat.seconds)}\n`);

    // The distinct burst again as direct library calls at the same concurrency: what the HTTP layer adds.
    const direct: number[] = [];
    let directErrors = 0;
    const directStarted = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async (_, i) => {
          const t0 = performance.now();
          const n = round * CONCURRENCY + i;
          try {
            if (n % 3 === 0) await countAudience(project, variant(n));
            else if (n % 3 === 1) await countAudience(project, `bench_${Math.floor(n / 3) % SAVED}`);
            else await previewAudience(project, variant(n), { limit: 20 });
            direct.push(performance.now() - t0);
          } catch {
            directErrors++;
          }
        }),
      );
    }
    const directSeconds = (performance.now() - directStarted) / 1000;
    process.stdout.write(`${summary('distinct, no HTTP (library)', direct, directErrors, directSeconds)}\n`);
    const all = distinct.latencies.flat();
    const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
    process.stdout.write(
      `HTTP vs library, distinct drafts: throughput ${(all.length / distinct.seconds / (direct.length / directSeconds)).toFixed(2)}x, p50 ${(p50(all) / p50(direct)).toFixed(2)}x; ` +
        `identical vs distinct over HTTP: throughput ${(same.latencies.flat().length / same.seconds / (all.length / distinct.seconds)).toFixed(1)}x\n`,
    );
    if (errors > 0) throw new Error(`${errors} request(s) failed: ${JSON.stringify(Object.fromEntries(reasons))}`);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
