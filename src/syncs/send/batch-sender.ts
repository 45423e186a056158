import { DestinationError, type AnyDestination, type RowResult, type RunScope } from '../../destinations/index.js';
import { idempotencyKey, type Batch, type PlanLayout } from '../batches.js';
import type { RunCounts } from '../../state/repositories/sync-runs.js';
import type { Progress } from '../state.js';
import type { CommitQueue } from './commit-queue.js';
import type { Wakeup } from './wakeup.js';

export interface BatchSenderInput {
  destination: AnyDestination;
  scope: RunScope<unknown>;
  progress: Progress;
  layout: PlanLayout;
  concurrency: number;
  /** Finished batches allowed to wait for their commit before sending pauses. */
  backlog: number;
  /** Stop after this many batches in a row came back entirely retryable. */
  maxConsecutiveFailures: number;
  counts: RunCounts;
  commits: CommitQueue;
  /** Send nothing while a finished batch's result is not committed yet (insert and add modes). */
  commitBeforeNext?: boolean;
  wakeup: Wakeup;
}

/**
 * Sends batches to the destination, up to `concurrency` at a time, and hands each answer to the
 * commit queue. Sending pauses while the commit queue's backlog is full (with `commitBeforeNext`,
 * while any answered batch is not committed yet), and upserts wait for
 * removals in flight (removals land before re-adds). The send stops at the first error
 * (unexpected, or `maxConsecutiveFailures` batches in a row all retryable), at a commit error, or
 * when the run is aborted; batches in flight still finish.
 */
export class BatchSender {
  /** Why sending stopped early. */
  error: unknown;
  private inFlight = 0;
  private removesInFlight = 0;
  private consecutiveFailures = 0;
  private readonly sends = new Set<Promise<void>>();

  constructor(private readonly input: BatchSenderInput) {}

  stopped(): boolean {
    return this.error !== undefined || this.input.commits.error !== undefined || this.input.scope.signal.aborted;
  }

  /** Records why the send stops (the first reason wins). */
  fail(error: unknown): void {
    this.error ??= error;
  }

  /** Starts sending `batch` once there is room; returns without sending when the send has stopped. */
  async send(batch: Batch): Promise<void> {
    await this.roomFor(batch);
    if (this.stopped()) return;
    this.started(batch);
    const send: Promise<void> = this.deliver(batch)
      .then((results) => this.answered(batch, results))
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.ended(batch);
        this.sends.delete(send);
        this.input.wakeup.ring();
      });
    this.sends.add(send);
  }

  /** Waits for every batch in flight. */
  async drain(): Promise<void> {
    while (this.sends.size > 0) await Promise.all([...this.sends]);
  }

  private async roomFor(batch: Batch): Promise<void> {
    const { concurrency, backlog, commits, wakeup } = this.input;
    const uncommitted = () => (this.input.commitBeforeNext ? commits.uncommitted > 0 : false);
    while (!this.stopped() && (this.inFlight >= concurrency || commits.waiting + this.inFlight >= concurrency + backlog || uncommitted())) await wakeup.wait();
    if (batch.op === 'upsert') while (!this.stopped() && this.removesInFlight > 0) await wakeup.wait(); // removals land before re-adds
  }

  private started(batch: Batch): void {
    this.inFlight++;
    if (batch.op === 'remove') this.removesInFlight++;
    this.input.counts.sent += batch.count - (batch.rejected?.length ?? 0);
  }

  private ended(batch: Batch): void {
    this.inFlight--;
    if (batch.op === 'remove') this.removesInFlight--;
  }

  /** The batch's results: rows the planner rejected are answered here, the others by the destination. */
  private async deliver(batch: Batch): Promise<RowResult[]> {
    const rejected = batch.rejected ?? [];
    if (rejected.length === 0) return this.deliverRows(batch, batch.count);
    const skip = new Map(rejected.map((r) => [r.position, r.reason]));
    const toSend = batch.count - rejected.length;
    const rows = batch.rows?.filter((_, i) => !skip.has(i));
    const answers = toSend === 0 ? [] : await this.deliverRows({ ...batch, rows }, toSend);
    if (answers.length !== toSend) return answers; // answered() reports the mismatch
    const results: RowResult[] = [];
    let next = 0;
    for (let i = 0; i < batch.count; i++) {
      const reason = skip.get(i);
      results.push(reason === undefined ? answers[next++]! : { status: 'rejected', reason });
    }
    return results;
  }

  private deliverRows(batch: Batch, count: number): Promise<RowResult[]> {
    const { destination, scope, progress, layout } = this.input;
    const context = {
      ...scope,
      batch: {
        op: batch.op,
        planId: progress.planId,
        index: batch.index,
        count: batch.op === 'remove' ? layout.removeBatches : layout.upsertBatches,
        rows: batch.op === 'remove' ? progress.removes : progress.upserts,
        idempotencyKey: idempotencyKey(progress.planId, batch.firstSeq),
      },
    };
    return batch.json !== undefined && destination.sendRowsJson
      ? destination.sendRowsJson('upsert', batch.json, count, context)
      : destination.send(batch.op, batch.rows ?? [], context);
  }

  private answered(batch: Batch, results: RowResult[]): void {
    const { destination, commits, maxConsecutiveFailures } = this.input;
    if (results.length !== batch.count) throw new DestinationError(`${destination.type} returned ${results.length} results for ${batch.count} rows`);
    const failed: number[] = [];
    let retryable = 0;
    for (let i = 0; i < results.length; i++) {
      const status = results[i]!.status;
      if (status === 'ok') continue;
      failed.push(i);
      if (status === 'retryable') retryable++;
    }
    this.consecutiveFailures = retryable === results.length ? this.consecutiveFailures + 1 : 0;
    commits.add({ batch, results, failed, at: new Date() });
    if (this.consecutiveFailures >= maxConsecutiveFailures && this.error === undefined) {
      const reason = (results[0] as { reason?: string } | undefined)?.reason;
      this.error = new DestinationError(`${destination.type}: ${this.consecutiveFailures} batches in a row could not be delivered (${reason})`, {
        hint: 'the destination looks down; rows not confirmed stay planned and the next run sends them',
      });
    }
  }
}
