/**
 * Issue #17's event conditions on DuckDB over the audiences bench's synthetic data (1M profiles,
 * 5M web events, 2M orders by default): a two-step sequence and a sum aggregate, each compiled
 * COUNT against a hand-written equivalent run side by side (alternating, median of the rounds;
 * aim compiled / hand-written <= 1.2), and the interactive count's p50 (`countAudience`, what the
 * builder waits for). Both sides must count the same members. Prints the load average.
 *
 *   CDP_BENCH_AUDIENCE_PROFILES  profiles (default 1,000,000)
 *   CDP_BENCH_ROUNDS             measured rounds per side (default 5, after one warm-up)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { audienceCountSql, countAudience, type AudienceDefinition } from '../../src/audiences/index.js';
import { benchProject, generate } from './audiences.bench.js';

const PROFILES = Number(process.env.CDP_BENCH_AUDIENCE_PROFILES ?? 1_000_000);
const ROUNDS = Number(process.env.CDP_BENCH_ROUNDS ?? 5);

const webOf = (event: string) =>
  `SELECT r.profile_id, w.ts FROM cdp.resolved_records r JOIN cdp.web_events w ON r.record_key = w.event_id WHERE r.source = 'web_events' AND w.event = '${event}'`;

const CASES: Array<{ name: string; definition: AudienceDefinition; handWritten: string }> = [
  {
    name: 'sequence: page_view, then add_to_cart within 1 day',
    definition: { where: { sequence: [{ event: 'page_view' }, { event: 'add_to_cart', within: { days: 1 } }], completed: true } },
    // A range join, as a data engineer writes "did B within a day after A".
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p WHERE p.profile_id IN (
      SELECT v.profile_id FROM (${webOf('page_view')}) v JOIN (${webOf('add_to_cart')}) c
        ON c.profile_id = v.profile_id AND c.ts > v.ts AND c.ts <= v.ts + INTERVAL '1 day')`,
  },
  {
    // No relative window: the data is dense at any edge "now" moves over between two queries.
    name: 'sum(amount) of orders >= 300',
    definition: { where: { event: 'order_completed', aggregate: { fn: 'sum', property: 'amount' }, op: 'gte', value: 300 } },
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p WHERE p.profile_id IN (
      SELECT r.profile_id FROM cdp.resolved_records r JOIN cdp.orders o ON r.record_key = CAST(o.order_id AS VARCHAR)
      WHERE r.source = 'orders' GROUP BY r.profile_id HAVING SUM(o.amount) >= 300)`,
  },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-audience-events-'));
  const project = benchProject(dir, ':memory:');
  try {
    const warehouse = await project.warehouse();
    const [, generateMs] = await timed(() => generate(warehouse, PROFILES));
    process.stdout.write(`generated ${PROFILES.toLocaleString('en-US')} profiles, ${(PROFILES * 5).toLocaleString('en-US')} web events, ${(PROFILES * 2).toLocaleString('en-US')} orders in ${(generateMs / 1000).toFixed(1)} s\n`);
    process.stdout.write(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    for (const c of CASES) {
      const compiled = await audienceCountSql(project, c.definition);
      const members = await countAudience(project, c.definition);
      const hand = Number((await warehouse.query<{ n: number }>(c.handWritten))[0]!.n);
      if (hand !== members) throw new Error(`${c.name}: compiled counts ${members}, hand-written ${hand}`);
      await warehouse.query(compiled);
      await warehouse.query(c.handWritten);
      const compiledTimes: number[] = [];
      const handTimes: number[] = [];
      const counts: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        compiledTimes.push((await timed(() => warehouse.query(compiled)))[1]);
        handTimes.push((await timed(() => warehouse.query(c.handWritten)))[1]);
        counts.push((await timed(() => countAudience(project, c.definition)))[1]);
      }
      process.stdout.write(
        `${c.name}: ${members.toLocaleString('en-US')} members; compiled ${median(compiledTimes).toFixed(0)} ms, hand-written ${median(handTimes).toFixed(0)} ms, ` +
          `ratio ${(median(compiledTimes) / median(handTimes)).toFixed(2)} (best-of ${(Math.min(...compiledTimes) / Math.min(...handTimes)).toFixed(2)}; aim <= 1.2); ` +
          `interactive count p50 ${median(counts).toFixed(0)} ms\n`,
      );
    }
    process.stdout.write(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  } finally {
    await project.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
