/**
 * The demo's backfilled identity history (src/demo/history.ts) on DuckDB and Postgres: one build
 * per earlier day, counted from the built graph, older than the real build, which stays the one
 * incremental builds compare with; both engines count the same.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../../src/demo/index.js';
import { backfillIdentityHistory, BACKFILL_MODE } from '../../../src/demo/history.js';
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
  let project: Project | undefined;

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
    expect(await backfillIdentityHistory(project, { days: DAYS, before: REFERENCE_DATE })).toBe(DAYS);
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
});

describe('DuckDB and Postgres', () => {
  it('reconstruct the same history', () => {
    expect(results.get('duckdb')).toBeDefined();
    expect(results.get('postgres')).toEqual(results.get('duckdb'));
  });
});
