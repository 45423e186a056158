import type { RowResult, RunScope } from '../../destinations/index.js';
import { logger } from '../../logger.js';
import { keysOf, type Batch, type BatchSource } from '../batches.js';
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
  /** The first batch of this send: commits start right before it. */
  firstBatch: number;
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
 * Commits finished batches to the state store in seq order (a seq range and its failed rows: the
 * checkpoint a rerun resumes from). Commits are grouped: at most one every COMMIT_INTERVAL_MS
 * unless the backlog is half full or the send is over, so a fast destination costs a few
 * state-store writes a second, not one a batch. Each commit adds to the run's counts, which are
 * saved to the run record about once a second (a UI polling the run sees them move).
 */
export class CommitQueue {
  /** Seq of the last committed row. */
  committedSeq: number;
  /** Why committing stopped (the state store or the warehouse failed); nothing is committed after it. */
  error: unknown;
  private readonly finished = new Map<number, FinishedBatch>();
  private nextToCommit: number;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private flushing = false;
  private lastCommitAt = 0;
  private commitNow: (() => void) | undefined;
  private countsSavedAt = Date.now();

  constructor(private readonly input: CommitQueueInput) {
    this.committedSeq = input.progress.committedSeq;
    this.nextToCommit = input.firstBatch;
  }

  /** Finished batches not committed yet. */
  get waiting(): number {
    return this.finished.size;
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
      if (this.flushing || this.backlogHalfFull()) this.commitNow?.();
      return;
    }
    this.queued = true;
    this.chain = this.chain.then(async () => {
      const wait = this.lastCommitAt + COMMIT_INTERVAL_MS - Date.now();
      if (wait > 0 && !this.flushing && !this.backlogHalfFull()) await this.pause(wait);
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

  /** Commits the run of finished batches that continues the committed seqs, group by group. */
  private async commitReady(): Promise<void> {
    while (this.finished.has(this.nextToCommit) && this.error === undefined) {
      const group: FinishedBatch[] = [];
      while (this.finished.has(this.nextToCommit)) {
        group.push(this.finished.get(this.nextToCommit)!);
        this.finished.delete(this.nextToCommit);
        this.nextToCommit++;
      }
      try {
        await this.commit(group);
      } catch (error) {
        this.error = error;
        this.input.wakeup.ring();
        return;
      }
      await this.saveCounts(false);
      this.input.onCommit?.(this.committedSeq, this.input.progress.planned);
      this.input.wakeup.ring();
    }
  }

  private async commit(group: FinishedBatch[]): Promise<void> {
    const { history, scope, progress } = this.input;
    const failures = await this.failedRows(group);
    const last = group[group.length - 1]!;
    const to = last.batch.lastSeq;
    await history.commit({ sync: scope.sync, planId: progress.planId, runId: scope.runId, from: this.committedSeq, to, at: last.at, failures });
    this.committedSeq = to;
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
