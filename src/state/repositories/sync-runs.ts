import type { Knex } from 'knex';
import { z } from 'zod';
import { scrubSecretText } from '../../util/secret-scrub.js';
import { dateColumn, intColumn, jsonColumn } from '../time.js';


/**
 * What the vendor made of a run's rows. `matchRate` is the share of received rows the vendor
 * matched (when it says) or accepted (received less invalid); for vendors that answer per row
 * (Mailchimp, Klaviyo, HubSpot...) it is the share of sent rows that ended ok.
 */
export interface RunReach {
  /** Where the numbers come from: the vendor's own counts, or the per-row results. */
  source: 'vendor' | 'rows';
  received: number | null;
  invalid: number | null;
  matched: number | null;
  audienceSize: number | null;
  /** 0..1; null when nothing was sent. */
  matchRate: number | null;
}

/** Run history and the delivery journal in the state store (tables of migration 0300_sync_runs). */

export const RUN_STATUSES = ['running', 'success', 'partial', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** What may start a run. */
export const RUN_TRIGGERS = ['cli', 'manual', 'schedule', 'catch_up', 'api'] as const;
/**
 * Runs no one started: history `cdp demo` simulates for the dashboards (src/demo/activity.ts).
 * Shown as simulated, counted in the history charts, never a sync's last run or status.
 */
export const SIMULATED_TRIGGER = 'backfill';
export const RECORDED_TRIGGERS = [...RUN_TRIGGERS, SIMULATED_TRIGGER] as const;
export type RunTrigger = (typeof RECORDED_TRIGGERS)[number];

export interface RunCounts {
  /** Rows in the plan(s) this run executed (a resumed plan's remaining rows included). */
  planned: number;
  /** Rows handed to the destination. */
  sent: number;
  ok: number;
  rejected: number;
  /** Rows that ended retryable: the next run sends them again. */
  retryable: number;
  /** Rows planned because an earlier run left them retryable or unconfirmed. */
  retried: number;
}

export interface RowError {
  key: string;
  op: 'upsert' | 'remove';
  status: 'rejected' | 'retryable';
  error: string;
}

export interface SyncRunRecord {
  id: string;
  sync: string;
  destinationType: string;
  trigger: RunTrigger;
  status: RunStatus;
  full: boolean;
  startedAt: Date;
  finishedAt: Date | null;
  /** Id of the earlier run whose unfinished plan this run completed first. */
  resumedPlan: string | null;
  counts: RunCounts;
  /** Plan composition: rows new to the destination, changed, and removed. */
  plan: { added: number; changed: number; removed: number };
  /** Rows kept out of the plan by each plan filter (e.g. consent). */
  heldBack: Record<string, number>;
  planMs: number | null;
  firstErrors: RowError[];
  error: string | null;
  /** What the vendor made of the rows (match rate, audience size); null before the run finished. */
  reach: RunReach | null;
}

/** A row that did not end ok, as the state store keeps it. */
export interface RowLogEntry {
  runId: string;
  sync: string;
  planId: string;
  seq: number;
  key: string;
  op: 'upsert' | 'remove';
  status: 'ok' | 'rejected' | 'retryable';
  error: string | null;
  at: Date;
}

const runRow = z.object({
  id: z.string(),
  sync: z.string(),
  destination_type: z.string(),
  trigger: z.enum(RECORDED_TRIGGERS),
  status: z.enum(RUN_STATUSES),
  full: z.union([z.boolean(), z.number()]).transform(Boolean),
  started_at: dateColumn,
  finished_at: dateColumn.nullable(),
  resumed_plan: z.string().nullable(),
  planned: intColumn,
  sent: intColumn,
  ok: intColumn,
  rejected: intColumn,
  retryable: intColumn,
  retried: intColumn,
  added: intColumn,
  changed: intColumn,
  removed: intColumn,
  held_back: jsonColumn<Record<string, number>>({}),
  plan_ms: intColumn.nullable(),
  first_errors: jsonColumn<RowError[]>([]),
  error: z.string().nullable(),
  reach: jsonColumn<RunReach | null>(null).optional(),
});

function toRecord(row: unknown): SyncRunRecord {
  const r = runRow.parse(row);
  return {
    id: r.id,
    sync: r.sync,
    destinationType: r.destination_type,
    trigger: r.trigger,
    status: r.status,
    full: r.full,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    resumedPlan: r.resumed_plan,
    counts: { planned: r.planned, sent: r.sent, ok: r.ok, rejected: r.rejected, retryable: r.retryable, retried: r.retried },
    plan: { added: r.added, changed: r.changed, removed: r.removed },
    heldBack: r.held_back,
    planMs: r.plan_ms,
    firstErrors: r.first_errors,
    error: r.error,
    reach: r.reach ?? null,
  };
}

const logRow = z.object({
  run_id: z.string(),
  sync: z.string(),
  plan_id: z.string(),
  seq: intColumn,
  key: z.string(),
  op: z.enum(['upsert', 'remove']),
  status: z.enum(['ok', 'rejected', 'retryable']),
  error: z.string().nullable(),
  at: dateColumn,
});

/** Rows per INSERT statement: 9 columns x 500 stays under SQLite's and Postgres' parameter limits. */
const LOG_CHUNK = 500;

export class SyncHistory {
  constructor(private readonly knex: Knex) {}

  async start(run: {
    id: string;
    sync: string;
    destinationType: string;
    trigger: RunTrigger;
    full: boolean;
    startedAt: Date;
    resumedPlan: string | null;
  }): Promise<void> {
    await this.knex('sync_runs').insert({
      id: run.id,
      sync: run.sync,
      destination_type: run.destinationType,
      trigger: run.trigger,
      status: 'running',
      full: run.full,
      started_at: run.startedAt.getTime(),
      resumed_plan: run.resumedPlan,
    });
  }

  /**
   * Records a run that failed before it could plan (a missing secret or column, a destination
   * that refused the config): it shows in the sync's history with why, like any failed run.
   */
  async recordFailedStart(run: { id: string; sync: string; destinationType: string; trigger: RunTrigger; full: boolean; startedAt: Date; error: string }): Promise<void> {
    await this.start({ ...run, resumedPlan: null });
    await this.update(run.id, { status: 'failed', error: run.error, finishedAt: new Date() });
  }

  /** Saves counts while the run goes on (a UI polling the run sees them move). */
  async update(
    id: string,
    patch: Partial<Pick<SyncRunRecord, 'counts' | 'plan' | 'heldBack' | 'planMs' | 'firstErrors' | 'reach'>> & { status?: RunStatus; error?: string | null; finishedAt?: Date },
  ): Promise<void> {
    const row: Record<string, unknown> = {};
    if (patch.counts) Object.assign(row, patch.counts);
    if (patch.plan) Object.assign(row, patch.plan);
    if (patch.heldBack) row.held_back = JSON.stringify(patch.heldBack);
    if (patch.planMs !== undefined) row.plan_ms = patch.planMs;
    if (patch.reach !== undefined) row.reach = patch.reach === null ? null : JSON.stringify(patch.reach);
    // Every stored error text passes the secret scrubber (destinations' errors already did; this
    // covers the rest, e.g. a driver error quoting a connection string).
    if (patch.firstErrors) row.first_errors = JSON.stringify(patch.firstErrors.map((e) => ({ ...e, error: scrubSecretText(e.error) })));
    if (patch.status) row.status = patch.status;
    if (patch.error !== undefined) row.error = patch.error === null ? null : scrubSecretText(patch.error);
    if (patch.finishedAt) row.finished_at = patch.finishedAt.getTime();
    if (Object.keys(row).length) await this.knex('sync_runs').where({ id }).update(row);
  }

  /** Runs left `running` by a process that died: they will never finish. */
  async markInterrupted(sync: string, now = new Date()): Promise<number> {
    return this.knex('sync_runs')
      .where({ sync, status: 'running' })
      .update({ status: 'interrupted', finished_at: now.getTime(), error: 'the process running this sync stopped before it finished' });
  }

  /**
   * Commits a group of batch results: the seq range (from, to] of the plan is done, ok except the
   * failed rows given. Atomic; ranges may be committed out of order (see lastCommit), and the
   * next run sends only the seqs no range covers.
   */
  async commit(entry: { sync: string; planId: string; runId: string; from: number; to: number; at: Date; failures: readonly RowLogEntry[] }): Promise<void> {
    const range = { sync: entry.sync, plan_id: entry.planId, run_id: entry.runId, from_seq: entry.from, to_seq: entry.to, at: entry.at.getTime() };
    // All ok (the common case, several times a second on a fast destination): one INSERT is
    // atomic on its own, and skipping BEGIN/COMMIT saves two round trips through knex.
    if (entry.failures.length === 0) {
      await this.knex('sync_commits').insert(range);
      return;
    }
    await this.knex.transaction(async (trx) => {
      await trx('sync_commits').insert(range);
      for (let i = 0; i < entry.failures.length; i += LOG_CHUNK) {
        await trx('sync_row_log').insert(
          entry.failures.slice(i, i + LOG_CHUNK).map((e) => ({
            run_id: e.runId,
            sync: e.sync,
            plan_id: e.planId,
            seq: e.seq,
            key: e.key,
            op: e.op,
            status: e.status,
            error: e.error === null ? null : scrubSecretText(e.error),
            at: e.at.getTime(),
          })),
        );
      }
    });
  }

  /**
   * How far a plan is committed: `seq`, the end of the committed seqs that run without a gap
   * from the start (everything up to it has a result), by which run and when; and `ahead`, the
   * ranges (from, to] committed beyond a gap (batches that finished before one sent earlier),
   * which a rerun skips.
   */
  async lastCommit(sync: string, planId: string): Promise<{ seq: number; runId: string | null; at: Date | null; ahead: Array<[number, number]> }> {
    const rows = (await this.knex('sync_commits').where({ sync, plan_id: planId }).orderBy('from_seq').select('from_seq', 'to_seq', 'run_id', 'at')) as Array<{
      from_seq: unknown;
      to_seq: unknown;
      run_id: string;
      at: unknown;
    }>;
    let seq = 0;
    let last: (typeof rows)[number] | undefined;
    const ahead: Array<[number, number]> = [];
    for (const row of rows) {
      const from = intColumn.parse(row.from_seq);
      const to = intColumn.parse(row.to_seq);
      if (ahead.length === 0 && from <= seq) {
        if (to > seq) [seq, last] = [to, row];
      } else ahead.push([from, to]);
    }
    if (!last) return { seq: 0, runId: null, at: null, ahead };
    return { seq, runId: last.run_id, at: dateColumn.parse(last.at), ahead: ahead.filter(([, to]) => to > seq) };
  }

  /** Failed rows of a plan with seq in (from, to]. */
  async failures(sync: string, planId: string, from: number, to: number): Promise<RowLogEntry[]> {
    const rows: unknown[] = await this.knex('sync_row_log').where({ sync, plan_id: planId }).andWhere('seq', '>', from).andWhere('seq', '<=', to).orderBy('seq');
    return rows.map((row) => {
      const r = logRow.parse(row);
      return { runId: r.run_id, sync: r.sync, planId: r.plan_id, seq: r.seq, key: r.key, op: r.op, status: r.status, error: r.error, at: r.at };
    });
  }

  /** Drops the commit records of plans other than `planId` (they are folded into the state). */
  async forgetCommits(sync: string, planId: string): Promise<void> {
    await this.knex('sync_commits').where({ sync }).andWhereNot({ plan_id: planId }).delete();
  }

  async run(id: string): Promise<SyncRunRecord | undefined> {
    const row: unknown = await this.knex('sync_runs').where({ id }).first();
    return row ? toRecord(row) : undefined;
  }

  /** Newest first. */
  async runs(sync: string, options: { limit?: number } = {}): Promise<SyncRunRecord[]> {
    const rows: unknown[] = await this.knex('sync_runs')
      .where({ sync })
      .orderBy([{ column: 'started_at', order: 'desc' }, { column: 'id', order: 'desc' }])
      .limit(options.limit ?? 20);
    return rows.map(toRecord);
  }

  /** The newest run of each sync. */
  /** Deletes the simulated runs (an earlier `cdp demo`'s), before a demo writes its own. */
  async forgetSimulated(): Promise<number> {
    return this.knex('sync_runs').where('trigger', SIMULATED_TRIGGER).delete();
  }

  /** Each sync's last real run (simulated runs never stand for a sync's status). */
  async latestRuns(): Promise<Map<string, SyncRunRecord>> {
    const latest = this.knex('sync_runs').whereNot('trigger', SIMULATED_TRIGGER).select('sync').max({ started_at: 'started_at' }).groupBy('sync').as('l');
    const rows: unknown[] = await this.knex('sync_runs as r')
      .join(latest, function on() {
        this.on('r.sync', '=', 'l.sync').andOn('r.started_at', '=', 'l.started_at');
      })
      .whereNot('r.trigger', SIMULATED_TRIGGER)
      .select('r.*');
    const out = new Map<string, SyncRunRecord>();
    for (const row of rows.map(toRecord)) out.set(row.sync, row);
    return out;
  }

  /** What happened to rows of a sync, newest first; filter by row key and/or run. */
  async rowLog(sync: string, options: { key?: string; runId?: string; status?: RowLogEntry['status']; limit?: number } = {}): Promise<RowLogEntry[]> {
    const query = this.knex('sync_row_log').where({ sync });
    if (options.key !== undefined) query.andWhere({ key: options.key });
    if (options.runId !== undefined) query.andWhere({ run_id: options.runId });
    if (options.status !== undefined) query.andWhere({ status: options.status });
    const rows: unknown[] = await query.orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options.limit ?? 100);
    return rows.map((row) => {
      const r = logRow.parse(row);
      return { runId: r.run_id, sync: r.sync, planId: r.plan_id, seq: r.seq, key: r.key, op: r.op, status: r.status, error: r.error, at: r.at };
    });
  }

  /** Deletes failed-row entries older than `before` (retention). */
  /** Drops the failed-row details (`first_errors`) of runs started before `before`; the runs stay. Returns how many runs. */
  async forgetRunDetails(before: Date): Promise<number> {
    return this.knex('sync_runs').where('started_at', '<', before.getTime()).whereNotNull('first_errors').update({ first_errors: null });
  }

  async prune(before: Date): Promise<number> {
    // Failures of a plan still being worked through are its journal: never pruned.
    return this.knex('sync_row_log')
      .where('at', '<', before.getTime())
      .whereNotIn('plan_id', this.knex('sync_commits').distinct('plan_id'))
      .delete();
  }
}
