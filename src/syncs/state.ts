import type { ColumnDef, Warehouse, WarehouseSession } from '../warehouse/index.js';
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
 */
export async function compactPlan(warehouse: Warehouse, tables: SyncTables, history: SyncHistory, sync: string): Promise<void> {
  const progress = await readProgress(warehouse, tables, history, sync);
  if (!progress || progress.committedSeq <= progress.compactedSeq) return;
  const d = warehouse.dialect;
  const plan = d.relation(tables.plan);
  const state = d.relation(tables.state);
  // Each row's payload goes into the log with its outcome (the row debugger; see payloads.ts).
  await ensurePayloadColumn(warehouse, tables.log);
  const last = await history.lastCommit(sync, progress.planId);
  const failed = await history.failures(sync, progress.planId, progress.compactedSeq, progress.committedSeq);
  let failures = `(SELECT ${d.cast('NULL', 'integer')} AS seq, ${d.cast('NULL', 'string')} AS status, ${d.cast('NULL', 'string')} AS error FROM (SELECT 1 AS one) AS z WHERE 1 = 0)`;
  if (failed.length > 0) {
    await warehouse.loadTable(tables.results, FAILURE_COLUMNS, [failed.map((f) => [f.seq, f.status, f.error])]);
    failures = d.relation(tables.results);
  }
  const planId = d.literal(progress.planId);
  const runId = d.literal(last.runId ?? '');
  const at = d.literal(last.at ?? new Date());
  const window = `p.seq > ${d.literal(progress.compactedSeq)} AND p.seq <= ${d.literal(progress.committedSeq)}`;
  const outcomes = (reasons: string) => `SELECT p.seq, p.sync_key, p.op, COALESCE(f.status, 'ok') AS status, f.error, p.fields_hash, p.identity_hash,
        CASE WHEN p.op = 'upsert' THEN p.values_json END AS new_values
      FROM ${plan} p LEFT JOIN ${failures} f ON f.seq = p.seq
      WHERE ${window} AND ${reasons}`;
  // A key has two ops only when its old record was removed before the new one was sent: the
  // later op (the upsert) wins.
  const latest =
    progress.removes > 0
      ? `SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.sync_key ORDER BY o.seq DESC) AS rn FROM (${outcomes(`p.reason <> 'added'`)}) o WHERE NOT (o.op = 'remove' AND o.status = 'ok')`
      : `SELECT o.*, 1 AS rn FROM (${outcomes(`p.reason <> 'added'`)}) o`;
  const columns = ['sync_key', 'fields_hash', 'identity_hash', 'status', 'last_attempt_at', 'error', 'run_id', 'sent_values'];
  // Keys planned as `added` had no state row when planned, and only this plan's fold (once per
  // seq, under the sync's lease) writes them: a plain INSERT, no lookup in the state. Every other
  // key is merged into its row, a failed attempt keeping what the destination still has.
  const added = `SELECT o.sync_key, o.fields_hash, CASE WHEN o.status = 'ok' THEN o.identity_hash END AS identity_hash,
        o.status, ${at} AS last_attempt_at, o.error, ${runId} AS run_id, CASE WHEN o.status = 'ok' THEN o.new_values END AS sent_values
      FROM (${outcomes(`p.reason = 'added'`)}) o`;
  const others = `SELECT r.sync_key, r.fields_hash,
        CASE WHEN r.status = 'ok' THEN r.identity_hash ELSE st.identity_hash END AS identity_hash,
        r.status, ${at} AS last_attempt_at, r.error, ${runId} AS run_id,
        CASE WHEN r.status = 'ok' THEN r.new_values ELSE st.sent_values END AS sent_values
      FROM (${latest}) r
      LEFT JOIN ${state} st ON st.sync_key = r.sync_key
      WHERE r.rn = 1`;
  const planned = await foldedReasons(warehouse, tables, window);
  await warehouse.transaction(async (session) => {
    await session.execute(
      `INSERT INTO ${d.relation(tables.log)} (plan_id, run_id, seq, sync_key, op, status, error, attempted_at, ${PAYLOAD_COLUMN}) ` +
        `SELECT ${planId}, ${runId}, p.seq, p.sync_key, p.op, COALESCE(f.status, 'ok'), f.error, ${at}, p.values_json ` +
        `FROM ${plan} p LEFT JOIN ${failures} f ON f.seq = p.seq WHERE ${window}`,
    );
    if (progress.removes > 0 && progress.compactedSeq < progress.removes) {
      await session.execute(
        `DELETE FROM ${state} WHERE sync_key IN (SELECT p.sync_key FROM ${plan} p WHERE ${window} AND p.op = 'remove' ` +
          `AND NOT EXISTS (SELECT 1 FROM ${failures} f WHERE f.seq = p.seq))`,
      );
    }
    if (planned.added) await session.execute(`INSERT INTO ${state} (${columns.join(', ')}) ${added}`);
    if (planned.others) {
      for (const statement of d.merge({ target: tables.state, source: others, keys: ['sync_key'], insertColumns: columns, updateColumns: columns.slice(1) })) {
        await session.execute(statement);
      }
    }
    await session.execute(`UPDATE ${d.relation(tables.progress)} SET compacted_seq = ${d.literal(progress.committedSeq)} WHERE TRUE`);
  });
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
