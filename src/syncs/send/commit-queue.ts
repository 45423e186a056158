import type { RowResult, RunScope } from '../../destinations/index.js';
import { logger } from '../../logger.js';
import { keysOf, type Batch, type BatchSource, type PlanLayout } from '../batches.js';
import type { RowError, RowLogEntry, RunCounts, SyncHistory } from '../../state/repositories/sync-runs.js';
import type { Wakeup } from './wakeup.js';

/** A batch the destination answered, waiting for its commit. */
export interface FinishedBatch {
  batch: Batch;
  results: RowResult[];
  /** Positions of the results that are not ok (found once, when the batch comes back). */
  failed: number[];
  at: Date;
}

export interface CommitQueueInput extends BatchSource {
  scope: Pick<RunScope<unknown>, 'runId' | 'sync'>;
  history: SyncHistory;
  counts: RunCounts;
  firstErrors: RowError[];
  layout: PlanLayout;
  /** The first batch of this send: every batch before it is committed. */
  firstBatch: number;
  /**
   * Commit each finished batch at once, not grouped over COMMIT_INTERVAL_MS (insert and add
   * modes, whose receivers cannot tell a resend from a new send: the sender also waits for these
   * commits before sending more, so a crash re-sends at most the batches in flight).
   */
  immediate?: boolean;
  /** Finished batches allowed to wait; at half of it a commit is made at once. */
  backlog: number;
  /** Rung after each commit (room for more batches) and on a commit error. */
  wakeup: Wakeup;
  onCommit?: (committedSeq: number, planned: number) => void;
}

const MAX_FIRST_ERRORS = 20;
const COMMIT_INTERVAL_MS = 200;
const COUNTS_INTERVAL_MS = 1_000;

/**
 * Commits finished batches to the state store (a seq range and its failed rows: what a rerun
 * skips). Batches that finish out of order are committed as they come, not held back until the
 * ones before them finish, so a crash loses no acknowledged batch that waited behind a slow one.
 * Commits are grouped: at most one every COMMIT_INTERVAL_MS unless the backlog is half full, the
 * send is over or `immediate` is set, so a fast destination costs a few state-store writes a
 * second, not one a batch. Each commit adds to the run's counts, which are saved to the run
 * record about once a second (a UI polling the run sees them move).
 */
export class CommitQueue {
  /** Seq of the last row of the committed batches that run without a gap from the plan's start. */
  committedSeq: number;
  /** Why committing stopped (the state store or the warehouse failed); nothing is committed after it. */
  error: unknown;
  private readonly finished = new Map<number, FinishedBatch>();
  /** Batches committed beyond the first batch not committed (out of order, or by an earlier run). */
  private readonly committedAhead = new Set<number>();
  /** The first batch without a committed result. */
  private nextUncommitted: number;
  /** Batches taken out of `finished` whose commit is being written. */
  private committing = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private flushing = false;
  private lastCommitAt = 0;
  private commitNow: (() => void) | undefined;
  private countsSavedAt = Date.now();

  constructor(private readonly input: CommitQueueInput) {
    const { layout, progress } = input;
    this.committedSeq = progress.committedSeq;
    this.nextUncommitted = input.firstBatch;
    for (const [from, to] of progress.committedAhead) {
      for (let b = layout.numberOf(from + 1); b <= layout.numberOf(to); b++) this.committedAhead.add(b);
    }
  }

  /** Finished batches waiting for a commit to start (the backlog). */
  get waiting(): number {
    return this.finished.size;
  }

  /** Finished batches whose commit is not written yet (waiting, or being written). */
  get uncommitted(): number {
    return this.finished.size + this.committing;
  }

  /** The batch has a committed result (an earlier run's, committed out of order): never send it again. */
  isCommitted(batchNumber: number): boolean {
    return batchNumber < this.nextUncommitted || this.committedAhead.has(batchNumber);
  }

  add(finished: FinishedBatch): void {
    this.finished.set(finished.batch.number, finished);
    this.schedule();
  }

  /** Commits all that can be committed now, then saves the counts to the run record. */
  async flush(): Promise<void> {
    this.flushing = true;
    this.schedule();
    await this.chain;
    await this.saveCounts(true);
  }

  private backlogHalfFull(): boolean {
    return this.finished.size >= this.input.backlog / 2;
  }

  private schedule(): void {
    if (this.queued) {
      if (this.flushing || this.backlogHalfFull() || this.input.immediate) this.commitNow?.();
      return;
    }
    this.queued = true;
    this.chain = this.chain.then(async () => {
      const wait = this.lastCommitAt + COMMIT_INTERVAL_MS - Date.now();
      if (wait > 0 && !this.flushing && !this.backlogHalfFull() && !this.input.immediate) await this.pause(wait);
      this.queued = false;
      this.lastCommitAt = Date.now();
      await this.commitReady();
    });
  }

  /** Waits `ms`, or less when commitNow is called. */
  private async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.commitNow = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.commitNow = undefined;
  }

  /** Commits every finished batch, one commit per run of consecutive batches. */
  private async commitReady(): Promise<void> {
    while (this.finished.size > 0 && this.error === undefined) {
      const groups = consecutiveRuns([...this.finished.values()]);
      this.finished.clear();
      for (const group of groups) this.committing += group.length;
      try {
        for (const group of groups) {
          await this.commit(group);
          this.committing -= group.length;
        }
      } catch (error) {
        this.error = error;
        this.committing = 0;
        this.input.wakeup.ring();
        return;
      }
      await this.saveCounts(false);
      this.input.onCommit?.(this.committedSeq, this.input.progress.planned);
      this.input.wakeup.ring();
    }
  }

  /** Moves the gap-free checkpoint over the batches committed right after it. */
  private advance(): void {
    while (this.committedAhead.delete(this.nextUncommitted)) this.nextUncommitted++;
    const { layout, progress } = this.input;
    this.committedSeq = this.nextUncommitted >= layout.total ? progress.planned : layout.batch(this.nextUncommitted).firstSeq - 1;
  }

  private async commit(group: FinishedBatch[]): Promise<void> {
    const { history, scope, progress } = this.input;
    const failures = await this.failedRows(group);
    const last = group[group.length - 1]!;
    const from = group[0]!.batch.firstSeq - 1;
    await history.commit({ sync: scope.sync, planId: progress.planId, runId: scope.runId, from, to: last.batch.lastSeq, at: last.at, failures });
    for (const { batch } of group) this.committedAhead.add(batch.number);
    this.advance();
    this.tally(group, failures);
  }

  /** The row log entries of the group's failed rows (keys read back from the plan when only JSON was sent). */
  private async failedRows(group: FinishedBatch[]): Promise<RowLogEntry[]> {
    const { scope, progress } = this.input;
    const failed: RowLogEntry[] = [];
    for (const { batch, results, failed: positions, at } of group) {
      if (positions.length === 0) continue;
      const keys = await keysOf(this.input, batch);
      for (const i of positions) {
        const result = results[i] as Exclude<RowResult, { status: 'ok' }>;
        failed.push({
          runId: scope.runId,
          sync: scope.sync,
          planId: progress.planId,
          seq: batch.firstSeq + i,
          key: keys[i]!,
          op: batch.op,
          status: result.status,
          error: result.reason,
          at,
        });
      }
    }
    return failed;
  }

  private tally(group: FinishedBatch[], failures: RowLogEntry[]): void {
    const { counts, firstErrors } = this.input;
    for (const { results, failed } of group) counts.ok += results.length - failed.length;
    for (const entry of failures) {
      if (entry.status === 'rejected') counts.rejected++;
      else counts.retryable++;
      if (firstErrors.length < MAX_FIRST_ERRORS) firstErrors.push({ key: entry.key, op: entry.op, status: entry.status as RowError['status'], error: entry.error ?? '' });
    }
  }

  private async saveCounts(force: boolean): Promise<void> {
    if (!force && Date.now() - this.countsSavedAt < COUNTS_INTERVAL_MS) return;
    this.countsSavedAt = Date.now();
    const { history, scope, counts, firstErrors } = this.input;
    try {
      await history.update(scope.runId, { counts, firstErrors });
    } catch (error) {
      // The checkpoint is what matters; a stale count must not stop delivery.
      logger.warn({ sync: scope.sync, err: (error as Error).message }, 'could not update the run record');
    }
  }
}

/** Finished batches sorted by number and cut into runs of consecutive numbers. */
function consecutiveRuns(finished: FinishedBatch[]): FinishedBatch[][] {
  const runs: FinishedBatch[][] = [];
  for (const f of finished.sort((a, b) => a.batch.number - b.batch.number)) {
    const run = runs[runs.length - 1];
    if (run && run[run.length - 1]!.batch.number === f.batch.number - 1) run.push(f);
    else runs.push([f]);
  }
  return runs;
}
