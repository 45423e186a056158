import type { SyncFrom } from './definition.js';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { snapshotAudienceIfStale, type AudienceSnapshot } from '../audiences/index.js';
import type { RunScope } from '../destinations/index.js';
import { isCdpError } from '../errors.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import { executePlan } from './executor.js';
import { SyncHistory, type RowError, type RunCounts, type RunStatus } from '../state/repositories/sync-runs.js';
import { buildPlan, type PlanCounts } from './planner.js';
import type { PreparedRun } from './run-prepare.js';
import { ReachTally } from './reach.js';
import { EMPTY_PLAN_COUNTS, type RunSyncOptions, type SyncRunResult } from './run-types.js';
import { compactPlan, pruneLog, readProgress, type Progress } from './state.js';

/** How long raw run logs are kept: the run's option, else CDP_SYNC_LOG_RETENTION_DAYS, else the project's `privacy.retentionDays`. */
function retentionDays(options: RunSyncOptions, project: Project): number {
  const fromEnv = Number(process.env.CDP_SYNC_LOG_RETENTION_DAYS);
  return options.logRetentionDays ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : (project.config.privacy?.retentionDays ?? 30));
}

/**
 * A recorded sync run, from its start in the run history to its result: `resume` sends what an
 * earlier run left unfinished, `plan` diffs the rows against the state in the warehouse, `send`
 * delivers a plan and folds its results into the state, `finish` records how it ended. The
 * caller holds the sync's lease throughout.
 */
export class SyncRun {
  readonly counts: RunCounts = { planned: 0, sent: 0, ok: 0, rejected: 0, retryable: 0, retried: 0 };
  readonly firstErrors: RowError[] = [];
  readonly signal: AbortSignal;
  plan: PlanCounts = EMPTY_PLAN_COUNTS;
  planMs: number | null = null;
  sendMs = 0;
  foldMs = 0;
  /** Every plan sent so far has a committed result for every row. */
  complete = true;
  /** Why the run stopped early. */
  error: unknown;
  /** What the vendor reported about the rows (match rates, audience size). */
  private readonly reach = new ReachTally();

  private constructor(
    private readonly prepared: PreparedRun,
    private readonly options: RunSyncOptions,
    private readonly history: SyncHistory,
    readonly runId: string,
    /** The plan an earlier run left unfinished, sent before planning anew. */
    private readonly unfinished: Progress | undefined,
    private readonly started: number,
  ) {
    this.signal = options.signal ?? new AbortController().signal;
  }

  private get name(): string {
    return this.prepared.sync.definition.name;
  }

  /**
   * Tidies what earlier runs left (runs marked running, old logs, committed results not folded
   * into the state), finds an unfinished plan to resume, and records the run as started.
   */
  static async start(prepared: PreparedRun, knex: Knex, options: RunSyncOptions, started: number): Promise<SyncRun> {
    const { project, warehouse, tables, sync } = prepared;
    const name = sync.definition.name;
    const history = options.history ?? new SyncHistory(knex);
    await history.markInterrupted(name);
    const cutoff = new Date(Date.now() - retentionDays(options, project) * 86_400_000);
    await history.prune(cutoff);
    await pruneLog(warehouse, tables, cutoff);
    // Results a process committed but died before folding into the state.
    await compactPlan(warehouse, tables, history, name);
    const progress = await readProgress(warehouse, tables, history, name);
    const unfinished = progress && !progress.done && (await warehouse.relationExists(tables.plan)) ? progress : undefined;
    const runId = randomUUID();
    await history.start({
      id: runId,
      sync: name,
      destinationType: sync.destination.type,
      trigger: options.trigger ?? 'manual',
      full: options.full ?? false,
      startedAt: new Date(started),
      resumedPlan: unfinished?.planId ?? null,
    });
    return new SyncRun(prepared, options, history, runId, unfinished, started);
  }

  /** What the destination is told about this run (mode, key and fields of the plan being sent). */
  scopeFor(p: Pick<Progress, 'mode' | 'keyColumn' | 'fields'>): RunScope<unknown> {
    const { session, sync } = this.prepared;
    return {
      config: sync.config,
      sync: this.name,
      runId: this.runId,
      mode: p.mode as RunScope<unknown>['mode'],
      keyColumn: p.keyColumn,
      fields: p.fields,
      signal: this.signal,
      report: (report) => this.reach.add(report),
      ...session.context,
      logger: logger.child({ sync: this.name, run: this.runId }),
    };
  }

  /** Sends the rest of the plan an earlier run left unfinished; nothing when there is none. */
  async resume(): Promise<void> {
    const unfinished = this.unfinished;
    if (!unfinished) return;
    const ahead = unfinished.committedAhead.reduce((n, [from, to]) => n + to - from, 0);
    const remaining = unfinished.planned - unfinished.committedSeq - ahead;
    this.options.onProgress?.({ phase: 'resume', planId: unfinished.planId, remaining });
    this.counts.planned += remaining;
    this.counts.retried += remaining;
    await this.send(unfinished);
  }

  /** Builds this run's plan in the warehouse and records its counts; its progress when there is anything to send. */
  async makePlan(): Promise<Progress | undefined> {
    const { planInput, stats, warehouse, tables } = this.prepared;
    const built = await buildPlan({ ...planInput, planId: this.runId }, stats);
    this.plan = built.counts;
    this.planMs = built.ms;
    this.counts.planned += built.counts.total;
    this.counts.retried += built.counts.retry;
    await this.history.update(this.runId, {
      counts: this.counts,
      plan: { added: this.plan.added, changed: this.plan.changed, removed: this.plan.removed + this.plan.replaced },
      heldBack: this.plan.heldBack,
      planMs: this.planMs,
    });
    this.options.onProgress?.({ phase: 'planned', counts: this.plan, ms: built.ms });
    await this.history.forgetCommits(this.name, this.runId);
    const progress = await readProgress(warehouse, tables, this.history, this.name);
    return progress && !progress.done ? progress : undefined;
  }

  /** Sends a plan and folds the committed results into the state (set-based, in the warehouse). */
  async send(progress: Progress): Promise<void> {
    const { warehouse, tables, session } = this.prepared;
    const sending = Date.now();
    try {
      const outcome = await executePlan({
        warehouse,
        tables,
        progress,
        destination: session.destination,
        scope: this.scopeFor(progress),
        concurrency: session.concurrency,
        history: this.history,
        counts: this.counts,
        firstErrors: this.firstErrors,
        maxConsecutiveFailures: this.options.maxConsecutiveFailures ?? 5,
        onCommit: (committed, planned) => this.options.onProgress?.({ phase: 'sending', committed, planned }),
      });
      this.complete = outcome.complete;
      this.error = outcome.error;
    } finally {
      this.sendMs += Date.now() - sending;
    }
    const folding = Date.now();
    try {
      await compactPlan(warehouse, tables, this.history, this.name);
    } finally {
      this.foldMs += Date.now() - folding;
    }
  }

  /** Whether planning anew may follow what was sent so far. */
  get mayContinue(): boolean {
    return this.error === undefined && this.complete && !this.signal.aborted;
  }

  /** Records how the run ended, and snapshots the audience synced (success or partial). */
  async finish(): Promise<SyncRunResult> {
    const { counts, firstErrors, error, signal } = this;
    const status: RunStatus =
      error !== undefined ? 'failed' : !this.complete || signal.aborted ? 'interrupted' : counts.rejected + counts.retryable > 0 ? 'partial' : 'success';
    const message = error === undefined ? null : errorText(error);
    const reach = this.reach.summary(counts);
    await this.history.update(this.runId, { status, counts, firstErrors, error: message, reach, finishedAt: new Date() });
    this.options.onProgress?.({ phase: 'done', status });
    logger.info({ sync: this.name, run: this.runId, status, ...counts }, 'sync run finished');
    const audienceSnapshot = status === 'success' || status === 'partial' ? await snapshotAfterSync(this.prepared.project, this.prepared.sync.definition.from, this.name) : undefined;
    return {
      runId: this.runId,
      sync: this.name,
      status,
      plan: this.plan,
      counts,
      firstErrors,
      error: message,
      reach,
      resumedPlan: this.unfinished?.planId ?? null,
      planMs: this.planMs,
      sendMs: this.sendMs,
      foldMs: this.foldMs,
      seconds: (Date.now() - this.started) / 1000,
      ...(audienceSnapshot ? { audienceSnapshot } : {}),
    };
  }
}

/** An error as one line for the run history. */
export function errorText(error: unknown): string {
  return isCdpError(error) ? error.oneLine() : error instanceof Error ? error.message : String(error);
}

/**
 * The audience's membership as it was synced, unless a snapshot since the last profiles build
 * already holds it (the run step of `cdp run` usually took one). Never fails the sync run.
 */
async function snapshotAfterSync(project: Project, from: SyncFrom, sync: string): Promise<AudienceSnapshot | undefined> {
  if (!('audience' in from)) return undefined;
  try {
    return (await snapshotAudienceIfStale(project, from.audience)) ?? undefined;
  } catch (error) {
    logger.warn({ sync, audience: from.audience, err: isCdpError(error) ? error.oneLine() : (error as Error).message }, 'audience snapshot after the sync failed');
    return undefined;
  }
}
