/**
 * The SQL identity sends to BigQuery and Snowflake, checked offline: a full and an incremental
 * build run on a small DuckDB demo (the reference), then replayed with each dialect; every
 * statement is analyzed by ZetaSQL (BigQuery) or parsed with the Snowflake grammar and function list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Project } from '../../../src/project/index.js';
import { SOURCE_TABLES } from '../../../src/demo/index.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from '../../sqlcheck/check.js';
import { DemoSession, type Replay } from '../../sqlcheck/collect.js';
import { bigQueryCatalogOf, type DemoCatalog } from '../../sqlcheck/demo-catalog.js';
import { ZetaSqlServer } from '../../sqlcheck/zetasql.js';

/** Views stand in for the staging models (built by the models stream, not under test here). */
async function stageViews(project: Project): Promise<void> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  await warehouse.createSchema(project.modelSchema);
  for (const table of SOURCE_TABLES) {
    const view = { schema: project.modelSchema, name: `stg_${table.name}` };
    for (const sql of d.createOrReplaceViewAs(view, `SELECT * FROM ${d.relation({ schema: 'raw', name: table.name })}`)) await warehouse.execute(sql);
  }
}

describe('identity SQL on BigQuery and Snowflake (offline checkers)', () => {
  let session: DemoSession;
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    session = await DemoSession.start(150);
    zeta = await ZetaSqlServer.start();
  });
  afterAll(async () => {
    zeta?.stop();
    await session?.close();
  });

  async function check(replays: Record<'bigquery' | 'snowflake', Replay>, catalog: DemoCatalog): Promise<void> {
    for (const engine of ['bigquery', 'snowflake'] as const) {
      const replay = replays[engine];
      expect(replay.error).toBeNull();
      expect(replay.divergences).toEqual([]);
      const report = engine === 'bigquery' ? await checkBigQuery(zeta, bigQueryCatalogOf(catalog), replay.statements) : await checkSnowflakeAll(replay.statements);
      expect(report.checked).toBeGreaterThan(50);
      expect(describeFailures(report)).toEqual([]);
    }
  }

  it('a full build, then an incremental one', async () => {
    const before = await session.catalog();
    const full = await session.tapeAndReplay(async (project) => {
      await stageViews(project);
      return buildIdentity(project, { full: true });
    });
    expect(full.result.profiles).toBeGreaterThan(100);
    await check(full.replays, before);

    // New rows (a copy of some events, later and under new keys) for the incremental build.
    await session.warehouse.execute(
      `INSERT INTO raw.web_events SELECT event_id || '-again', anonymous_id, user_id, email, event, page_url, ts + INTERVAL 400 DAY FROM raw.web_events WHERE user_id IS NOT NULL LIMIT 50`,
    );
    const afterFull = await session.catalog();
    const incremental = await session.tapeAndReplay((project) => buildIdentity(project));
    expect(incremental.result.mode).toBe('incremental');
    await check(incremental.replays, afterFull);
  });
});
