import type { Project } from '../project/index.js';
import type { Dialect, RelationRef, Warehouse } from '../warehouse/index.js';
import type { SyncTables } from './tables.js';

/**
 * The payload each run sent for each row, for the row debugger: the row log
 * (`sync_log_<sync>`) keeps the plan's `values_json` beside each row's outcome, written by the
 * same INSERT ... SELECT that folds a run's results into the log (no extra statement, no row
 * through Node). Payloads are personal data and much larger than a log row, so they are kept
 * only for a sync's last `privacy.syncPayloadRuns` runs (default 10; 0 keeps none): after a fold,
 * one UPDATE clears the runs that left that window (prunePayloads). The log's own retention (`privacy.retentionDays`) still deletes
 * whole rows, and a privacy deletion deletes a person's log rows, payloads with them.
 */

/** The log column holding the fields sent (as planned: before a destination's own encoding, such as hashing). */
export const PAYLOAD_COLUMN = 'values_json';

export const DEFAULT_PAYLOAD_RUNS = 10;

/** How many of a sync's most recent runs keep their payloads. */
export function payloadRuns(project: Project): number {
  return project.config.privacy?.syncPayloadRuns ?? DEFAULT_PAYLOAD_RUNS;
}

/** Adds the payload column to a log created before payloads were kept (one catalog lookup). */
export async function ensurePayloadColumn(warehouse: Warehouse, log: RelationRef): Promise<void> {
  if (await hasPayloadColumn(warehouse, log)) return;
  await warehouse.execute(payloadColumnSql(warehouse.dialect, log));
}

export function payloadColumnSql(d: Dialect, log: RelationRef): string {
  return `ALTER TABLE ${d.relation(log)} ADD COLUMN ${d.quoteIdent(PAYLOAD_COLUMN)} ${d.typeName('string')}`;
}

export async function hasPayloadColumn(warehouse: Warehouse, log: RelationRef): Promise<boolean> {
  if (!(await warehouse.relationExists(log))) return false;
  return (await warehouse.listColumns(log)).some((c) => c.name.toLowerCase() === PAYLOAD_COLUMN);
}

/** The runs in the log, newest first (by their last logged row): a scan of two narrow columns. */
export function payloadRunsSql(d: Dialect, log: RelationRef): string {
  return `SELECT run_id, MAX(attempted_at) AS last_at FROM ${d.relation(log)} GROUP BY run_id ORDER BY last_at DESC, run_id DESC`;
}

/**
 * Clears the payloads of every run but the `keep` most recent (by their last logged row). With
 * `before` (later than every logged row of the runs cleared), only older rows are looked at: the
 * kept runs' payloads — what a scan of the column costs — are mostly skipped.
 */
export function prunePayloadsSql(d: Dialect, log: RelationRef, keep: number, before?: Date): string {
  const rel = d.relation(log);
  const cleared = `UPDATE ${rel} SET ${PAYLOAD_COLUMN} = NULL WHERE ${PAYLOAD_COLUMN} IS NOT NULL${before ? ` AND attempted_at < ${d.literal(before)}` : ''}`;
  if (keep <= 0) return cleared;
  return (
    `${cleared} AND run_id NOT IN (SELECT run_id FROM ` +
    `(SELECT run_id, MAX(attempted_at) AS last_at FROM ${rel} GROUP BY run_id) runs ORDER BY last_at DESC, run_id DESC ${d.limit(keep)})`
  );
}

/**
 * Clears the payloads of runs that left the window of the last `keep` runs. Nothing is written
 * while the log holds `keep` runs or fewer; otherwise only rows up to the newest run that left are
 * looked at (the log is appended in time order, so the warehouse skips the rest), so a fold costs
 * in proportion to what it sent, not to the payloads kept.
 */
export async function prunePayloads(warehouse: Warehouse, tables: Pick<SyncTables, 'log'>, keep: number): Promise<void> {
  if (!(await hasPayloadColumn(warehouse, tables.log))) return;
  const runs = await warehouse.query<{ run_id: string; last_at: unknown }>(payloadRunsSql(warehouse.dialect, tables.log));
  const newestCleared = runs[Math.max(0, keep)];
  if (!newestCleared) return;
  // A millisecond past it: timestamps come back at millisecond precision.
  const before = newestCleared.last_at instanceof Date ? new Date(newestCleared.last_at.getTime() + 1) : undefined;
  await warehouse.execute(prunePayloadsSql(warehouse.dialect, tables.log, keep, before));
}
