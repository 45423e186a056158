/**
 * Scale: `cdp demo` data at N people, then the whole `cdp run` (models, identity, profiles,
 * audience snapshots) of the demo project, each size in a fresh child process so its peak RSS is
 * its own (DuckDB runs in-process: the figure includes it). Prints per size the build time, the
 * identity step, its SQL statement count, the time per 1M people and the peak RSS; then the growth
 * of the time per 1M people from the smallest size to the largest (the target: <= 10%).
 *
 *   CDP_BENCH_SCALE_PEOPLE  comma-separated sizes (default 100000,300000; with CDP_BENCH_LARGE=1 also 1000000)
 *   CDP_BENCH_SCALE_STATEMENTS  people for the statement-count run (default 10000)
 *   CDP_BENCH_SCALE_TOP  also print, per size, the N identity statements that took the most CPU
 *                        (from the identity SQL debug log: wall and process CPU ms per statement)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemo } from '../../src/demo/index.js';
import { runProject } from '../../src/pipeline/index.js';
import { Project } from '../../src/project/index.js';

const CHILD_FLAG = 'CDP_SCALE_BENCH_CHILD';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Figures {
  people: number;
  generateSeconds: number;
  buildSeconds: number;
  /** CPU seconds of the build (all threads): steadier than wall time on a shared machine. */
  buildCpuSeconds: number;
  identitySeconds: number;
  statements: number;
  peakRssMb: number;
  load: number;
}

function sizes(): number[] {
  if (process.env.CDP_BENCH_SCALE_PEOPLE) return process.env.CDP_BENCH_SCALE_PEOPLE.split(',').map((s) => Number(s.trim()));
  return process.env.CDP_BENCH_LARGE === '1' ? [100_000, 300_000, 1_000_000] : [100_000, 300_000];
}

const TOP = Number(process.env.CDP_BENCH_SCALE_TOP ?? 0);

function measure(people: number, top = 0): Figures {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: ROOT,
    // The debug log (one line per identity statement) only when the top statements are asked for.
    env: { ...process.env, [CHILD_FLAG]: String(people), CDP_LOG_LEVEL: top > 0 ? 'debug' : 'silent' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
  if (child.status !== 0 || !line) throw new Error(`scale bench child for ${people} people failed:\n${child.stderr}`);
  if (top > 0) printTopStatements(child.stdout, top);
  return JSON.parse(line) as Figures;
}

/** The identity statements that took the most CPU, from the child's debug log lines (`identity sql ms=.. cpuMs=.. sql=".."`). */
function printTopStatements(log: string, top: number): void {
  const statements = [...log.matchAll(/identity sql ms=(\d+) cpuMs=(\d+) sql="(.*)"$/gm)].map((m) => ({ ms: Number(m[1]), cpuMs: Number(m[2]), sql: m[3]! }));
  const cpu = statements.reduce((sum, s) => sum + s.cpuMs, 0);
  console.log(`  identity statements: ${statements.length}, ${(cpu / 1000).toFixed(1)} CPU s; the ${top} most CPU-heavy (CPU s, wall s):`);
  for (const s of statements.sort((a, b) => b.cpuMs - a.cpuMs).slice(0, top)) {
    console.log(`  ${(s.cpuMs / 1000).toFixed(1).padStart(7)} ${(s.ms / 1000).toFixed(1).padStart(7)}  ${s.sql.replace(/\\"/g, '"').slice(0, 110)}`);
  }
}

export async function run(): Promise<void> {
  const small = measure(Number(process.env.CDP_BENCH_SCALE_STATEMENTS ?? 10_000));
  console.log(
    `${small.people.toLocaleString('en-US')} people: ${small.statements} identity SQL statements, identity ${small.identitySeconds.toFixed(2)} s, ` +
      `build ${small.buildSeconds.toFixed(2)} s (load ${small.load.toFixed(2)})`,
  );
  const results: Figures[] = [];
  for (const people of sizes()) {
    const figures = measure(people, TOP);
    results.push(figures);
    const perMillion = figures.buildSeconds / (people / 1e6);
    console.log(
      `${people.toLocaleString('en-US').padStart(10)} people: build ${figures.buildSeconds.toFixed(1)} s (${perMillion.toFixed(1)} s per 1M; ` +
        `${figures.buildCpuSeconds.toFixed(1)} CPU s, ${(figures.buildCpuSeconds / (people / 1e6)).toFixed(1)} per 1M), ` +
        `identity ${figures.identitySeconds.toFixed(1)} s in ${figures.statements} statements, demo data ${figures.generateSeconds.toFixed(1)} s, ` +
        `peak RSS ${figures.peakRssMb} MB (load ${figures.load.toFixed(2)})`,
    );
  }
  if (results.length > 1) {
    const [first, last] = [results[0]!, results[results.length - 1]!];
    const growth = last.buildSeconds / last.people / (first.buildSeconds / first.people);
    const identityGrowth = last.identitySeconds / last.people / (first.identitySeconds / first.people);
    const cpuGrowth = last.buildCpuSeconds / last.people / (first.buildCpuSeconds / first.people);
    console.log(
      `time per 1M people ${first.people.toLocaleString('en-US')} -> ${last.people.toLocaleString('en-US')}: build x${growth.toFixed(2)} (CPU x${cpuGrowth.toFixed(2)}), identity x${identityGrowth.toFixed(2)}; ` +
        `peak RSS x${(last.peakRssMb / first.peakRssMb).toFixed(2)}`,
    );
  }
}

/** In the child: the demo project in a temporary directory, generated and built once. */
async function child(people: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-scale-'));
  try {
    for (const part of ['cdp.config.ts', 'models', 'audiences']) cpSync(join(ROOT, part), join(dir, part), { recursive: true });
    const project = await Project.load(dir);
    try {
      const warehouse = await project.warehouse();
      let started = performance.now();
      await generateDemo(warehouse, { people, seed: 42, referenceDate: new Date('2025-06-01T00:00:00Z'), schema: 'raw' });
      const generateSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      const cpu = process.cpuUsage();
      const summary = await runProject(project);
      const buildSeconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const figures: Figures = {
        people,
        generateSeconds,
        buildSeconds,
        buildCpuSeconds: (used.user + used.system) / 1e6,
        identitySeconds: summary.identity?.seconds ?? 0,
        statements: summary.identity?.statements ?? 0,
        peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        load: loadavg()[0]!,
      };
      process.stdout.write(`${JSON.stringify(figures)}\n`);
    } finally {
      await project.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.env[CHILD_FLAG]) await child(Number(process.env[CHILD_FLAG]));
