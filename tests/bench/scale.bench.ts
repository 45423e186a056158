/**
 * Scale: `cdp demo` data at N people, then the whole `cdp run` (models, identity, profiles,
 * audience snapshots) of the demo project — as a user runs them: the data is generated in one
 * child process and built by `cdp run` in a fresh one on the same warehouse file, so the build's
 * peak RSS is the build's own (DuckDB runs in-process: the figure includes it), not generation's.
 * Prints per size the build time, each step's wall and CPU seconds, the identity step's SQL
 * statement count, the time per 1M people and both peak RSS figures; then the growth of the time per 1M people from the smallest
 * size to the largest (the target: <= 10%).
 *
 *   CDP_BENCH_SCALE_PEOPLE  comma-separated sizes (default 100000,300000; with CDP_BENCH_LARGE=1 also 1000000)
 *   CDP_BENCH_SCALE_STATEMENTS  people for the statement-count run (default 10000)
 *   CDP_BENCH_SCALE_TOP  also print, per size, the N identity statements that took the most CPU
 *                        (from the identity SQL debug log: wall and process CPU ms per statement)
 *   CDP_BENCH_SCALE_DATA  a directory keeping each size's generated warehouse (`<people>.duckdb`):
 *                         generated there once, then each build runs on a copy (10M people take
 *                         about half an hour to generate)
 *   CDP_BENCH_SCALE_SAMPLE  sample the build's memory every N ms: RSS, DuckDB's own accounting
 *                           (duckdb_memory()) and the Node heap; prints the peak samples and the
 *                           identity statement running at each
 *   CDP_BENCH_SCALE_MEMORY_LIMIT  the build's `warehouse.memoryLimit` (default: cdp's default)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemo } from '../../src/demo/index.js';
import { runProject, type RunStep } from '../../src/pipeline/index.js';
import { Project } from '../../src/project/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';

const CHILD_FLAG = 'CDP_SCALE_BENCH_CHILD';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where the demo project keeps its warehouse (cdp.config.ts). */
const WAREHOUSE_FILE = join('.cdp', 'warehouse.duckdb');
const MB = 2 ** 20;

interface Generated {
  generateSeconds: number;
  generateCpuSeconds: number;
  rows: number;
  /** Peak RSS of the generating process, MiB. */
  peakRssMb: number;
  load: number;
}

interface Built {
  buildSeconds: number;
  /** CPU seconds of the build (all threads): steadier than wall time on a shared machine. */
  buildCpuSeconds: number;
  identitySeconds: number;
  statements: number;
  /** Each step of the run (models, identity, predictions, audience base, snapshots). */
  steps: RunStep[];
  /** Peak RSS of the `cdp run` process, MiB. */
  peakRssMb: number;
  load: number;
}

interface Figures extends Built {
  people: number;
  /** Null when the data was reused from CDP_BENCH_SCALE_DATA. */
  generated: Generated | null;
}

/** One memory sample of the build (CDP_BENCH_SCALE_SAMPLE), MiB. */
interface Sample {
  t: number;
  rss: number;
  /** DuckDB's buffer-managed memory (duckdb_memory()), and its largest tags. */
  duck: number;
  tags: string;
  heap: number;
  /** Node's memory outside the heap (Buffers, native objects of the DuckDB binding). */
  external: number;
}

function sizes(): number[] {
  if (process.env.CDP_BENCH_SCALE_PEOPLE) return process.env.CDP_BENCH_SCALE_PEOPLE.split(',').map((s) => Number(s.trim()));
  return process.env.CDP_BENCH_LARGE === '1' ? [100_000, 300_000, 1_000_000] : [100_000, 300_000];
}

const TOP = Number(process.env.CDP_BENCH_SCALE_TOP ?? 0);
const SAMPLE_MS = Number(process.env.CDP_BENCH_SCALE_SAMPLE ?? 0);

function runChild(mode: 'generate' | 'build', dir: string, people: number, debugLog: boolean, sample = 0): string {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: ROOT,
    // The debug log (one line per identity statement) only when statements are looked at.
    env: { ...process.env, [CHILD_FLAG]: JSON.stringify({ mode, dir, people, sample }), CDP_LOG_LEVEL: debugLog ? 'debug' : 'silent' },
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (child.status !== 0 || !resultLine(child.stdout)) throw new Error(`scale bench ${mode} child for ${people} people failed:\n${child.stderr}`);
  return child.stdout;
}

function resultLine(stdout: string): string | undefined {
  return stdout.split('\n').find((l) => l.startsWith('{"result":'));
}

function parseResult<T>(stdout: string): T {
  return (JSON.parse(resultLine(stdout)!) as { result: T }).result;
}

/** A fresh copy of the demo project; the build's memory limit from CDP_BENCH_SCALE_MEMORY_LIMIT. */
function projectDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-scale-'));
  for (const part of ['cdp.config.ts', 'models', 'audiences']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  const limit = process.env.CDP_BENCH_SCALE_MEMORY_LIMIT;
  if (limit) {
    const config = join(dir, 'cdp.config.ts');
    const text = readFileSync(config, 'utf8');
    const warehouse = `path: '${WAREHOUSE_FILE}'`;
    if (!text.includes(warehouse)) throw new Error(`CDP_BENCH_SCALE_MEMORY_LIMIT: no "${warehouse}" in cdp.config.ts to add it to`);
    writeFileSync(config, text.replace(warehouse, `${warehouse}, memoryLimit: ${JSON.stringify(limit)}`));
  }
  return dir;
}

/** The demo data at `people` in `dir`'s warehouse: generated in a child, or copied from CDP_BENCH_SCALE_DATA. */
function prepareData(dir: string, people: number): Generated | null {
  const keep = process.env.CDP_BENCH_SCALE_DATA;
  const kept = keep ? join(keep, `${people}.duckdb`) : undefined;
  mkdirSync(join(dir, '.cdp'), { recursive: true });
  if (kept && existsSync(kept)) {
    copyFileSync(kept, join(dir, WAREHOUSE_FILE));
    return null;
  }
  const generated = parseResult<Generated>(runChild('generate', dir, people, false));
  if (kept) {
    mkdirSync(keep!, { recursive: true });
    copyFileSync(join(dir, WAREHOUSE_FILE), `${kept}.partial`);
    renameSync(`${kept}.partial`, kept);
  }
  return generated;
}

function measure(people: number, top = 0, sample = 0): Figures {
  const dir = projectDir();
  try {
    const generated = prepareData(dir, people);
    const stdout = runChild('build', dir, people, top > 0 || sample > 0, sample);
    if (top > 0) printTopStatements(stdout, top);
    if (sample > 0) printPeakSamples(stdout);
    return { people, generated, ...parseResult<Built>(stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const STATEMENT_LINE = /identity sql ms=(\d+) cpuMs=(\d+) sql="(.*)"$/;
/** The debug line a run step writes when it ends (src/pipeline/run-project.ts). */
const STEP_LINE = /run step step=(?:"([^"]*)"|(\S+))/;

/** The identity statements that took the most CPU, from the child's debug log lines (`identity sql ms=.. cpuMs=.. sql=".."`). */
function printTopStatements(log: string, top: number): void {
  const statements = log
    .split('\n')
    .map((l) => STATEMENT_LINE.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ ms: Number(m[1]), cpuMs: Number(m[2]), sql: m[3]! }));
  const cpu = statements.reduce((sum, s) => sum + s.cpuMs, 0);
  console.log(`  identity statements: ${statements.length}, ${(cpu / 1000).toFixed(1)} CPU s; the ${top} most CPU-heavy (CPU s, wall s):`);
  for (const s of statements.sort((a, b) => b.cpuMs - a.cpuMs).slice(0, top)) {
    console.log(`  ${(s.cpuMs / 1000).toFixed(1).padStart(7)} ${(s.ms / 1000).toFixed(1).padStart(7)}  ${shortSql(s.sql)}`);
  }
}

function shortSql(sql: string): string {
  return sql.replace(/\\"/g, '"').slice(0, 110);
}

/**
 * The samples with the highest RSS, each with what DuckDB accounts for and the identity statement
 * that was running (the next one logged after it: statements are logged when they end).
 */
function printPeakSamples(log: string): void {
  const lines = log.split('\n');
  const samples: { sample: Sample; running: string }[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith('{"sample":')) return;
    const next = lines.slice(i + 1).find((l) => STATEMENT_LINE.test(l) || STEP_LINE.test(l) || l.startsWith('{"result":'));
    const statement = next ? STATEMENT_LINE.exec(next) : null;
    const step = next ? STEP_LINE.exec(next) : null;
    const running = statement ? shortSql(statement[3]!) : step ? `(step: ${step[1] ?? step[2]})` : '(after the last step)';
    samples.push({ sample: (JSON.parse(line) as { sample: Sample }).sample, running });
  });
  const gap = (s: Sample) => s.rss - s.duck;
  const line = ({ sample: s, running }: { sample: Sample; running: string }) =>
    `  ${s.t.toFixed(0).padStart(5)} ${String(s.rss).padStart(6)} ${String(s.duck).padStart(6)} (${s.tags}) ${s.heap} ${s.external}; ${running}`;
  console.log(`  memory, ${samples.length} samples (MiB: t s, RSS, DuckDB (largest tags), Node heap, external; statement running)`);
  console.log('  highest RSS:');
  for (const sample of [...samples].sort((a, b) => b.sample.rss - a.sample.rss).slice(0, 5)) console.log(line(sample));
  console.log("  most RSS above DuckDB's own accounting:");
  for (const sample of [...samples].sort((a, b) => gap(b.sample) - gap(a.sample)).slice(0, 5)) console.log(line(sample));
}

export async function run(): Promise<void> {
  const small = measure(Number(process.env.CDP_BENCH_SCALE_STATEMENTS ?? 10_000));
  console.log(
    `${small.people.toLocaleString('en-US')} people: ${small.statements} identity SQL statements, identity ${small.identitySeconds.toFixed(2)} s, ` +
      `build ${small.buildSeconds.toFixed(2)} s (load ${small.load.toFixed(2)})`,
  );
  const results: Figures[] = [];
  for (const people of sizes()) {
    const figures = measure(people, TOP, SAMPLE_MS);
    results.push(figures);
    const millions = people / 1e6;
    const g = figures.generated;
    const generation = g
      ? `demo data ${g.generateSeconds.toFixed(1)} s (${g.generateCpuSeconds.toFixed(1)} CPU s, ${Math.round(g.rows / g.generateSeconds).toLocaleString('en-US')} rows/s, ` +
        `peak RSS ${g.peakRssMb} MiB, load ${g.load.toFixed(2)})`
      : 'demo data reused';
    console.log(
      `${people.toLocaleString('en-US').padStart(10)} people: build ${figures.buildSeconds.toFixed(1)} s (${(figures.buildSeconds / millions).toFixed(1)} s per 1M; ` +
        `${figures.buildCpuSeconds.toFixed(1)} CPU s, ${(figures.buildCpuSeconds / millions).toFixed(1)} per 1M), ` +
        `identity ${figures.identitySeconds.toFixed(1)} s in ${figures.statements} statements, build peak RSS ${figures.peakRssMb} MiB (load ${figures.load.toFixed(2)}); ${generation}`,
    );
    console.log(`             steps (s, CPU s): ${figures.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)} (${s.cpuSeconds.toFixed(1)})`).join(', ')}`);
  }
  if (results.length > 1) {
    const [first, last] = [results[0]!, results[results.length - 1]!];
    const growth = last.buildSeconds / last.people / (first.buildSeconds / first.people);
    const identityGrowth = last.identitySeconds / last.people / (first.identitySeconds / first.people);
    const cpuGrowth = last.buildCpuSeconds / last.people / (first.buildCpuSeconds / first.people);
    console.log(
      `time per 1M people ${first.people.toLocaleString('en-US')} -> ${last.people.toLocaleString('en-US')}: build x${growth.toFixed(2)} (CPU x${cpuGrowth.toFixed(2)}), identity x${identityGrowth.toFixed(2)}; ` +
        `build peak RSS x${(last.peakRssMb / first.peakRssMb).toFixed(2)}`,
    );
  }
}

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** In a child: `cdp demo` at `people` into the project in `dir`. */
async function generateChild(dir: string, people: number): Promise<Generated> {
  const project = await Project.load(dir);
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await generateDemo(await project.warehouse(), { people, seed: 42, referenceDate: new Date('2025-06-01T00:00:00Z'), schema: 'raw' });
    return {
      generateSeconds: (performance.now() - started) / 1000,
      generateCpuSeconds: cpuSecondsSince(cpu),
      rows: result.tables.reduce((sum, t) => sum + t.rows, 0),
      peakRssMb: peakRssMb(),
      load: loadavg()[0]!,
    };
  } finally {
    await project.close();
  }
}

/** In a fresh child: `cdp run` of the project in `dir`, on the warehouse generated before. */
async function buildChild(dir: string, sample: number): Promise<Built> {
  const project = await Project.load(dir);
  try {
    const warehouse = await project.warehouse();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const stopSampling = sample > 0 ? sampleMemory(warehouse, started, sample) : () => undefined;
    const summary = await runProject(project);
    stopSampling();
    return {
      buildSeconds: (performance.now() - started) / 1000,
      buildCpuSeconds: cpuSecondsSince(cpu),
      identitySeconds: summary.identity?.seconds ?? 0,
      statements: summary.identity?.statements ?? 0,
      steps: summary.steps,
      peakRssMb: peakRssMb(),
      load: loadavg()[0]!,
    };
  } finally {
    await project.close();
  }
}

/** Writes a `{"sample": ...}` line every `everyMs` ms (one at a time: a slow DuckDB answer skips ticks). */
function sampleMemory(warehouse: Warehouse, started: number, everyMs: number): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void warehouse
      .query<{ tag: string; bytes: number }>(`SELECT tag, memory_usage_bytes AS bytes FROM duckdb_memory() WHERE memory_usage_bytes > 0 ORDER BY bytes DESC`)
      .then((rows) => {
        const memory = process.memoryUsage();
        const sample: Sample = {
          t: (performance.now() - started) / 1000,
          rss: Math.round(currentRss() / MB),
          duck: Math.round(rows.reduce((sum, r) => sum + Number(r.bytes), 0) / MB),
          tags: rows
            .slice(0, 3)
            .map((r) => `${r.tag} ${Math.round(Number(r.bytes) / MB)}`)
            .join(', '),
          heap: Math.round(memory.heapUsed / MB),
          external: Math.round(memory.external / MB),
        };
        process.stdout.write(`${JSON.stringify({ sample })}\n`);
      })
      .finally(() => (busy = false));
  }, everyMs);
  return () => clearInterval(timer);
}

/** The resident set now (not the peak): from /proc on Linux, else what Node reports. */
function currentRss(): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage.rss();
}

if (process.env[CHILD_FLAG]) {
  const { mode, dir, people, sample } = JSON.parse(process.env[CHILD_FLAG]) as { mode: 'generate' | 'build'; dir: string; people: number; sample: number };
  const result = mode === 'generate' ? await generateChild(dir, people) : await buildChild(dir, sample);
  process.stdout.write(`${JSON.stringify({ result })}\n`);
}
