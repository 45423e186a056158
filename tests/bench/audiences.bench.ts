/**
 * Audience latency on DuckDB over synthetic profiles and events generated in SQL: for five
 * realistic audiences and one built from references to saved audiences, the time of `countAudience` and `previewAudience` (what the UI waits for),
 * and the compiled COUNT query against a hand-written equivalent, run side by side (alternating,
 * median of several rounds). Aim: compiled / hand-written <= 1.2. Both must count the same members.
 *
 *   CDP_BENCH_AUDIENCE_PROFILES  profiles (default 1,000,000; ~2 orders and ~5 web events each)
 *   CDP_BENCH_ROUNDS             measured rounds per side (default 5, after one warm-up each)
 *   CDP_BENCH_AUDIENCE_FILE=1    keep the warehouse in a DuckDB file instead of memory (slower to generate)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audienceCountSql, countAudience, previewAudience, saveAudience, type AudienceDefinition } from '../../src/audiences/index.js';
import { parseConfig } from '../../src/config/index.js';
import { Project } from '../../src/project/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';

const PROFILES = Number(process.env.CDP_BENCH_AUDIENCE_PROFILES ?? 1_000_000);
const ROUNDS = Number(process.env.CDP_BENCH_ROUNDS ?? 5);
const NOW = `(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')`;

interface Case {
  name: string;
  definition: AudienceDefinition;
  /** What a data engineer would write by hand for the same count. */
  handWritten: string;
}

const orderProfiles = (where: string, having: string) =>
  `SELECT r.profile_id FROM cdp.resolved_records r JOIN cdp.orders o ON r.record_key = CAST(o.order_id AS VARCHAR)
   WHERE r.source = 'orders' AND ${where} GROUP BY r.profile_id HAVING ${having}`;
const webProfiles = (where: string, having = 'COUNT(*) >= 1') =>
  `SELECT r.profile_id FROM cdp.resolved_records r JOIN cdp.web_events w ON r.record_key = w.event_id
   WHERE r.source = 'web_events' AND ${where} GROUP BY r.profile_id HAVING ${having}`;

export const CASES: Case[] = [
  {
    name: 'vip_recent_buyers',
    definition: {
      where: {
        all: [
          { trait: 'lifetime_value', op: 'gte', value: 500 },
          { any: [{ trait: 'country', op: 'in', value: ['US', 'CA'] }, { trait: 'email', op: 'ends_with', value: '@corp.io' }] },
          { event: 'order_completed', count: { op: 'gte', value: 2 }, within: { days: 90 }, where: { all: [{ property: 'amount', op: 'gt', value: 50 }] } },
        ],
      },
    },
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p
      WHERE p.lifetime_value >= 500 AND (p.country IN ('US', 'CA') OR ends_with(p.email, '@corp.io'))
        AND p.profile_id IN (${orderProfiles(`o.ordered_at >= ${NOW} - INTERVAL '90 day' AND o.amount > 50`, 'COUNT(*) >= 2')})`,
  },
  {
    name: 'lapsed_subscribers',
    definition: {
      where: { all: [{ trait: 'is_subscribed', op: 'is_true' }, { trait: 'last_seen_at', op: 'not_within_last', value: { days: 60 } }] },
    },
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p
      WHERE p.is_subscribed AND (p.last_seen_at IS NULL OR p.last_seen_at < ${NOW} - INTERVAL '60 day')`,
  },
  {
    name: 'cart_abandoners',
    definition: {
      where: {
        all: [
          { event: 'add_to_cart', within: { days: 7 } },
          { event: 'order_completed', count: { op: 'eq', value: 0 }, within: { days: 7 } },
        ],
      },
    },
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p
      WHERE p.profile_id IN (${webProfiles(`w.event = 'add_to_cart' AND w.ts >= ${NOW} - INTERVAL '7 day'`)})
        AND p.profile_id NOT IN (${orderProfiles(`o.ordered_at >= ${NOW} - INTERVAL '7 day'`, 'COUNT(*) >= 1')})`,
  },
  {
    name: 'engaged_outside_us',
    definition: {
      where: {
        all: [
          { event: 'page_view', count: { op: 'gte', value: 3 }, within: { days: 30 } },
          { trait: 'country', op: 'not_in', value: ['US'] },
        ],
      },
    },
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p
      WHERE (p.country IS NULL OR p.country <> 'US')
        AND p.profile_id IN (${webProfiles(`w.event = 'page_view' AND w.ts >= ${NOW} - INTERVAL '30 day'`, 'COUNT(*) >= 3')})`,
  },
  {
    name: 'new_signups_without_order',
    definition: {
      where: {
        all: [
          { trait: 'signup_date', op: 'within_last', value: { days: 180 } },
          { not: { event: 'order_completed' } },
          { any: [{ trait: 'email', op: 'contains', value: 'mail' }, { trait: 'orders_count', op: 'lt', value: 1 }] },
        ],
      },
    },
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p
      WHERE p.signup_date >= ${NOW} - INTERVAL '180 day'
        AND NOT EXISTS (SELECT 1 FROM cdp.resolved_records r WHERE r.source = 'orders' AND r.profile_id = p.profile_id)
        AND (contains(p.email, 'mail') OR p.orders_count < 1)`,
  },
  {
    // References compile to one CTE per audience: the cost of that against the same logic written flat.
    name: 'by_reference',
    definition: {
      where: {
        any: [
          { all: [{ audience: 'bench_vip' }, { audience: 'bench_engaged' }] },
          { all: [{ audience: 'bench_vip' }, { trait: 'country', op: 'eq', value: 'DE' }] },
        ],
      },
    },
    handWritten: `SELECT COUNT(*) AS n FROM cdp.profiles p
      WHERE p.lifetime_value >= 500 AND (p.country IN ('US', 'CA') OR ends_with(p.email, '@corp.io'))
        AND p.profile_id IN (${orderProfiles(`o.ordered_at >= ${NOW} - INTERVAL '90 day' AND o.amount > 50`, 'COUNT(*) >= 2')})
        AND (p.country = 'DE' OR ((p.country IS NULL OR p.country <> 'US')
          AND p.profile_id IN (${webProfiles(`w.event = 'page_view' AND w.ts >= ${NOW} - INTERVAL '30 day'`, 'COUNT(*) >= 3')})))`,
  },
];

/** Saved audiences the `by_reference` case refers to (the logic of the first and fourth cases). */
const SAVED = [
  { name: 'bench_vip', index: 0 },
  { name: 'bench_engaged', index: 3 },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

export async function generate(warehouse: Warehouse, profiles: number): Promise<void> {
  // Deterministic pseudo-random numbers: hash of the row number and a per-column salt.
  let salts = 0;
  const h = (_column: string, modulo: number) => `CAST(hash(i, ${++salts}) % ${modulo} AS BIGINT)`;
  await warehouse.execute('CREATE SCHEMA IF NOT EXISTS cdp');
  await warehouse.execute(`CREATE OR REPLACE TABLE cdp.profiles AS
    SELECT 'p' || i AS profile_id,
           CASE WHEN ${h('e', 10)} = 0 THEN NULL ELSE 'user' || i || CASE ${h('d', 4)} WHEN 0 THEN '@corp.io' WHEN 1 THEN '@gmail.com' ELSE '@mail.example' END END AS email,
           CASE WHEN ${h('c', 20)} = 0 THEN NULL ELSE ['US', 'CA', 'GB', 'DE', 'FR', 'ES', 'BR', 'JP'][1 + ${h('c2', 8)}] END AS country,
           CAST(${h('v', 200000)} AS DOUBLE) / 100 AS lifetime_value,
           CAST(${h('o', 6)} AS BIGINT) AS orders_count,
           ${h('s', 3)} <> 0 AS is_subscribed,
           CASE WHEN ${h('l', 15)} = 0 THEN NULL ELSE CAST(${NOW} AS TIMESTAMP) - to_seconds(CAST(${h('l2', 31536000)} AS BIGINT)) END AS last_seen_at,
           CAST(CAST(${NOW} AS TIMESTAMP) - to_days(CAST(${h('g', 1500)} AS INTEGER)) AS DATE) AS signup_date
    FROM range(${profiles}) t(i)`);
  // ~2 orders and ~5 web events per profile, spread over the last year.
  await warehouse.execute(`CREATE OR REPLACE TABLE cdp.orders AS
    SELECT i AS order_id, 'p' || ${h('op', profiles)} AS customer, CAST(${h('a', 30000)} AS DOUBLE) / 100 AS amount,
           CASE WHEN ${h('ch', 3)} = 0 THEN 'pos' ELSE 'web' END AS channel,
           CAST(${NOW} AS TIMESTAMP) - to_seconds(CAST(${h('ot', 31536000)} AS BIGINT)) AS ordered_at
    FROM range(${profiles * 2}) t(i)`);
  await warehouse.execute(`CREATE OR REPLACE TABLE cdp.web_events AS
    SELECT 'w' || i AS event_id, 'p' || ${h('wp', profiles)} AS visitor,
           ['page_view', 'page_view', 'page_view', 'add_to_cart', 'signup'][1 + ${h('ev', 5)}] AS event,
           '/page/' || ${h('u', 50)} AS page_url,
           CAST(${NOW} AS TIMESTAMP) - to_seconds(CAST(${h('wt', 31536000)} AS BIGINT)) AS ts
    FROM range(${profiles * 5}) t(i)`);
  await warehouse.execute(`CREATE OR REPLACE TABLE cdp.resolved_records AS
    SELECT 'orders' AS source, CAST(order_id AS VARCHAR) AS record_key, customer AS profile_id FROM cdp.orders
    UNION ALL SELECT 'web_events', event_id, visitor FROM cdp.web_events`);
}

/** The project over `generate`'s tables: web events and orders, stitched by identity. */
export function benchProject(dir: string, warehousePath: string): Project {
  const config = parseConfig({
    warehouse: { type: 'duckdb', path: warehousePath },
    schema: 'cdp',
    identity: {
      sources: [
        { name: 'web_events', relation: 'cdp.web_events', key: 'event_id', timestamp: 'ts', ids: { anonymous_id: 'visitor' } },
        { name: 'orders', relation: 'cdp.orders', key: 'order_id', timestamp: 'ordered_at', ids: { user_id: 'customer' } },
      ],
      idTypes: { anonymous_id: { priority: 2 }, user_id: { priority: 1 } },
    },
    events: [
      { source: 'web_events', name: 'event' },
      { source: 'orders', name: "'order_completed'" },
    ],
    state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
  });
  return new Project(dir, join(dir, 'cdp.config.ts'), config);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-bench-audiences-'));
  const project = benchProject(dir, process.env.CDP_BENCH_AUDIENCE_FILE === '1' ? join(dir, 'warehouse.duckdb') : ':memory:');
  try {
    const warehouse = await project.warehouse();
    const [, generateMs] = await timed(() => generate(warehouse, PROFILES));
    process.stdout.write(
      `generated ${PROFILES.toLocaleString('en-US')} profiles, ${(PROFILES * 2).toLocaleString('en-US')} orders, ${(PROFILES * 5).toLocaleString('en-US')} web events in ${(generateMs / 1000).toFixed(1)} s\n`,
    );
    await countAudience(project, CASES[0]!.definition); // fills the catalog cache (columns, event names)
    for (const saved of SAVED) await saveAudience(project, { name: saved.name, where: CASES[saved.index]!.definition.where });

    const header = ['audience', 'members', 'count ms', 'preview ms', 'compiled ms', 'hand ms', 'ratio', 'best-of ratio'];
    const lines: string[][] = [];
    const ratios: number[] = [];
    for (const c of CASES) {
      const compiled = await audienceCountSql(project, c.definition);
      const [members] = await timed(() => countAudience(project, c.definition));
      const hand = Number((await warehouse.query<{ n: number }>(c.handWritten))[0]!.n);
      if (hand !== members) throw new Error(`${c.name}: compiled counts ${members}, hand-written ${hand}`);
      const counts: number[] = [];
      const previews: number[] = [];
      const compiledTimes: number[] = [];
      const handTimes: number[] = [];
      await warehouse.query(compiled); // warm-up both
      for (let round = 0; round < ROUNDS; round++) {
        compiledTimes.push((await timed(() => warehouse.query(compiled)))[1]);
        handTimes.push((await timed(() => warehouse.query(c.handWritten)))[1]);
        counts.push((await timed(() => countAudience(project, c.definition)))[1]);
        previews.push((await timed(() => previewAudience(project, c.definition, { limit: 20, traits: ['email', 'country', 'lifetime_value'] })))[1]);
      }
      const ratio = median(compiledTimes) / median(handTimes);
      const best = Math.min(...compiledTimes) / Math.min(...handTimes); // less sensitive to other load
      ratios.push(ratio);
      lines.push([
        c.name,
        members.toLocaleString('en-US'),
        median(counts).toFixed(0),
        median(previews).toFixed(0),
        median(compiledTimes).toFixed(0),
        median(handTimes).toFixed(0),
        ratio.toFixed(2),
        best.toFixed(2),
      ]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    process.stdout.write(`${format(header)}\n${lines.map(format).join('\n')}\n`);
    const worst = Math.max(...ratios);
    process.stdout.write(
      `compiled / hand-written (median of ${ROUNDS} rounds): worst ${worst.toFixed(2)}, geometric mean ${Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length).toFixed(2)} (aim <= 1.2)\n`,
    );
  } finally {
    await project.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
