import type { Project } from '../project/index.js';
import { SyncHistory, type SyncRunRecord } from '../state/repositories/sync-runs.js';
import { loadSync, readSyncFiles, type PreparedSync } from './load.js';
import type { SyncFrom } from './definition.js';
import { readLog, readProgress, stateCounts, type LogEntry, type StateStatus } from './state.js';
import { syncTables } from './tables.js';

/** One line of `cdp sync list` / the UI's sync table. */
export interface SyncSummary {
  name: string;
  file: string | null;
  from: SyncFrom;
  destinationType: string;
  mode: string;
  schedule: string | null;
  lastRun: SyncRunRecord | null;
}

export interface SyncListing {
  syncs: SyncSummary[];
  /** Files that do not define a valid sync, with why. */
  invalid: Array<{ file: string; error: string }>;
}

function summary(sync: PreparedSync, lastRun: SyncRunRecord | null): SyncSummary {
  const d = sync.definition;
  return { name: d.name, file: sync.file, from: d.from, destinationType: d.destination.type, mode: d.mode, schedule: d.schedule, lastRun };
}

async function historyOf(project: Project): Promise<SyncHistory> {
  return new SyncHistory((await project.state()).knex);
}

export async function listSyncSummaries(project: Project, history?: SyncHistory): Promise<SyncListing> {
  const files = await readSyncFiles(project);
  const latest = await (history ?? (await historyOf(project))).latestRuns();
  return {
    syncs: files.filter((f) => f.sync).map((f) => summary(f.sync!, latest.get(f.sync!.definition.name) ?? null)),
    invalid: files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error!.oneLine() })),
  };
}

export interface SyncStatus extends SyncSummary {
  /** Rows per status in the sync's state table (what the destination has, and what failed). */
  state: Record<StateStatus, number>;
  /** The plan being worked through, when the last one did not finish. */
  unfinishedPlan: { planId: string; planned: number; committed: number; createdAt: Date } | null;
  recentRuns: SyncRunRecord[];
}

export async function getSyncStatus(project: Project, name: string, options: { history?: SyncHistory; runs?: number } = {}): Promise<SyncStatus> {
  const sync = await loadSync(project, name);
  const history = options.history ?? (await historyOf(project));
  const recentRuns = await history.runs(name, { limit: options.runs ?? 10 });
  const warehouse = await project.warehouse();
  const tables = syncTables(project.schema, name);
  const progress = await readProgress(warehouse, tables, history, name);
  return {
    ...summary(sync, recentRuns[0] ?? null),
    state: await stateCounts(warehouse, tables),
    unfinishedPlan:
      progress && !progress.done
        ? { planId: progress.planId, planned: progress.planned, committed: progress.committedSeq, createdAt: progress.createdAt }
        : null,
    recentRuns,
  };
}

export async function listSyncRuns(project: Project, name: string, options: { limit?: number; history?: SyncHistory } = {}): Promise<SyncRunRecord[]> {
  return (options.history ?? (await historyOf(project))).runs(name, { limit: options.limit });
}

export async function getSyncRun(project: Project, runId: string, options: { history?: SyncHistory } = {}): Promise<SyncRunRecord | undefined> {
  return (options.history ?? (await historyOf(project))).run(runId);
}

/**
 * What happened to rows of a sync, newest first, from the sync's log in the warehouse (every row
 * of every run in the retention window); filter by row key, run and/or status.
 */
export async function syncRowLog(
  project: Project,
  name: string,
  options: { key?: string; runId?: string; status?: LogEntry['status']; limit?: number; payloads?: boolean } = {},
): Promise<LogEntry[]> {
  const warehouse = await project.warehouse();
  return readLog(warehouse, syncTables(project.schema, name), options);
}
