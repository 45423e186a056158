import { randomUUID } from 'node:crypto';
import { snapshotAudienceIfStale, type AudienceSnapshot } from '../audiences/index.js';
import type { RetryPolicy, RunScope } from '../destinations/index.js';
import { CdpError, isCdpError } from '../errors.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import { executePlan } from './executor.js';
import { planFiltersFor, type PlanFilter } from './filters.js';
import { SyncHistory, type RowError, type RunCounts, type RunStatus, type RunTrigger } from './history.js';
import { takeSyncLease, type HeldSyncLease } from './lease.js';
import { loadSync, type PreparedSync } from './load.js';
import { buildPlan, inspectSource, samplePlan, type PlanCounts } from './planner.js';
import type { SecretResolver } from './secrets.js';
import { openDestination } from './session.js';
import { mapColumns, resolveSource } from './source.js';
import { compactPlan, ensureStateTables, pruneLog, readProgress, type Progress } from './state.js';
import { syncTables } from './tables.js';

export interface RunSyncOptions {
  /** Resend every current row, changed or not. */
  full?: boolean;
  /** Plan only: counts and a sample, nothing sent, state untouched. */
  dryRun?: boolean;
  trigger?: RunTrigger;
  /** Aborting stops sending new batches; batches in flight finish and are committed. */
  signal?: AbortSignal;
  /** How secret references are opened (default: environment variables only). */
  secrets?: SecretResolver;
  /** Retry/timeout policy of the destination's HTTP client. */
  http?: Partial<RetryPolicy>;
  /** Overrides the destination's batch size / batches in flight (tests, tuning). */
  batchSize?: number;
  concurrency?: number;
  /** Give up the run after this many batches in a row came back entirely retryable (default 5). */
  maxConsecutiveFailures?: number;
  /** Extra plan filters on top of the registered providers. */
  filters?: PlanFilter[];
  /** Rows in the dry-run sample (default 10). */
  sampleSize?: number;
  /** Row log entries older than this are deleted at the start of each run (default: CDP_SYNC_LOG_RETENTION_DAYS, else config privacy.retentionDays). */
  logRetentionDays?: number;
  onProgress?: (event: SyncProgressEvent) => void;
  /** History store to use instead of the project's state store. */
  history?: SyncHistory;
  /** The caller holds the sync's lease already (the service's scheduler); otherwise the run takes it. */
  leaseHeld?: boolean;
}

export type SyncProgressEvent =
  | { phase: 'resume'; planId: string; remaining: number }
  | { phase: 'planned'; counts: PlanCounts; ms: number }
  | { phase: 'sending'; committed: number; planned: number }
  | { phase: 'done'; status: RunStatus };

export interface PlanSampleRow {
  op: string;
  reason: string;
  key: string;
  fields: Record<string, unknown>;
}

export interface SyncRunResult {
  /** Null for a dry run (nothing is recorded). */
  runId: string | null;
  sync: string;
  status: RunStatus | 'dry_run';
  /** The new plan of this run (empty counts when the run stopped before planning). */
  plan: PlanCounts;
  counts: RunCounts;
  firstErrors: RowError[];
  error: string | null;
  /** The earlier run whose unfinished plan this run completed first. */
  resumedPlan: string | null;
  planMs: number | null;
  /** Time spent sending batches and committing their results (resumed plan included). */
  sendMs: number;
  /** Time spent folding committed results into the state and the row log (warehouse, set-based). */
  foldMs: number;
  seconds: number;
  /** Dry runs: the first planned ops. */
  sample?: PlanSampleRow[];
  /**
   * Audience syncs that ended `success` or `partial`: the membership snapshot this run took
   * because the audience had none since the last profiles build (absent otherwise).
   */
  audienceSnapshot?: AudienceSnapshot;
}

export const EMPTY_PLAN_COUNTS: PlanCounts = {
  current: 0,
  nullKeys: 0,
  heldBack: {},
  added: 0,
  changed: 0,
  retry: 0,
  full: 0,
  removed: 0,
  replaced: 0,
  upserts: 0,
  removes: 0,
  total: 0,
};

const running = new Set<string>();

/** How long raw run logs are kept: the run's option, else CDP_SYNC_LOG_RETENTION_DAYS, else the project's `privacy.retentionDays`. */
function retentionDays(options: RunSyncOptions, project: Project): number {
  const fromEnv = Number(process.env.CDP_SYNC_LOG_RETENTION_DAYS);
  return options.logRetentionDays ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : (project.config.privacy?.retentionDays ?? 30));
}

/**
 * Runs a sync: finishes the plan an earlier run left unfinished (if any), plans in the warehouse,
 * sends the plan, and records the run. Problems found before anything is sent (bad definition,
 * missing secret or column) throw a CdpError; problems during sending end the run as `failed`
 * with the error in the result and the history.
 */
export async function runSync(project: Project, sync: string | PreparedSync, options: RunSyncOptions = {}): Promise<SyncRunResult> {
  const started = Date.now();
  const prepared = typeof sync === 'string' ? await loadSync(project, sync) : sync;
  const { definition } = prepared;
  const name = definition.name;
  const session = await openDestination(project, prepared, options);
  const { destination } = session;
  const warehouse = await project.warehouse();
  const tables = syncTables(project.schema, name);
  await ensureStateTables(warehouse, tables);
  const source = await resolveSource(project, warehouse, prepared, tables);
  const columns = mapColumns(prepared, source);
  const filters = [...(await planFiltersFor(project, prepared)), ...(options.filters ?? [])];
  const identityFields = destination.identityFields?.(prepared.config, Object.keys(definition.fields)) ?? [];
  const planInput = {
    warehouse,
    sync: prepared,
    source,
    columns,
    tables,
    full: options.full ?? false,
    filters,
    identityFields,
    keyInValues: destination.sendRowsJson ? definition.key : undefined,
    batchSize: session.batchSize,
  };

  const stats = await inspectSource(planInput);

  if (options.dryRun) {
    const plan = await buildPlan({ ...planInput, planId: 'dry-run', dryRun: true }, stats);
    try {
      const sample = await samplePlan(warehouse, plan.table, options.sampleSize ?? 10);
      // The values carry the key for some destinations; the sample shows the mapped fields.
      if (planInput.keyInValues && !(planInput.keyInValues in definition.fields)) for (const row of sample) delete row.fields[planInput.keyInValues];
      return {
        runId: null,
        sync: name,
        status: 'dry_run',
        plan: plan.counts,
        counts: { planned: plan.counts.total, sent: 0, ok: 0, rejected: 0, retryable: 0, retried: 0 },
        firstErrors: [],
        error: null,
        resumedPlan: null,
        planMs: plan.ms,
        sendMs: 0,
        foldMs: 0,
        seconds: (Date.now() - started) / 1000,
        sample,
      };
    } finally {
      await warehouse.execute(warehouse.dialect.dropRelation(plan.table, 'table'));
    }
  }

  const lockKey = `${project.dir}\u0000${name}`;
  if (running.has(lockKey)) {
    throw new CdpError('CONFLICT', `sync ${name} is already running`, { hint: 'wait for it to finish' });
  }
  running.add(lockKey);
  let lease: HeldSyncLease | undefined;
  try {
    const knex = (await project.state()).knex;
    if (!options.leaseHeld) lease = await takeSyncLease(knex, name);
    const history = options.history ?? new SyncHistory(knex);
    await history.markInterrupted(name);
    const cutoff = new Date(Date.now() - retentionDays(options, project) * 86_400_000);
    await history.prune(cutoff);
    await pruneLog(warehouse, tables, cutoff);
    // Results a process committed but died before folding into the state.
    await compactPlan(warehouse, tables, history, name);
    const unfinished = await readProgress(warehouse, tables, history, name);
    const resume = unfinished && !unfinished.done && (await warehouse.relationExists(tables.plan)) ? unfinished : undefined;
    const runId = randomUUID();
    await history.start({
      id: runId,
      sync: name,
      destinationType: destination.type,
      trigger: options.trigger ?? 'manual',
      full: options.full ?? false,
      startedAt: new Date(started),
      resumedPlan: resume?.planId ?? null,
    });
    const counts: RunCounts = { planned: 0, sent: 0, ok: 0, rejected: 0, retryable: 0, retried: 0 };
    const firstErrors: RowError[] = [];
    const signal = options.signal ?? new AbortController().signal;
    const scopeFor = (p: Pick<Progress, 'mode' | 'keyColumn' | 'fields'>): RunScope<unknown> => ({
      config: prepared.config,
      sync: name,
      runId,
      mode: p.mode as RunScope<unknown>['mode'],
      keyColumn: p.keyColumn,
      fields: p.fields,
      signal,
      ...session.context,
      logger: logger.child({ sync: name, run: runId }),
    });
    let sendMs = 0;
    let foldMs = 0;
    const timed = async <T>(work: () => Promise<T>, add: (ms: number) => void): Promise<T> => {
      const t0 = Date.now();
      try {
        return await work();
      } finally {
        add(Date.now() - t0);
      }
    };
    const fold = () => timed(() => compactPlan(warehouse, tables, history, name), (ms) => (foldMs += ms));
    const execute = (progress: Progress) =>
      timed(() => executePlan({
        warehouse,
        tables,
        progress,
        destination,
        scope: scopeFor(progress),
        concurrency: session.concurrency,
        history,
        counts,
        firstErrors,
        maxConsecutiveFailures: options.maxConsecutiveFailures ?? 5,
        onCommit: (committed, planned) => options.onProgress?.({ phase: 'sending', committed, planned }),
      }), (ms) => (sendMs += ms));

    let plan: PlanCounts = EMPTY_PLAN_COUNTS;
    let planMs: number | null = null;
    let error: unknown;
    let complete = true;
    const begun = scopeFor({ mode: definition.mode, keyColumn: definition.key, fields: Object.keys(definition.fields) });
    try {
      await destination.begin?.(begun);
      if (resume) {
        const remaining = resume.planned - resume.committedSeq;
        options.onProgress?.({ phase: 'resume', planId: resume.planId, remaining });
        counts.planned += remaining;
        counts.retried += remaining;
        const outcome = await execute(resume);
        complete = outcome.complete;
        error = outcome.error;
        await fold();
      }
      if (error === undefined && complete && !signal.aborted) {
        const built = await buildPlan({ ...planInput, planId: runId }, stats);
        plan = built.counts;
        planMs = built.ms;
        counts.planned += built.counts.total;
        counts.retried += built.counts.retry;
        await history.update(runId, {
          counts,
          plan: { added: plan.added, changed: plan.changed, removed: plan.removed + plan.replaced },
          heldBack: plan.heldBack,
          planMs,
        });
        options.onProgress?.({ phase: 'planned', counts: plan, ms: built.ms });
        await history.forgetCommits(name, runId);
        const progress = await readProgress(warehouse, tables, history, name);
        if (progress && !progress.done) {
          const outcome = await execute(progress);
          complete = outcome.complete;
          error = outcome.error;
          await fold();
        }
      }
    } catch (caught) {
      error = caught;
      complete = false;
    }
    try {
      await destination.finish?.(begun, { complete: complete && error === undefined });
    } catch (caught) {
      error ??= caught;
    }
    const status: RunStatus =
      error !== undefined ? 'failed' : !complete || signal.aborted ? 'interrupted' : counts.rejected + counts.retryable > 0 ? 'partial' : 'success';
    const message = error === undefined ? null : isCdpError(error) ? error.oneLine() : error instanceof Error ? error.message : String(error);
    await history.update(runId, { status, counts, firstErrors, error: message, finishedAt: new Date() });
    options.onProgress?.({ phase: 'done', status });
    logger.info({ sync: name, run: runId, status, ...counts }, 'sync run finished');
    const audienceSnapshot = status === 'success' || status === 'partial' ? await snapshotAfterSync(project, definition.from, name) : undefined;
    return {
      runId,
      sync: name,
      status,
      plan,
      counts,
      firstErrors,
      error: message,
      resumedPlan: resume?.planId ?? null,
      planMs,
      sendMs,
      foldMs,
      seconds: (Date.now() - started) / 1000,
      ...(audienceSnapshot ? { audienceSnapshot } : {}),
    };
  } finally {
    running.delete(lockKey);
    await lease?.release();
  }
}

/**
 * The audience's membership as it was synced, unless a snapshot since the last profiles build
 * already holds it (the run step of `cdp run` usually took one). Never fails the sync run.
 */
async function snapshotAfterSync(project: Project, from: { audience: string } | { model: string }, sync: string): Promise<AudienceSnapshot | undefined> {
  if (!('audience' in from)) return undefined;
  try {
    return (await snapshotAudienceIfStale(project, from.audience)) ?? undefined;
  } catch (error) {
    logger.warn({ sync, audience: from.audience, err: isCdpError(error) ? error.oneLine() : (error as Error).message }, 'audience snapshot after the sync failed');
    return undefined;
  }
}
