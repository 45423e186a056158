import type { ColumnDef, Dialect, Warehouse, WarehouseSession } from '../warehouse/index.js';
import type { SyncHistory } from '../state/repositories/sync-runs.js';
import { ensurePayloadColumn, hasPayloadColumn, PAYLOAD_COLUMN } from './payloads.js';
import type { SyncTables } from './tables.js';

/**
 * The warehouse side of a sync's memory.
 *
 * State (`sync_state_<sync>`), one row per key the destination has been sent:
 *   sync_key, fields_hash (hash of the values last attempted; '-' after a removal attempt),
 *   identity_hash (of the identity fields last delivered), status (ok | rejected | retryable |
 *   pending), last_attempt_at, error, run_id, sent_values (JSON of the values last delivered,
 *   used to remove the person later).
 * Progress (`sync_progress_<sync>`), one row: the current plan and how far its results are folded
 *   into the state (`compacted_seq`).
 * Log (`sync_log_<sync>`): one row per row sent (plan_id, run_id, seq, sync_key, op, status,
 *   error, attempted_at, values_json: the payload sent, kept for the last runs only: payloads.ts),
 *   kept N days.
 *
 * While sending, each group of batch results is committed to the state store (a seq range and
 * its failed rows): a small write that costs the same at 100M rows as at 1,000 and does not
 * spend warehouse DML. When a run stops (done or not) — or at the start of the next run if the
 * process died — what was committed is folded into the state and the log set-based, once.
 */

export const STATE_STATUSES = ['ok', 'rejected', 'retryable', 'pending'] as const;
export type StateStatus = (typeof STATE_STATUSES)[number];

/** fields_hash of a row whose last op was a removal attempt. */
export const REMOVED_HASH = '-';

export async function ensureStateTables(warehouse: Warehouse, tables: SyncTables): Promise<void> {
  const d = warehouse.dialect;
  const s = d.typeName('string');
  const ts = d.typeName('timestamp');
  const int = d.typeName('integer');
  await warehouse.createSchema(tables.state.schema);
  await warehouse.execute(
    `CREATE TABLE IF NOT EXISTS ${d.relation(tables.state)} (sync_key ${s}, fields_hash ${s}, identity_hash ${s}, status ${s}, ` +
      `last_attempt_at ${ts}, error ${s}, run_id ${s}, sent_values ${s})`,
  );
  await warehouse.execute(
    `CREATE TABLE IF NOT EXISTS ${d.relation(tables.progress)} (plan_id ${s}, planned ${int}, removes ${int}, upserts ${int}, ` +
      `batch_size ${int}, compacted_seq ${int}, created_at ${ts}, mode ${s}, key_column ${s}, fields_json ${s})`,
  );
  await warehouse.execute(
    `CREATE TABLE IF NOT EXISTS ${d.relation(tables.log)} (plan_id ${s}, run_id ${s}, seq ${int}, sync_key ${s}, op ${s}, status ${s}, error ${s}, attempted_at ${ts}, ${PAYLOAD_COLUMN} ${s})`,
  );
}

/** The plan a sync is working through (or finished last). */
export interface Progress {
  planId: string;
  planned: number;
  removes: number;
  upserts: number;
  batchSize: number;
  /** Results up to this seq are committed (state store), without a gap. */
  committedSeq: number;
  /** Seq ranges (from, to] committed beyond committedSeq (batches that finished out of order). */
  committedAhead: Array<[number, number]>;
  /** Every row has a committed result. */
  done: boolean;
  /** Results up to this seq are folded into the state (warehouse). */
  compactedSeq: number;
  createdAt: Date;
  mode: string;
  keyColumn: string;
  fields: string[];
}

export type PlanRecord = Omit<Progress, 'committedSeq' | 'committedAhead' | 'done'>;

export async function readProgress(warehouse: Warehouse, tables: SyncTables, history: SyncHistory, sync: string): Promise<Progress | undefined> {
  if (!(await warehouse.relationExists(tables.progress))) return undefined;
  const rows = await warehouse.query(`SELECT * FROM ${warehouse.dialect.relation(tables.progress)}`);
  const r = rows[0];
  if (!r) return undefined;
  const planId = String(r.plan_id);
  const planned = Number(r.planned);
  const { seq: committedSeq, ahead: committedAhead } = await history.lastCommit(sync, planId);
  return {
    planId,
    planned,
    removes: Number(r.removes),
    upserts: Number(r.upserts),
    batchSize: Number(r.batch_size),
    committedSeq,
    committedAhead,
    done: committedSeq >= planned,
    compactedSeq: Number(r.compacted_seq),
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(String(r.created_at)),
    mode: String(r.mode),
    keyColumn: String(r.key_column),
    fields: JSON.parse(String(r.fields_json)) as string[],
  };
}

export async function writeProgress(session: WarehouseSession, tables: SyncTables, p: PlanRecord): Promise<void> {
  const d = session.dialect;
  // GoogleSQL requires a WHERE clause on DELETE; TRUE is portable.
  await session.execute(`DELETE FROM ${d.relation(tables.progress)} WHERE TRUE`);
  await session.execute(
    `INSERT INTO ${d.relation(tables.progress)} (plan_id, planned, removes, upserts, batch_size, compacted_seq, created_at, mode, key_column, fields_json) VALUES (` +
      [p.planId, p.planned, p.removes, p.upserts, p.batchSize, p.compactedSeq, p.createdAt, p.mode, p.keyColumn, JSON.stringify(p.fields)]
        .map((v) => d.literal(v))
        .join(', ') +
      ')',
  );
}

const FAILURE_COLUMNS: ColumnDef[] = [
  { name: 'seq', kind: 'integer' },
  { name: 'status', kind: 'string' },
  { name: 'error', kind: 'string' },
];

/**
 * Folds what was committed but not yet folded (seq in (compactedSeq, committedSeq] of the plan)
 * into the state and the log, in one warehouse transaction: removals that succeeded delete their
 * key; every other outcome updates or inserts the key, failed attempts keeping what the
 * destination still has (identity and values last delivered).
 *
 * One write per table, each reading only the plan's seq window: an INSERT into the log; a DELETE
 * of the state rows of the window's keys that were in the state when planned (anything but
 * `added`) and one INSERT of every key's new row. Not a MERGE: on DuckDB an UPDATE of keys spread
 * over the whole state rewrites every row group it touches when committed, so a 1% churn cost as
 * much as the whole state (1.2 CPU s at 1M rows, against 0.25 s for DELETE + INSERT). The new rows
 * of failed attempts need the state's old values: when the window has failures, they are put in a
 * scratch table before the transaction (nothing reads the state's old values otherwise).
 */
export async function compactPlan(warehouse: Warehouse, tables: SyncTables, history: SyncHistory, sync: string): Promise<void> {
  const progress = await readProgress(warehouse, tables, history, sync);
  if (!progress || progress.committedSeq <= progress.compactedSeq) return;
  const d = warehouse.dialect;
  // Each row's payload goes into the log with its outcome (the row debugger; see payloads.ts).
  await ensurePayloadColumn(warehouse, tables.log);
  const last = await history.lastCommit(sync, progress.planId);
  const failed = await history.failures(sync, progress.planId, progress.compactedSeq, progress.committedSeq);
  if (failed.length > 0) await warehouse.loadTable(tables.results, FAILURE_COLUMNS, [failed.map((f) => [f.seq, f.status, f.error])]);
  const fold = new FoldSql(d, tables, {
    planId: progress.planId,
    runId: last.runId ?? '',
    at: last.at ?? new Date(),
    window: `p.seq > ${d.literal(progress.compactedSeq)} AND p.seq <= ${d.literal(progress.committedSeq)}`,
    failures: failed.length > 0,
    removals: progress.removes > 0,
  });
  const planned = await foldedReasons(warehouse, tables, fold.window);
  const scratch = planned.others && fold.failures;
  if (scratch) {
    await warehouse.execute(d.dropRelation(tables.folding, 'table'));
    await warehouse.execute(fold.scratchCreate());
  }
  await warehouse.transaction(async (session) => {
    await session.execute(fold.logInsert());
    if (planned.others) await session.execute(fold.stateDelete());
    if (planned.added || planned.others) await session.execute(fold.stateInsert(planned.added, planned.others));
    await session.execute(`UPDATE ${d.relation(tables.progress)} SET compacted_seq = ${d.literal(progress.committedSeq)} WHERE TRUE`);
  });
  if (scratch) await warehouse.execute(d.dropRelation(tables.folding, 'table'));
}

const STATE_COLUMNS = ['sync_key', 'fields_hash', 'identity_hash', 'status', 'last_attempt_at', 'error', 'run_id', 'sent_values'];

/** The statements of one fold: a seq window of the plan and its failed rows (in `tables.results` when there are any). */
export class FoldSql {
  readonly window: string;
  readonly failures: boolean;
  private readonly planId: string;
  private readonly runId: string;
  private readonly at: string;
  private readonly plan: string;

  constructor(
    private readonly d: Dialect,
    private readonly tables: SyncTables,
    private readonly options: { planId: string; runId: string; at: Date; window: string; failures: boolean; removals: boolean },
  ) {
    this.window = options.window;
    this.failures = options.failures;
    this.planId = d.literal(options.planId);
    this.runId = d.literal(options.runId);
    this.at = d.literal(options.at);
    this.plan = d.relation(tables.plan);
  }

  /** The window's rows with their outcome (ok unless a failed row says otherwise); no join when nothing failed. */
  private outcomes(reasons: string): string {
    return `SELECT p.seq, p.sync_key, p.op, ${this.status()} AS status, ${this.error()} AS error, p.fields_hash, p.identity_hash,
        CASE WHEN p.op = 'upsert' THEN p.values_json END AS new_values
      FROM ${this.plan} p${this.failureJoin()}
      WHERE ${this.window} AND ${reasons}`;
  }

  private status(): string {
    return this.failures ? `COALESCE(f.status, 'ok')` : `'ok'`;
  }

  private error(): string {
    return this.failures ? 'f.error' : this.d.cast('NULL', 'string');
  }

  private failureJoin(): string {
    return this.failures ? ` LEFT JOIN ${this.d.relation(this.tables.results)} f ON f.seq = p.seq` : '';
  }

  logInsert(): string {
    return (
      `INSERT INTO ${this.d.relation(this.tables.log)} (plan_id, run_id, seq, sync_key, op, status, error, attempted_at, ${PAYLOAD_COLUMN}) ` +
      `SELECT ${this.planId}, ${this.runId}, p.seq, p.sync_key, p.op, ${this.status()}, ${this.error()}, ${this.at}, p.values_json ` +
      `FROM ${this.plan} p${this.failureJoin()} WHERE ${this.window}`
    );
  }

  /**
   * The state rows of every key in the window that had one when planned: re-inserted by others()
   * unless the key's removal succeeded.
   */
  stateDelete(): string {
    return `DELETE FROM ${this.d.relation(this.tables.state)} WHERE sync_key IN (SELECT p.sync_key FROM ${this.plan} p WHERE ${this.window} AND p.reason <> 'added')`;
  }

  /** The new rows of the keys not planned as `added`, with the state's old values, before the DELETE (only when something failed). */
  scratchCreate(): string {
    return `CREATE TABLE ${this.d.relation(this.tables.folding)} AS ${this.others(true)}`;
  }

  /** One INSERT of the new state rows: the `added` keys' and the others' (from the scratch table when something failed). */
  stateInsert(added: boolean, others: boolean): string {
    const rows = [...(added ? [this.added()] : []), ...(others ? [this.failures ? `SELECT * FROM ${this.d.relation(this.tables.folding)}` : this.others(false)] : [])];
    return `INSERT INTO ${this.d.relation(this.tables.state)} (${STATE_COLUMNS.join(', ')}) ${rows.join(' UNION ALL ')}`;
  }

  /**
   * Keys planned as `added` had no state row when planned, and only this plan's fold (once per
   * seq, under the sync's lease) writes them: their rows come from the plan alone.
   */
  private added(): string {
    return `SELECT o.sync_key, o.fields_hash, CASE WHEN o.status = 'ok' THEN o.identity_hash END AS identity_hash,
        o.status, ${this.at} AS last_attempt_at, o.error, ${this.runId} AS run_id, CASE WHEN o.status = 'ok' THEN o.new_values END AS sent_values
      FROM (${this.outcomes(`p.reason = 'added'`)}) o`;
  }

  /**
   * The new state rows of the other keys, a failed attempt keeping what the destination still has
   * (read from the state when `withState`: needed only when something failed, before the DELETE).
   * A key has two ops only when its old record was removed before the new one was sent: the later
   * op (the upsert) wins, and after a removal that succeeded the destination has nothing of it.
   */
  private others(withState: boolean): string {
    const d = this.d;
    const latest = this.options.removals
      ? `SELECT x.* FROM (SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.sync_key ORDER BY o.seq DESC) AS rn,
            MAX(CASE WHEN o.op = 'remove' AND o.status = 'ok' THEN 1 ELSE 0 END) OVER (PARTITION BY o.sync_key) AS gone
          FROM (${this.outcomes(`p.reason <> 'added'`)}) o) x
        WHERE x.rn = 1 AND NOT (x.op = 'remove' AND x.status = 'ok')`
      : `SELECT o.*, 0 AS gone FROM (${this.outcomes(`p.reason <> 'added'`)}) o`;
    const old = (column: string) => (withState ? `st.${column}` : d.cast('NULL', 'string'));
    const join = withState ? ` LEFT JOIN ${d.relation(this.tables.state)} st ON st.sync_key = r.sync_key AND r.gone = 0` : '';
    return `SELECT r.sync_key, r.fields_hash,
        CASE WHEN r.status = 'ok' THEN r.identity_hash ELSE ${old('identity_hash')} END AS identity_hash,
        r.status, ${this.at} AS last_attempt_at, r.error, ${this.runId} AS run_id,
        CASE WHEN r.status = 'ok' THEN r.new_values ELSE ${old('sent_values')} END AS sent_values
      FROM (${latest}) r${join}`;
  }
}

/** Whether the seq window holds ops planned as `added` and ops of any other reason (removals included). */
async function foldedReasons(warehouse: Warehouse, tables: SyncTables, window: string): Promise<{ added: boolean; others: boolean }> {
  const [row] = await warehouse.query(
    `SELECT SUM(CASE WHEN p.reason = 'added' THEN 1 ELSE 0 END) AS added, SUM(CASE WHEN p.reason = 'added' THEN 0 ELSE 1 END) AS others ` +
      `FROM ${warehouse.dialect.relation(tables.plan)} p WHERE ${window}`,
  );
  return { added: Number(row?.added ?? 0) > 0, others: Number(row?.others ?? 0) > 0 };
}

/** Deletes log rows older than `before` (retention). */
export async function pruneLog(warehouse: Warehouse, tables: SyncTables, before: Date): Promise<void> {
  await warehouse.execute(`DELETE FROM ${warehouse.dialect.relation(tables.log)} WHERE attempted_at < ${warehouse.dialect.literal(before)}`);
}

/** Rows per status in the state (as folded so far), for `cdp sync status`. */
export async function stateCounts(warehouse: Warehouse, tables: SyncTables): Promise<Record<StateStatus, number>> {
  const out: Record<StateStatus, number> = { ok: 0, rejected: 0, retryable: 0, pending: 0 };
  if (!(await warehouse.relationExists(tables.state))) return out;
  const rows = await warehouse.query<{ status: string; n: number }>(
    `SELECT status, COUNT(*) AS n FROM ${warehouse.dialect.relation(tables.state)} GROUP BY status`,
  );
  for (const row of rows) if ((STATE_STATUSES as readonly string[]).includes(row.status)) out[row.status as StateStatus] = Number(row.n);
  return out;
}

export interface LogEntry {
  runId: string;
  planId: string;
  key: string;
  op: 'upsert' | 'remove';
  status: 'ok' | 'rejected' | 'retryable';
  error: string | null;
  at: Date;
  /** The fields this run sent for the row (JSON text), when asked for and still kept (payloads.ts). */
  payload?: string | null;
}

/** What happened to rows of a sync, newest first; `payloads` adds what each run sent. */
export async function readLog(
  warehouse: Warehouse,
  tables: SyncTables,
  filter: { key?: string; runId?: string; status?: LogEntry['status']; limit?: number; payloads?: boolean },
): Promise<LogEntry[]> {
  if (!(await warehouse.relationExists(tables.log))) return [];
  const d = warehouse.dialect;
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = ${d.param(params.length)}`);
  };
  add('sync_key', filter.key);
  add('run_id', filter.runId);
  add('status', filter.status);
  const payloads = filter.payloads === true && (await hasPayloadColumn(warehouse, tables.log));
  const rows = await warehouse.query(
    `SELECT run_id, plan_id, sync_key, op, status, error, attempted_at${payloads ? `, ${PAYLOAD_COLUMN}` : ''} FROM ${d.relation(tables.log)}` +
      `${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY attempted_at DESC, seq DESC ${d.limit(filter.limit ?? 100)}`,
    params,
  );
  return rows.map((r) => ({
    runId: String(r.run_id),
    planId: String(r.plan_id),
    key: String(r.sync_key),
    op: r.op as LogEntry['op'],
    status: r.status as LogEntry['status'],
    error: r.error === null || r.error === undefined ? null : String(r.error),
    at: r.attempted_at instanceof Date ? r.attempted_at : new Date(String(r.attempted_at)),
    ...(payloads ? { payload: r[PAYLOAD_COLUMN] === null || r[PAYLOAD_COLUMN] === undefined ? null : String(r[PAYLOAD_COLUMN]) } : {}),
  }));
}
