// Collect: the real @segment/analytics-node client, in CDP_BENCH_CLIENTS processes (default 2,
// as several app servers would send at once), sending CDP_BENCH_EVENTS (default 50,000) track
// events in all to (a) `cdp serve` — write-key check, Segment validation, fsync'd
// spool, micro-batch landing in DuckDB — and (b) a plain node:http server that only parses the
// batches and appends them to a file, side by side in one run. Prints events/s and p99 ack
// latency of both, the ratio, the load average, and cdp's landing latency p99 (received → committed).
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/index.js';
import { Project } from '../../src/project/index.js';
import { parseSecretKey } from '../../src/secrets/index.js';
import { startServer } from '../../src/server/index.js';

const EVENTS = Number(process.env.CDP_BENCH_EVENTS ?? 50_000);
const CLIENTS = Math.max(1, Number(process.env.CDP_BENCH_CLIENTS ?? 2));
const CLIENT = fileURLToPath(new URL('./collect-client.ts', import.meta.url));
const WRITE_KEY = 'bench-write-key-0123456789abcdef';

interface ClientResult {
  eventsPerSecond: number;
  seconds: number;
  requests: number;
  p50: number;
  p99: number;
  errors: number;
}

async function oneClient(url: string, tag: string, events: number): Promise<ClientResult> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', CLIENT, url, WRITE_KEY, String(events), tag], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ClientResult;
}

/**
 * CLIENTS client processes sharing EVENTS, started together. Throughput is all events over the
 * slowest client's time; ack latency percentiles are the worst client's (conservative).
 */
async function client(url: string, tag: string): Promise<ClientResult> {
  const share = Math.ceil(EVENTS / CLIENTS);
  const results = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => oneClient(url, `${tag}-${i}`, Math.min(share, EVENTS - i * share))));
  const seconds = Math.max(...results.map((r) => r.seconds));
  const sum = (pick: (r: ClientResult) => number) => results.reduce((total, r) => total + pick(r), 0);
  return { eventsPerSecond: EVENTS / seconds, seconds, requests: sum((r) => r.requests), p50: Math.max(...results.map((r) => r.p50)), p99: Math.max(...results.map((r) => r.p99)), errors: sum((r) => r.errors) };
}

/** The baseline: parse each batch, append its messages to a file, answer 200. Nothing else. */
async function plainServer(file: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as { batch: unknown[] };
      appendFile(file, body.batch.map((m) => JSON.stringify(m)).join('\n') + '\n').then(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}'),
        () => res.writeHead(500).end(),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const fmt = (r: ClientResult) => `${Math.round(r.eventsPerSecond).toLocaleString('en')} events/s, ack p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${r.requests} requests, ${r.errors} errors`;

export async function run(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cdp-bench-collect-'));
  const config = parseConfig({
    warehouse: { type: 'duckdb', path: join(dir, 'warehouse.duckdb') },
    state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
    collect: { writeKeys: { bench: { env: 'CDP_BENCH_WRITE_KEY' } } },
  });
  const project = new Project(dir, join(dir, 'cdp.config.ts'), config);
  const cdp = await startServer(project, {
    port: 0,
    webDir: null,
    startScheduler: false,
    secretKey: parseSecretKey('d'.repeat(64)),
    logger: pino({ level: 'warn' }),
    env: { ...process.env, CDP_BENCH_WRITE_KEY: WRITE_KEY },
  });
  const plain = await plainServer(join(dir, 'plain.ndjson'));
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  try {
    // Warm both (JIT, connection pools), then measure each.
    await client(plainUrl, 'warm-plain');
    const plainResult = await client(plainUrl, 'plain');
    const cdpResult = await client(cdp.url, 'cdp');
    const load = loadavg().map((n) => n.toFixed(2)).join(' ');
    console.log(`events: ${EVENTS.toLocaleString('en')} per run from ${CLIENTS} client process(es), @segment/analytics-node, batches of ${process.env.CDP_BENCH_FLUSH_AT ?? 15} (CDP_BENCH_FLUSH_AT)`);
    console.log(`(b) plain node:http parse + append: ${fmt(plainResult)}`);
    console.log(`(a) cdp serve /v1/batch:            ${fmt(cdpResult)}`);
    console.log(`ratio cdp / plain: ${(cdpResult.eventsPerSecond / plainResult.eventsPerSecond).toFixed(2)} (aim ≥ 0.7; ≥ 5,000 events/s)`);
    // Landing: wait until every event is committed in the warehouse (default micro-batches: 10,000 events or 10 s).
    const stats = cdp.context.collect.stats;
    const until = Date.now() + 120_000;
    while (stats.totals().landed < EVENTS && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
    const totals = stats.totals();
    console.log(`landed ${totals.landed.toLocaleString('en')} of ${totals.accepted.toLocaleString('en')}; landing latency p99 ${((totals.landingLatencyP99Ms ?? NaN) / 1000).toFixed(2)} s (aim ≤ 15 s)`);
    console.log(`load average: ${load}`);
  } finally {
    await new Promise((resolve) => plain.close(resolve));
    await cdp.close();
    await rm(dir, { recursive: true, force: true });
  }
}
