import type { Knex } from 'knex';
import type { Project } from '../project/index.js';
import { pruneLog, syncTables } from '../syncs/index.js';
import { SyncHistory } from '../state/index.js';

const DAY_MS = 86_400_000;
const LOG_PREFIX = 'sync_log_';

/** Days raw run logs are kept: CDP_SYNC_LOG_RETENTION_DAYS when set, else `privacy.retentionDays` (default 30). */
export function logRetentionDays(project: Project, env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = Number(env.CDP_SYNC_LOG_RETENTION_DAYS);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : (project.config.privacy?.retentionDays ?? 30);
}

export interface RetentionReport {
  cutoff: Date;
  /** Failed-row entries deleted from the state store's sync_row_log. */
  rowLogEntries: number;
  /** Runs whose per-row details (first errors: row keys and vendor reasons) were cleared; their counts stay. */
  runDetails: number;
  /** Warehouse `sync_log_<sync>` tables pruned (one per sync that ever ran, deleted syncs included). */
  warehouseLogs: number;
}

/**
 * Deletes raw run logs older than the retention window, for every sync, whether it runs or not:
 * the state store's failed-row log and the row details of old runs, and each warehouse per-row log.
 * Runs themselves (status, counts) stay as history. Each step is one set-based statement.
 */
export async function pruneRunLogs(project: Project, knex: Knex, options: { days?: number; now?: Date } = {}): Promise<RetentionReport> {
  const days = options.days ?? logRetentionDays(project);
  const cutoff = new Date((options.now ?? new Date()).getTime() - days * DAY_MS);
  const history = new SyncHistory(knex);
  const rowLogEntries = await history.prune(cutoff);
  const runDetails = await history.forgetRunDetails(cutoff);
  const warehouse = await project.warehouse();
  // Engines that fold names to upper case list `SYNC_LOG_X`: match the prefix case-insensitively, use the listed name.
  const logs = (await warehouse.listRelations(project.schema)).filter((r) => r.kind === 'table' && r.name.toLowerCase().startsWith(LOG_PREFIX));
  for (const log of logs) {
    const tables = syncTables(project.schema, log.name.slice(LOG_PREFIX.length));
    await pruneLog(warehouse, { ...tables, log: { schema: log.schema, name: log.name } }, cutoff);
  }
  return { cutoff, rowLogEntries, runDetails, warehouseLogs: logs.length };
}
