/**
 * The demo's history (src/demo/history.ts, activity.ts) on DuckDB and Postgres: one identity build
 * per earlier day, counted from the built graph, older than the real build, which stays the one
 * incremental builds compare with; both engines count the same. Simulated daily audience sizes
 * lead consistently to the real snapshot and are marked; simulated sync runs (trigger backfill)
 * fill the sync charts with every outcome and a match rate, never stand for a sync's last run,
 * and a second demo replaces them.
 */
import { randomBytes } from 'node:crypto';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../../src/demo/index.js';
import { audienceSizeHistory } from '../../../src/audiences/index.js';
import { backfillDemoHistory, BACKFILL_MODE } from '../../../src/demo/history.js';
import { SIMULATED_TRIGGER, SyncHistory } from '../../../src/state/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { Project } from '../../../src/project/index.js';
import { HistoryService } from '../../../src/server/services/history.js';
import { REFERENCE_DATE, ROOT, tempProject } from './project.js';

const PG = process.env.CDP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// The demo's models read the fixed schema `raw`: Postgres gets a database of its own.
const DATABASE = `t_demohist_${randomBytes(5).toString('hex')}`;
const PG_DB = Object.assign(new URL(PG), { pathname: `/${DATABASE}` }).toString();

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
const DAYS = 10;
const results = new Map<string, unknown>();

describe.each([
  { name: 'duckdb', warehouse: () => "{ type: 'duckdb', path: '.cdp/warehouse.duckdb' }" },
  { name: 'postgres', warehouse: () => `{ type: 'postgres', connection: '${PG_DB}' }` },
])('demo identity history on $name', ({ name, warehouse }) => {
  const temp = tempProject(
    `import base from '${ROOT}/cdp.config.ts';\nexport default { ...base, warehouse: ${warehouse()}, state: { client: 'better-sqlite3', filename: '.cdp/state.sqlite' } };\n`,
  );
  cpSync(join(ROOT, 'syncs'), join(temp.dir, 'syncs'), { recursive: true });
  let project: Project | undefined;
  const now = new Date('2026-03-10T12:00:00Z');

  afterAll(async () => {
    await project?.close();
    if (name === 'postgres') await admin(`DROP DATABASE IF EXISTS ${DATABASE}`);
    temp.remove();
  });

  it('adds one earlier build per day, growing to the real build, which stays the latest', async () => {
    if (name === 'postgres') await admin(`CREATE DATABASE ${DATABASE}`);
    project = await Project.load(temp.dir);
    const w = await project.warehouse();
    await generateDemo(w, { people: 150, seed: 3, referenceDate: REFERENCE_DATE });
    await runProject(project);
    const written = await backfillDemoHistory(project, { days: DAYS, before: REFERENCE_DATE, seed: 3, now });
    expect(written.identityBuilds).toBe(DAYS);
    const history = new HistoryService(project, (await project.state()).knex);
    const builds = await history.identityBuilds(100);
    expect(builds).toHaveLength(DAYS + 1);
    const [real] = builds.slice(-1);
    const backfilled = builds.slice(0, -1);
    expect(backfilled.every((b) => b.mode === BACKFILL_MODE)).toBe(true);
    expect(real!.mode).toBe('full');
    // One per day, ending the day before the reference date; never shrinking; never above the real build.
    expect(backfilled.map((b) => b.finishedAt.slice(0, 10))).toEqual(Array.from({ length: DAYS }, (_, i) => new Date(REFERENCE_DATE.getTime() - (DAYS - i) * 86_400_000).toISOString().slice(0, 10)));
    for (let i = 1; i < backfilled.length; i++) expect(backfilled[i]!.profiles).toBeGreaterThanOrEqual(backfilled[i - 1]!.profiles);
    expect(backfilled.at(-1)!.profiles).toBeLessThanOrEqual(real!.profiles);
    expect(backfilled.at(-1)!.identifiers).toBeLessThanOrEqual(real!.identifiers);
    expect(backfilled[0]!.profiles).toBeGreaterThan(0);
    // A rebuild still sees the real build's config: incremental, nothing to redo.
    const again = await runProject(project);
    expect(again.identity?.mode).toBe('incremental');
    results.set(name, backfilled.map(({ profiles, identifiers, finishedAt }) => ({ profiles, identifiers, finishedAt })));
  });

  it('simulates daily audience sizes leading to the real snapshot, marked simulated', async () => {
    // churn_risk has members in this small demo (the recent-buyer audiences are empty as of its date).
    const points = [...(await audienceSizeHistory(project!, 'churn_risk', { limit: 100 }))].reverse();
    const simulated = points.filter((p) => p.simulated);
    const real = points.filter((p) => !p.simulated);
    expect(simulated).toHaveLength(DAYS);
    expect(real.length).toBeGreaterThanOrEqual(1);
    expect(simulated.map((p) => p.at.toISOString())).toEqual(Array.from({ length: DAYS }, (_, i) => new Date(Date.UTC(2026, 2, 10 - DAYS + i) - 1 + 86_400_000).toISOString()));
    // Each simulated day follows from the one before; the last one is the size the real snapshot found.
    for (let i = 1; i < simulated.length; i++) expect(simulated[i]!.size).toBe(simulated[i - 1]!.size + simulated[i]!.entered - simulated[i]!.left);
    expect(simulated.at(-1)!.size).toBe(real[0]!.size);
    expect(real[0]!.size).toBeGreaterThan(0);
    expect(simulated.some((p) => p.entered > 0) && simulated.some((p) => p.left > 0)).toBe(true);
    results.set(`${name}:audience`, simulated.map(({ size, entered, left }) => ({ size, entered, left })));
  });

  it('simulates sync runs per day through the run history: every outcome, rows, durations, match rates; never the last run', async () => {
    const knex = (await project!.state()).knex;
    const history = new HistoryService(project!, knex);
    const days = await history.syncDays(DAYS + 5, null, now.getTime());
    expect(days).toHaveLength(DAYS);
    expect(days.every((d) => d.simulated === d.runs && d.runs > 0)).toBe(true);
    const total = (key: 'success' | 'partial' | 'failed' | 'ok' | 'rejected') => days.reduce((n, d) => n + d[key], 0);
    expect(total('success')).toBeGreaterThan(total('partial') + total('failed'));
    expect(total('partial') + total('failed')).toBeGreaterThan(0);
    expect(total('ok')).toBeGreaterThan(0);
    expect(total('rejected')).toBeGreaterThan(0);
    expect(days.every((d) => d.avgMs !== null && d.avgMs > 0)).toBe(true);
    expect(days.some((d) => d.matchRate !== null && d.matchRate > 0.5 && d.matchRate <= 1)).toBe(true);
    const runs = new SyncHistory(knex);
    const vip = await runs.runs('vip_to_file', { limit: 500 });
    // vip_to_file runs every 6 hours: four a day.
    expect(vip).toHaveLength(DAYS * 4);
    expect(vip.every((r) => r.trigger === SIMULATED_TRIGGER && r.finishedAt !== null)).toBe(true);
    expect((await runs.latestRuns()).size).toBe(0);
    // A second demo replaces the simulated runs instead of adding to them.
    await backfillDemoHistory(project!, { days: DAYS, before: REFERENCE_DATE, seed: 3, now });
    expect(await runs.runs('vip_to_file', { limit: 500 })).toHaveLength(DAYS * 4);
    expect((await history.syncDays(DAYS + 5, null, now.getTime())).map(({ runs: n, ok }) => ({ n, ok }))).toEqual(days.map(({ runs: n, ok }) => ({ n, ok })));
    results.set(`${name}:syncs`, days);
  });
});

describe('DuckDB and Postgres', () => {
  it('reconstruct and simulate the same history', () => {
    for (const part of ['', ':audience', ':syncs']) {
      expect(results.get(`duckdb${part}`), part).toBeDefined();
      expect(results.get(`postgres${part}`), part).toEqual(results.get(`duckdb${part}`));
    }
  });
});
