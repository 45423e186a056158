import type { AudienceSnapshot } from '../audiences/index.js';
import type { RetryPolicy } from '../destinations/index.js';
import type { PlanFilter } from './filters.js';
import type { RowError, RunCounts, RunStatus, RunTrigger, SyncHistory } from '../state/repositories/sync-runs.js';
import type { PlanCounts } from './planner.js';
import type { RunReach } from './reach.js';
import type { SecretResolver } from './secrets.js';

/** What a sync run takes and gives back. */

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
  /** What the vendor made of the rows (absent for dry runs). */
  reach?: RunReach;
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
