import type { CdpConfigInput } from '../../../src/config/index.js';
import { generateDemo, SOURCE_TABLES } from '../../../src/demo/index.js';
import { buildIdentity, type IdentityBuildResult } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { openDuckDb, TestProject } from './helpers.js';

export interface DemoAccuracy {
  people: number;
  records: number;
  profiles: number;
  /** Of the record pairs put in one profile, the share that are one true person. */
  precision: number;
  /** Of the record pairs of one true person, the share put in one profile. */
  recall: number;
  /**
   * Pairs of people who both signed in on one shared app device and whose signed-in records ended
   * up in one profile. (Anonymous sessions on a shared tablet stay with the tablet, or with the one
   * person who signs in on it: deterministically indistinguishable, they count against precision.)
   */
  sharedDeviceMerges: number;
  /** Junk values (placeholders) in the identity graph. */
  junkInGraph: number;
  seconds: number;
}

/** Generates the demo into `raw` and builds identity into `out` with the root config's identity and profiles. */
export async function buildDemoIdentity(wh: Warehouse, people: number, schemas: { raw: string; out: string }): Promise<IdentityBuildResult> {
  await generateDemo(wh, { people, seed: 7, referenceDate: new Date(Date.UTC(2025, 0, 1)), schema: schemas.raw });
  const d = wh.dialect;
  await wh.createSchema(schemas.out);
  for (const table of SOURCE_TABLES) {
    // Views stand in for the staging models (which only cast and rename lightly; identity normalises).
    const view = { schema: schemas.out, name: `stg_${table.name}` };
    for (const statement of d.createOrReplaceViewAs(view, `SELECT * FROM ${d.relation({ schema: schemas.raw, name: table.name })}`)) await wh.execute(statement);
  }
  // The file is validated by TestProject (parseConfig); its literal type is narrower than the input type.
  const root = (await import('../../../cdp.config.js')).default as unknown as CdpConfigInput;
  const config: CdpConfigInput = { ...root, warehouse: { type: 'duckdb', path: ':memory:' }, schema: schemas.out };
  return buildIdentity(new TestProject(config, wh), { full: true });
}

/**
 * Generates the demo (raw tables and raw.demo_truth), builds identity with the demo project's own
 * config (root cdp.config.ts) over views standing in for the staging models, and scores the result
 * against the truth with pairwise precision and recall over records.
 */
export async function demoAccuracy(people: number, warehouse?: Warehouse, schemas = { raw: 'raw', out: 'cdp' }): Promise<DemoAccuracy> {
  const own = !warehouse;
  const wh = warehouse ?? (await openDuckDb());
  try {
    const result = await buildDemoIdentity(wh, people, schemas);
    const q = (sql: string) => sql.replaceAll('raw.', `${wh.dialect.quoteIdent(schemas.raw)}.`).replaceAll('cdp.', `${wh.dialect.quoteIdent(schemas.out)}.`);
    const double = wh.dialect.typeName('number');
    const [scores] = await wh.query<{ records: number; predicted: number; truth: number; both: number }>(q(`
      WITH rp AS (
        SELECT t.person_id, COALESCE(r.profile_id, 'none:' || r.source || ':' || r.record_key) AS profile_id
        FROM raw.demo_truth t JOIN cdp.resolved_records r ON r.source = t.source AND r.record_key = t.record_key
      ),
      cell AS (SELECT person_id, profile_id, COUNT(*) AS n FROM rp GROUP BY person_id, profile_id),
      prof AS (SELECT profile_id, COUNT(*) AS n FROM rp GROUP BY profile_id),
      pers AS (SELECT person_id, COUNT(*) AS n FROM rp GROUP BY person_id)
      SELECT (SELECT COUNT(*) FROM rp) AS records,
             (SELECT SUM(CAST(n AS ${double}) * (n - 1) / 2) FROM prof) AS predicted,
             (SELECT SUM(CAST(n AS ${double}) * (n - 1) / 2) FROM pers) AS truth,
             (SELECT SUM(CAST(n AS ${double}) * (n - 1) / 2) FROM cell) AS both`));
    const [shared] = await wh.query<{ n: number }>(q(`
      WITH dev AS (
        SELECT DISTINCT a.device_id, t.person_id FROM raw.app_events a
        JOIN raw.demo_truth t ON t.source = 'app_events' AND t.record_key = CAST(a.event_id AS VARCHAR)
        WHERE a.user_id IS NOT NULL
      ),
      pairs AS (SELECT DISTINCT x.person_id AS p1, y.person_id AS p2 FROM dev x JOIN dev y ON x.device_id = y.device_id AND x.person_id < y.person_id),
      signed_in AS (
        SELECT 'app_events' AS source, CAST(event_id AS VARCHAR) AS record_key FROM raw.app_events WHERE user_id IS NOT NULL
        UNION ALL SELECT 'web_events', CAST(event_id AS VARCHAR) FROM raw.web_events WHERE user_id IS NOT NULL
      ),
      placed AS (
        SELECT DISTINCT t.person_id, r.profile_id FROM raw.demo_truth t
        JOIN signed_in s ON s.source = t.source AND s.record_key = t.record_key
        JOIN cdp.resolved_records r ON r.source = t.source AND r.record_key = t.record_key WHERE r.profile_id IS NOT NULL
      )
      SELECT COUNT(*) AS n FROM pairs p
      WHERE EXISTS (SELECT 1 FROM placed a JOIN placed b ON a.profile_id = b.profile_id WHERE a.person_id = p.p1 AND b.person_id = p.p2)`));
    const [junk] = await wh.query<{ n: number }>(q(`
      SELECT COUNT(*) AS n FROM cdp.identity_graph
      WHERE id_value IN ('test@test.com', 'noemail@example.com', 'na@na.com', 'n/a', 'null', 'unknown', 'none', '+10000000000', '+19999999999', '+11234567890')`));
    const s = scores!;
    return {
      people,
      records: Number(s.records),
      profiles: result.profiles,
      precision: Number(s.predicted) === 0 ? 1 : Number(s.both) / Number(s.predicted),
      recall: Number(s.truth) === 0 ? 1 : Number(s.both) / Number(s.truth),
      sharedDeviceMerges: Number(shared!.n),
      junkInGraph: Number(junk!.n),
      seconds: result.seconds,
    };
  } finally {
    if (own) await wh.close();
  }
}
