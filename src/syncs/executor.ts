import { DestinationError, isDestinationError, type AnyDestination, type RowResult, type RunScope } from '../destinations/index.js';
import { logger } from '../logger.js';
import type { Warehouse } from '../warehouse/index.js';
import type { RowError, RowLogEntry, RunCounts, SyncHistory } from './history.js';
import type { Progress } from './state.js';
import type { SyncTables } from './tables.js';
import { PlanLayout, keysOf, readBatches, type Batch } from './batches.js';

/**
 * Sends a plan. The warehouse cuts the plan into destination-sized batches and serialises each
 * batch's rows as one JSON text (so Node handles a string per batch, not values per row); up to
 * `concurrency` batches are in flight; results are committed in seq order to the state store (a
 * seq range and its failed rows: the checkpoint a rerun resumes from), several finished batches
 * per commit when sending outpaces committing. Memory holds only the chunks read ahead, the
 * batches in flight and those awaiting commit.
 */

export interface ExecuteInput {
  warehouse: Warehouse;
  tables: SyncTables;
  progress: Progress;
  destination: AnyDestination;
  scope: RunScope<unknown>;
  concurrency: number;
  history: SyncHistory;
  counts: RunCounts;
  firstErrors: RowError[];
  /** Stop after this many batches in a row came back entirely retryable. */
  maxConsecutiveFailures: number;
  /**
   * Finished batches allowed to wait for their commit before sending pauses (default: enough for
   * about 5,000 rows, at least concurrency + 2). Bounds what a crash makes the next run re-send.
   */
  commitBacklog?: number;
  /** Rows read from the warehouse per query (whole batches; default about 20,000). */
  chunkRows?: number;
  onCommit?: (committedSeq: number, planned: number) => void;
}

export interface ExecuteOutcome {
  /** Every planned row has a committed result. */
  complete: boolean;
  /** The run stopped early because of this (a DestinationError, or anything unexpected). */
  error?: unknown;
}

interface Finished {
  batch: Batch;
  results: RowResult[];
  /** Positions of the results that are not ok (found once, when the batch comes back). */
  failed: number[];
  at: Date;
}

const MAX_FIRST_ERRORS = 20;
const COMMIT_INTERVAL_MS = 200;
/** Chunks of the plan requested from the warehouse ahead of the one being sent. */
const READ_AHEAD = 3;

export async function executePlan(input: ExecuteInput): Promise<ExecuteOutcome> {
  const { progress, destination, scope, history, counts, firstErrors } = input;
  if (progress.committedSeq >= progress.planned) return { complete: true };
  const layout = new PlanLayout(progress);
  const backlog = input.commitBacklog ?? Math.max(input.concurrency + 2, Math.ceil(5_000 / progress.batchSize));
  const chunkBatches = Math.max(1, Math.floor((input.chunkRows ?? 20_000) / progress.batchSize));
  const completed = new Map<number, Finished>();
  const firstBatch = layout.numberOf(progress.committedSeq + 1);
  let nextToCommit = firstBatch;
  let committedSeq = progress.committedSeq;
  let inFlight = 0;
  let removesInFlight = 0;
  let consecutiveFailures = 0;
  let fatal: unknown;
  let commitError: unknown;
  let wake: (() => void) | undefined;
  const signalWake = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const waitForChange = () => new Promise<void>((resolve) => (wake = resolve));
  const stopped = () => fatal !== undefined || commitError !== undefined || scope.signal.aborted;

  // Counts in the run record move about once a second (a UI polling the run sees them move).
  let countsSavedAt = Date.now();
  const saveCounts = async (force: boolean) => {
    if (!force && Date.now() - countsSavedAt < 1_000) return;
    countsSavedAt = Date.now();
    try {
      await history.update(scope.runId, { counts, firstErrors });
    } catch (error) {
      // The checkpoint is what matters; a stale count must not stop delivery.
      logger.warn({ sync: scope.sync, err: (error as Error).message }, 'could not update the run record');
    }
  };

  // ---- committing, in seq order ----
  let committing: Promise<void> = Promise.resolve();
  let commitQueued = false;
  const commitReady = async (): Promise<void> => {
    while (completed.has(nextToCommit) && commitError === undefined) {
      const group: Finished[] = [];
      while (completed.has(nextToCommit)) {
        group.push(completed.get(nextToCommit)!);
        completed.delete(nextToCommit);
        nextToCommit++;
      }
      const failed: RowLogEntry[] = [];
      let ok = 0;
      for (const { batch, results, failed: positions, at } of group) {
        ok += results.length - positions.length;
        if (positions.length === 0) continue;
        let keys: string[];
        try {
          keys = await keysOf(input, batch);
        } catch (error) {
          commitError = error;
          signalWake();
          return;
        }
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
      const to = group[group.length - 1]!.batch.lastSeq;
      try {
        await history.commit({ sync: scope.sync, planId: progress.planId, runId: scope.runId, from: committedSeq, to, at: group[group.length - 1]!.at, failures: failed });
      } catch (error) {
        commitError = error;
        signalWake();
        return;
      }
      committedSeq = to;
      counts.ok += ok;
      for (const entry of failed) {
        if (entry.status === 'rejected') counts.rejected++;
        else counts.retryable++;
        if (firstErrors.length < MAX_FIRST_ERRORS) firstErrors.push({ key: entry.key, op: entry.op, status: entry.status as RowError['status'], error: entry.error ?? '' });
      }
      await saveCounts(false);
      input.onCommit?.(committedSeq, progress.planned);
      signalWake();
    }
  };
  // Commits are grouped: at most one every COMMIT_INTERVAL_MS unless the backlog is half full or
  // sending is over, so a fast destination costs a few state-store writes a second, not one a batch.
  let lastCommitAt = 0;
  let flushing = false;
  let commitNow: (() => void) | undefined;
  const backlogHalfFull = () => completed.size >= backlog / 2;
  const scheduleCommit = () => {
    if (commitQueued) {
      if (flushing || backlogHalfFull()) commitNow?.();
      return;
    }
    commitQueued = true;
    committing = committing.then(async () => {
      const wait = lastCommitAt + COMMIT_INTERVAL_MS - Date.now();
      if (wait > 0 && !flushing && !backlogHalfFull()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          commitNow = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        commitNow = undefined;
      }
      commitQueued = false;
      lastCommitAt = Date.now();
      await commitReady();
    });
  };

  // ---- sending ----
  const sends = new Set<Promise<void>>();
  const dispatch = async (batch: Batch): Promise<void> => {
    while (!stopped() && (inFlight >= input.concurrency || completed.size + inFlight >= input.concurrency + backlog)) await waitForChange();
    if (batch.op === 'upsert') while (!stopped() && removesInFlight > 0) await waitForChange(); // removals land before re-adds
    if (stopped()) return;
    inFlight++;
    if (batch.op === 'remove') removesInFlight++;
    const context = {
      ...scope,
      batch: {
        op: batch.op,
        planId: progress.planId,
        index: batch.index,
        count: batch.op === 'remove' ? layout.removeBatches : layout.upsertBatches,
        rows: batch.op === 'remove' ? progress.removes : progress.upserts,
      },
    };
    counts.sent += batch.count;
    const delivery =
      batch.json !== undefined && destination.sendRowsJson
        ? destination.sendRowsJson('upsert', batch.json, batch.count, context)
        : destination.send(batch.op, batch.rows ?? [], context);
    const send: Promise<void> = delivery
      .then((results) => {
        if (results.length !== batch.count) throw new DestinationError(`${destination.type} returned ${results.length} results for ${batch.count} rows`);
        const failed: number[] = [];
        let retryable = 0;
        for (let i = 0; i < results.length; i++) {
          const status = results[i]!.status;
          if (status === 'ok') continue;
          failed.push(i);
          if (status === 'retryable') retryable++;
        }
        consecutiveFailures = retryable === results.length ? consecutiveFailures + 1 : 0;
        completed.set(batch.number, { batch, results, failed, at: new Date() });
        scheduleCommit();
        if (consecutiveFailures >= input.maxConsecutiveFailures && fatal === undefined) {
          const reason = (results[0] as { reason?: string } | undefined)?.reason;
          fatal = new DestinationError(`${destination.type}: ${consecutiveFailures} batches in a row could not be delivered (${reason})`, {
            hint: 'the destination looks down; rows not confirmed stay planned and the next run sends them',
          });
        }
      })
      .catch((error: unknown) => {
        fatal ??= error;
      })
      .finally(() => {
        inFlight--;
        if (batch.op === 'remove') removesInFlight--;
        sends.delete(send);
        signalWake();
      });
    sends.add(send);
  };

  // Reading ahead: chunks are read while the ones before them are sent. One chunk ahead was not
  // enough once sending got fast (reading a chunk takes about as long as sending it, and its
  // latency varies with the warehouse's load: the sender sat waiting for the next chunk), so up
  // to READ_AHEAD chunks are requested early; memory stays bounded by READ_AHEAD + 1 chunks of
  // JSON text (a few MB).
  const chunks: Array<[number, number]> = [];
  for (let b = firstBatch; b < layout.total; ) {
    const op = layout.batch(b).op;
    let end = Math.min(layout.total - 1, b + chunkBatches - 1);
    while (layout.batch(end).op !== op) end--;
    chunks.push([b, end]);
    b = end + 1;
  }
  const reads: Array<Promise<Batch[]>> = [];
  let requested = 0;
  const readMore = () => {
    while (requested < chunks.length && reads.length < READ_AHEAD) {
      const read = readBatches(input, layout, ...chunks[requested++]!);
      read.catch(() => undefined); // an error surfaces when awaited
      reads.push(read);
    }
  };
  try {
    for (let c = 0; c < chunks.length && !stopped(); c++) {
      readMore();
      const batches = await reads.shift()!;
      readMore();
      for (const batch of batches) {
        await dispatch(batch);
        if (stopped()) break;
      }
    }
  } catch (error) {
    fatal ??= error;
  }
  await Promise.allSettled(reads); // reads requested ahead of a stop: no query outlives the run
  while (sends.size > 0) await Promise.all([...sends]);
  flushing = true;
  scheduleCommit();
  await committing;
  await saveCounts(true);
  const error = commitError ?? fatal;
  if (error !== undefined && !isDestinationError(error)) logger.error({ sync: scope.sync, err: (error as Error).message }, 'sync run stopped');
  return { complete: committedSeq >= progress.planned, error };
}
