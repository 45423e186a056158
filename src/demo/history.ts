import { IdentityTables } from '../identity/tables.js';
import type { Project } from '../project/index.js';
import { backfillAudienceHistory, backfillSyncHistory } from './activity.js';
import type { Dialect } from '../warehouse/index.js';

const DAY_MS = 86_400_000;

/** The mode backfilled identity builds carry in `_identity_runs` (the dashboards show it). */
export const BACKFILL_MODE = 'backfill';

/**
 * Gives a fresh demo a history of identity builds, so its dashboards show a trend rather than
 * one point: for each of the `days` days before the demo's build, one `_identity_runs` row with
 * what a build at the end of that day would have counted — profiles whose first record is older,
 * identifiers first seen before — reconstructed set-based from the built graph in one statement.
 * The rows say `mode = 'backfill'` and are older than the real build, which stays the latest (its
 * config hash is the one incremental builds compare with). Merges are not reconstructed (0).
 */
export async function backfillIdentityHistory(project: Project, options: { days: number; before: Date }): Promise<number> {
  const warehouse = await project.warehouse();
  const t = new IdentityTables(project.schema);
  const runs = t.state('runs');
  if (!(await warehouse.relationExists(runs))) return 0;
  const d = warehouse.dialect;
  const [latest] = await warehouse.query(`SELECT config_hash FROM ${d.relation(runs)} ORDER BY finished_at DESC ${d.limit(1)}`);
  if (!latest) return 0;
  // Never after now: the real build (just finished) must stay the latest run.
  const lastDay = Math.floor(Math.min(options.before.getTime(), Date.now()) / DAY_MS) * DAY_MS;
  const dayEnds = Array.from({ length: options.days }, (_, i) => new Date(lastDay - (options.days - 1 - i) * DAY_MS - 1));
  await warehouse.execute(backfillSql(d, t, dayEnds, String(latest.config_hash)));
  return dayEnds.length;
}

/** One `_identity_runs` row per day end: profiles whose first record and identifiers first seen by then. */
export function backfillSql(d: Dialect, t: IdentityTables, dayEnds: readonly Date[], configHash: string): string {
  const days = dayEnds.map((end) => `SELECT ${d.literal(end)} AS day_end`).join(' UNION ALL ');
  const resolved = d.relation(t.output('resolved'));
  const records = d.relation(t.state('records'));
  const graph = d.relation(t.output('graph'));
  return `INSERT INTO ${d.relation(t.state('runs'))} (started_at, finished_at, mode, config_hash, profiles, identifiers, rounds, seconds)
     WITH firsts AS (
       SELECT rr.profile_id, MIN(rec.ts) AS first_ts FROM ${resolved} rr
       JOIN ${records} rec ON rec.source = rr.source AND rec.record_key = rr.record_key
       WHERE rr.profile_id IS NOT NULL
       GROUP BY rr.profile_id
     ), days AS (${days})
     SELECT days.day_end, days.day_end, ${d.literal(BACKFILL_MODE)}, ${d.literal(configHash)},
       (SELECT COUNT(*) FROM firsts WHERE firsts.first_ts <= days.day_end),
       (SELECT COUNT(*) FROM ${graph} g WHERE g.first_seen <= days.day_end),
       0, 0
     FROM days`;
}

export interface DemoHistory {
  identityBuilds: number;
  audienceSnapshots: number;
  syncRuns: number;
}

/**
 * The demo's history for the dashboards: identity builds reconstructed from the data for the
 * `days` days before `before` (above: the data's own time, `--as-of`), audience sizes and sync
 * runs simulated and marked so for the `days` days before `now` (activity.ts: they are operations,
 * which happen in real time next to the real snapshot and runs), the sync runs following the
 * simulated audience changes.
 */
export async function backfillDemoHistory(project: Project, options: { days: number; before: Date; seed: number; now?: Date }): Promise<DemoHistory> {
  const identityBuilds = await backfillIdentityHistory(project, options);
  const activity = { days: options.days, before: options.now ?? new Date(), seed: options.seed };
  const audiences = await backfillAudienceHistory(project, activity);
  const syncRuns = await backfillSyncHistory(project, audiences, activity);
  const audienceSnapshots = [...audiences.values()].reduce((n, days) => n + days.length, 0);
  return { identityBuilds, audienceSnapshots, syncRuns };
}
