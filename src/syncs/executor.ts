import { isDestinationError, modePolicy, type AnyDestination, type RunScope } from '../destinations/index.js';
import { logger } from '../logger.js';
import type { Warehouse } from '../warehouse/index.js';
import { PlanLayout, planHasRejects } from './batches.js';
import type { RowError, RunCounts, SyncHistory } from '../state/repositories/sync-runs.js';
import { BatchSender } from './send/batch-sender.js';
import { ChunkReader } from './send/chunk-reader.js';
import { CommitQueue } from './send/commit-queue.js';
import { Wakeup } from './send/wakeup.js';
import type { Progress } from './state.js';
import type { SyncTables } from './tables.js';

/**
 * Sends a plan, in three parts (src/syncs/send/): a chunk reader (the warehouse cuts the plan into
 * destination-sized batches and serialises each batch's rows as one JSON text, so Node handles a
 * string per batch, not values per row), a batch sender (up to `concurrency` batches in flight)
 * and a commit queue (results committed to the state store as they come, in or out of order: seq
 * ranges and their failed rows, which a rerun skips). Memory holds only the chunks read ahead, the
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

export async function executePlan(input: ExecuteInput): Promise<ExecuteOutcome> {
  const { progress, scope } = input;
  if (progress.committedSeq >= progress.planned) return { complete: true };
  const layout = new PlanLayout(progress);
  const backlog = input.commitBacklog ?? Math.max(input.concurrency + 2, Math.ceil(5_000 / progress.batchSize));
  const chunkBatches = Math.max(1, Math.floor((input.chunkRows ?? 20_000) / progress.batchSize));
  const firstBatch = layout.numberOf(progress.committedSeq + 1);
  const wakeup = new Wakeup();
  const source = { ...input, hasRejects: await planHasRejects(input) };
  // Receivers that cannot tell a resend from a new send: each result is committed before more is sent.
  const oneAtATime = modePolicy(scope.mode).resendDuplicates;
  const commits = new CommitQueue({ ...source, layout, firstBatch, backlog, wakeup, immediate: oneAtATime });
  const sender = new BatchSender({ ...input, layout, backlog, commits, wakeup, commitBeforeNext: oneAtATime });
  const reader = new ChunkReader(source, layout, firstBatch, chunkBatches);
  try {
    while (!sender.stopped()) {
      const batches = await reader.next();
      if (!batches) break;
      for (const batch of batches) {
        if (commits.isCommitted(batch.number)) continue; // committed out of order by an earlier run
        await sender.send(batch);
        if (sender.stopped()) break;
      }
    }
  } catch (error) {
    sender.fail(error);
  }
  await reader.settle();
  await sender.drain();
  await commits.flush();
  const error = commits.error ?? sender.error;
  if (error !== undefined && !isDestinationError(error)) logger.error({ sync: scope.sync, err: (error as Error).message }, 'sync run stopped');
  return { complete: commits.committedSeq >= progress.planned, error };
}
