/**
 * Demo data generation + load into DuckDB (`cdp demo` before the build): rows/s and peak memory at
 * 100k people, and at 1M people with CDP_BENCH_LARGE=1 (memory must stay flat: rows stream through
 * in batches). Each size runs in a fresh child process so its peak RSS is its own. Side by side in
 * the same child: generating the rows alone (no warehouse), to show what the load costs.
 *
 *   CDP_BENCH_DEMO_PEOPLE  comma-separated sizes (default 100000, plus 1000000 with CDP_BENCH_LARGE=1)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWorld, generateDemo, SOURCE_TABLES, tableBatches } from '../../src/demo/index.js';
import { DuckDbWarehouse } from '../../src/warehouse/adapters/duckdb.js';

const CHILD_FLAG = 'CDP_DEMO_BENCH_CHILD';

interface Figures {
  people: number;
  rows: number;
  loadSeconds: number;
  /** CPU seconds of the load (all threads): less sensitive than wall time on a busy machine. */
  loadCpuSeconds: number;
  generateOnlySeconds: number;
  peakRssMb: number;
  peakHeapMb: number;
  tables: Array<{ name: string; rows: number; seconds: number }>;
}

function sizes(): number[] {
  if (process.env.CDP_BENCH_DEMO_PEOPLE) return process.env.CDP_BENCH_DEMO_PEOPLE.split(',').map((s) => Number(s.trim()));
  return process.env.CDP_BENCH_LARGE === '1' ? [100_000, 1_000_000] : [100_000];
}

export async function run(): Promise<void> {
  const results: Figures[] = [];
  for (const people of sizes()) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, [CHILD_FLAG]: String(people), CDP_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
    if (child.status !== 0 || !line) throw new Error(`demo bench child for ${people} people failed:\n${child.stderr}`);
    const figures = JSON.parse(line) as Figures;
    results.push(figures);
    const rate = figures.rows / figures.loadSeconds;
    console.log(
      `demo ${figures.people.toLocaleString('en-US')} people: ${figures.rows.toLocaleString('en-US')} rows generated + loaded in ${figures.loadSeconds.toFixed(1)} s ` +
        `(${Math.round(rate).toLocaleString('en-US')} rows/s, ${figures.loadCpuSeconds.toFixed(1)} CPU s); generating alone ${figures.generateOnlySeconds.toFixed(1)} s ` +
        `(load share ${(1 - figures.generateOnlySeconds / figures.loadSeconds).toFixed(2)}); peak RSS ${figures.peakRssMb} MB, peak JS heap ${figures.peakHeapMb} MB`,
    );
    for (const t of figures.tables) console.log(`    ${t.name.padEnd(18)} ${t.rows.toLocaleString('en-US').padStart(12)} rows ${t.seconds.toFixed(2).padStart(7)} s`);
  }
  if (results.length > 1) {
    const [small, large] = [results[0]!, results[results.length - 1]!];
    console.log(
      `scaling ${small.people.toLocaleString('en-US')} -> ${large.people.toLocaleString('en-US')} people: time x${(large.loadSeconds / small.loadSeconds).toFixed(1)}, ` +
        `peak JS heap x${(large.peakHeapMb / small.peakHeapMb).toFixed(2)}, peak RSS x${(large.peakRssMb / small.peakRssMb).toFixed(2)}`,
    );
  }
}

/** In the child: one size, measured alone. */
async function child(people: number): Promise<void> {
  let peakHeap = 0;
  const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 50);
  const referenceDate = new Date('2025-06-01T00:00:00Z');
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-demo-'));
  try {
    const warehouse = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await generateDemo(warehouse, { people, seed: 42, referenceDate });
    const loadSeconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const loadCpuSeconds = (used.user + used.system) / 1e6;
    await warehouse.close();

    const world = createWorld({ seed: 42, people, referenceDate });
    const generating = performance.now();
    for (const table of SOURCE_TABLES) for await (const batch of tableBatches(world, table, 10_000)) void batch;
    const generateOnlySeconds = (performance.now() - generating) / 1000;

    clearInterval(sampler);
    const sourceRows = result.tables.filter((t) => t.table.name !== 'demo_truth').reduce((sum, t) => sum + t.rows, 0);
    const figures: Figures = {
      people,
      rows: sourceRows,
      loadSeconds,
      loadCpuSeconds,
      generateOnlySeconds,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      peakHeapMb: Math.round(peakHeap / 1024 / 1024),
      tables: result.tables.map((t) => ({ name: t.table.name, rows: t.rows, seconds: t.seconds })),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    clearInterval(sampler);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env[CHILD_FLAG]) await child(Number(process.env[CHILD_FLAG]));
