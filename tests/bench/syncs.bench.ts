/**
 * Sync engine benchmark: an N-row model (default 1,000,000; CDP_BENCH_SYNC_ROWS) on DuckDB sent
 * to a local webhook that answers at once (in a child process), then 1% churn. The headline is the
 * whole first sync (planning, sending, folding results into the state) against a plain loop POSTing
 * the same batches with the same concurrency on node:http, the sync's own transport (aim <= 1.5);
 * then the send alone against that loop (aim <= 1.3) and against a fetch loop, planning + folding
 * of the churn run per 10,000 changed rows (aim <= 0.3 s), CPU seconds, the load average and
 * memory at 25/50/75/100% of the first sync.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from '../../src/project/index.js';
import { runSync, type SyncRunResult } from '../../src/syncs/index.js';

const ROWS = Number(process.env.CDP_BENCH_SYNC_ROWS ?? 1_000_000);
const BATCH = 500;
const CONCURRENCY = 4;

const SERVER = `
const http = require('node:http');
let rows = 0;
const server = http.createServer((req, res) => {
  let size = 0;
  req.on('data', (c) => { size += c.length; });
  req.on('end', () => { rows++; res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => { if (m === 'count') process.send({ requests: rows }); });
`;

async function startReceiver(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const file = join(dir, 'receiver.cjs');
  writeFileSync(file, SERVER);
  const child = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return { url: `http://127.0.0.1:${port}/hook`, child };
}

function row(i: number) {
  return { id: `p${String(i).padStart(7, '0')}`, email: `user${i}@example.com`, first_name: `Name${i}`, score: i % 100 };
}

type Post = (url: string, body: string) => Promise<number>;

const viaFetch: Post = async (url, body) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.text();
  return res.status;
};

// The sync's HTTP client runs on node:http with a keep-alive agent (cheaper per request than
// fetch), so the strictest limit is a plain loop on the same transport.
const agent = new http.Agent({ keepAlive: true });
const viaNodeHttp: Post = (url, body) =>
  new Promise((resolve, reject) => {
    const bytes = Buffer.from(body);
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': bytes.length } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });

/** The limit: the same batches, built in memory and POSTed with the same concurrency, nothing else. */
async function plainLoop(url: string, rows: number, post: Post = viaFetch): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (;;) {
      const from = next;
      next += BATCH;
      if (from >= rows) return;
      const batch = [];
      for (let i = from; i < Math.min(rows, from + BATCH); i++) batch.push(row(i));
      const status = await post(url, JSON.stringify({ sync: 'bench', op: 'upsert', rows: batch }));
      if (status !== 200) throw new Error(`receiver answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (performance.now() - started) / 1000;
}

/** CPU seconds (user + system) this process spent since `from`: DuckDB's threads included. */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
};
const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;
const fmt = (n: number) => n.toLocaleString('en-US');

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-sync-'));
  mkdirSync(join(dir, 'syncs'));
  writeFileSync(
    join(dir, 'cdp.config.ts'),
    "export default { warehouse: { type: 'duckdb', path: '.cdp/warehouse.duckdb' }, schema: 'cdp', state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' } };\n",
  );
  const receiver = await startReceiver(dir);
  const project = await Project.load(dir);
  try {
    writeFileSync(
      join(dir, 'syncs', 'bench.yaml'),
      `name: bench\nfrom: { model: people }\nkey: id\ndestination:\n  type: webhook\n  config: { url: "${receiver.url}", batch_size: ${BATCH}, concurrency: ${CONCURRENCY}, rate_limit: { requests: 1000000, per_seconds: 1 } }\nmode: mirror\nfields: { email: email, first_name: first_name, score: score }\n`,
    );
    const warehouse = await project.warehouse();
    await warehouse.createSchema('cdp');
    await warehouse.execute(
      `CREATE OR REPLACE TABLE cdp.people AS SELECT 'p' || lpad(CAST(i AS VARCHAR), 7, '0') AS id, 'user' || i || '@example.com' AS email, ` +
        `'Name' || i AS first_name, CAST(i % 100 AS DOUBLE) AS score FROM range(${ROWS}) t(i)`,
    );
    process.stdout.write(`rows: ${fmt(ROWS)}, batch ${BATCH}, ${CONCURRENCY} in flight, webhook in a child process\n`);

    // The limit, measured before and after the sync (the machine may be shared): the faster one.
    const baselineBefore = await plainLoop(receiver.url, ROWS);
    const nodeHttpBefore = await plainLoop(receiver.url, ROWS, viaNodeHttp);

    const memory: string[] = [];
    let nextMark = 0.25;
    let peakHeap = 0;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
    const cpuBefore = process.cpuUsage();
    let fullPlanCpu = 0;
    const full: SyncRunResult = await runSync(project, 'bench', {
      trigger: 'manual',
      onProgress: (e) => {
        if (e.phase === 'planned') fullPlanCpu = cpuSeconds(cpuBefore);
        if (e.phase !== 'sending') return;
        while (e.committed / e.planned >= nextMark) {
          const m = process.memoryUsage();
          memory.push(`${Math.round(nextMark * 100)}%: heap ${mb(m.heapUsed)}, rss ${mb(m.rss)}`);
          nextMark += 0.25;
        }
      },
    });
    clearInterval(sampler);
    const fullCpu = cpuSeconds(cpuBefore);
    if (full.status !== 'success' || full.counts.ok !== ROWS) throw new Error(`first sync: ${full.status} ${JSON.stringify(full.counts)} ${full.error}`);
    const baseline = Math.min(baselineBefore, await plainLoop(receiver.url, ROWS));
    const nodeHttp = Math.min(nodeHttpBefore, await plainLoop(receiver.url, ROWS, viaNodeHttp));
    const send = full.sendMs / 1000;

    // 1% churn: 0.5% changed, 0.25% gone, 0.25% new.
    const step = 200;
    await warehouse.execute(`UPDATE cdp.people SET score = score + 1000 WHERE CAST(SUBSTR(id, 2) AS BIGINT) % ${step} = 0`);
    await warehouse.execute(`DELETE FROM cdp.people WHERE CAST(SUBSTR(id, 2) AS BIGINT) % ${step * 2} = 1`);
    await warehouse.execute(
      `INSERT INTO cdp.people SELECT 'n' || lpad(CAST(i AS VARCHAR), 7, '0'), 'new' || i || '@example.com', 'New' || i, 1.0 FROM range(${Math.floor(ROWS / (step * 2))}) t(i)`,
    );
    const expected = Math.floor(ROWS / step) + Math.floor(ROWS / (step * 2)) + Math.floor(ROWS / (step * 2));
    const churnCpuBefore = process.cpuUsage();
    let churnPlanCpu = 0;
    const churn = await runSync(project, 'bench', {
      trigger: 'manual',
      onProgress: (e) => {
        if (e.phase === 'planned') churnPlanCpu = cpuSeconds(churnCpuBefore);
      },
    });
    const churnCpu = cpuSeconds(churnCpuBefore);
    if (churn.status !== 'success') throw new Error(`churn sync: ${churn.status} ${churn.error}`);
    const churnSend = churn.sendMs / 1000;

    const planFold = ((churn.planMs ?? 0) + churn.foldMs) / 1000;
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    process.stdout.write(
      [
        `first full sync: ${fmt(ROWS)} rows in ${full.seconds.toFixed(2)} s = ${fmt(Math.round(ROWS / full.seconds))} rows/s, ${fullCpu.toFixed(1)} CPU s in this process ` +
          `(planning ${((full.planMs ?? 0) / 1000).toFixed(2)} s and folding results into the state ${(full.foldMs / 1000).toFixed(2)} s in the warehouse, ` +
          `sending ${send.toFixed(2)} s = ${fmt(Math.round(ROWS / send))} rows/s)`,
        `first sync planning: ${((full.planMs ?? 0) / 1000).toFixed(2)} s, ${fullPlanCpu.toFixed(2)} CPU s from the run's start to its plan (loading, source inspection, plan)`,
        `plain POST loop, same batches and concurrency: ${nodeHttp.toFixed(2)} s with node:http, ${baseline.toFixed(2)} s with fetch (best of one run before and one after)`,
        `ratio whole first sync / plain node:http loop: ${(full.seconds / nodeHttp).toFixed(2)} (aim <= 1.5); ` +
          `sync send time / plain node:http loop: ${(send / nodeHttp).toFixed(2)} (aim <= 1.3); sync send time / fetch loop: ${(send / baseline).toFixed(2)}`,
        `1% churn: planned ${fmt(churn.plan.total)} ops (expected ${fmt(expected)}: ${fmt(churn.plan.changed)} changed, ` +
          `${fmt(churn.plan.added)} added, ${fmt(churn.plan.removed)} removed) in ${((churn.planMs ?? 0) / 1000).toFixed(2)} s, ` +
          `sent in ${churnSend.toFixed(2)} s, folded in ${(churn.foldMs / 1000).toFixed(2)} s, total ${churn.seconds.toFixed(2)} s, ${churnCpu.toFixed(1)} CPU s`,
        `1% churn planning: ${((churn.planMs ?? 0) / 1000).toFixed(2)} s, ${churnPlanCpu.toFixed(2)} CPU s from the run's start to its plan (loading, source inspection, plan)`,
        `1% churn planning + folding per 10,000 changed rows: ${((planFold * 10_000) / churn.plan.total).toFixed(2)} s (aim <= 0.3)`,
        `memory during the first sync: ${memory.join('; ')}; peak heap ${mb(peakHeap)}`,
        `load average (1, 5, 15 min) at the end: ${load} on ${availableParallelism()} cores`,
        '',
      ].join('\n'),
    );
    if (churn.plan.total !== expected) throw new Error(`churn planned ${churn.plan.total} ops, expected ${expected}`);
  } finally {
    await project.close();
    receiver.child.kill();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
