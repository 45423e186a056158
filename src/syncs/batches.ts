import type { AnyDestination, Row, SendOp } from '../destinations/index.js';
import type { Warehouse } from '../warehouse/index.js';
import type { Progress } from './state.js';
import type { SyncTables } from './tables.js';

/**
 * How a plan is cut into batches and read back from the warehouse: removals first, then upserts,
 * each op in batches of the plan's batch size, numbered globally and within their op.
 */

/** What reading batches needs. */
export interface BatchSource {
  warehouse: Warehouse;
  tables: SyncTables;
  progress: Progress;
  destination: AnyDestination;
  /** The plan has rows the planner rejected (read with their reasons); false skips that work. */
  hasRejects?: boolean;
}

/** Whether the plan holds rows rejected while planning (one query per send, not per batch). */
export async function planHasRejects(input: Pick<BatchSource, 'warehouse' | 'tables'>): Promise<boolean> {
  const d = input.warehouse.dialect;
  // A plan written before rows could be rejected while planning has no reject_reason column: none.
  const columns = await input.warehouse.listColumns(input.tables.plan);
  if (!columns.some((c) => c.name === 'reject_reason')) return false;
  const rows = await input.warehouse.query(`SELECT 1 AS one FROM ${d.relation(input.tables.plan)} WHERE reject_reason IS NOT NULL ${d.limit(1)}`);
  return rows.length > 0;
}

export interface Batch {
  number: number;
  op: SendOp;
  index: number;
  /** Rows are the seqs firstSeq..lastSeq, in order. */
  firstSeq: number;
  lastSeq: number;
  count: number;
  /** Upserts to a destination with sendRowsJson: the rows to send as JSON objects, never parsed here (rejected rows left out). */
  json?: string;
  /** Every row of the batch, rejected ones included. */
  rows?: Row[];
  /** Rows the planner rejected (positions in the batch, 0-based, ascending): never sent, committed as rejected. */
  rejected?: Array<{ position: number; reason: string }>;
}

/** The key a batch carries on every send: its plan and first seq (a plan's batches never change). */
export function idempotencyKey(planId: string, firstSeq: number): string {
  return `${planId}:${firstSeq}`;
}

/** The keys of a batch's rows in order; read back from the plan when only its JSON was fetched. */
export async function keysOf(input: BatchSource, batch: Batch): Promise<string[]> {
  if (batch.rows) return batch.rows.map((r) => r.key);
  const d = input.warehouse.dialect;
  const rows = await input.warehouse.query<{ sync_key: string }>(
    `SELECT sync_key FROM ${d.relation(input.tables.plan)} WHERE seq >= ${batch.firstSeq} AND seq <= ${batch.lastSeq} ORDER BY seq`,
  );
  return rows.map((r) => String(r.sync_key));
}

/** Where each seq of a plan falls: removals first, then upserts, each cut into batches of `batchSize`. */
export class PlanLayout {
  readonly removeBatches: number;
  readonly upsertBatches: number;
  constructor(readonly progress: Pick<Progress, 'removes' | 'upserts' | 'batchSize'>) {
    this.removeBatches = Math.ceil(progress.removes / progress.batchSize);
    this.upsertBatches = Math.ceil(progress.upserts / progress.batchSize);
  }
  get total(): number {
    return this.removeBatches + this.upsertBatches;
  }
  /** Global batch number (0-based, removals first), its op and 1-based index within the op. */
  batch(number: number): { op: SendOp; index: number; firstSeq: number; lastSeq: number } {
    const { removes, upserts, batchSize } = this.progress;
    if (number < this.removeBatches) {
      return { op: 'remove', index: number + 1, firstSeq: number * batchSize + 1, lastSeq: Math.min(removes, (number + 1) * batchSize) };
    }
    const n = number - this.removeBatches;
    return { op: 'upsert', index: n + 1, firstSeq: removes + n * batchSize + 1, lastSeq: removes + Math.min(upserts, (n + 1) * batchSize) };
  }
  /** The batch holding seq. */
  numberOf(seq: number): number {
    const { removes, batchSize } = this.progress;
    return seq <= removes ? Math.floor((seq - 1) / batchSize) : this.removeBatches + Math.floor((seq - removes - 1) / batchSize);
  }
}

/**
 * Reads batches [first, last] (one op) of the plan, one result row per batch with JSON texts built
 * in the warehouse: the keys, and either the rows as flat objects `{<key column>: key, ...fields}`
 * (for destinations with sendRowsJson) or each row's fields (removals: the values last delivered,
 * as stored). Node parses a few strings per batch instead of converting values row by row.
 */
export async function readBatches(input: BatchSource, layout: PlanLayout, first: number, last: number): Promise<Batch[]> {
  const { warehouse, tables, progress, destination } = input;
  const d = warehouse.dialect;
  const head = layout.batch(first);
  const tail = layout.batch(last);
  // The plan holds each row's values as JSON (with the key for destinations that take it).
  const asJson = head.op === 'upsert' && destination.sendRowsJson !== undefined;
  // JSON rows leave rejected rows out (they are never sent); parsed rows keep them, for their keys.
  const rejects = input.hasRejects === true;
  const rowExpr = asJson && rejects ? `CASE WHEN reject_reason IS NULL THEN COALESCE(values_json, '{}') END` : `COALESCE(values_json, '{}')`;
  // Keys travel separately only when rows are parsed here; JSON rows carry theirs.
  const keys = asJson ? '' : `, ${d.stringAgg('key_json', ',', 'seq')} AS keys_json`;
  const rejectJson = rejects ? `, CASE WHEN reject_reason IS NOT NULL THEN ${d.jsonObjectText([['s', 'seq'], ['r', 'reject_reason']])} END AS reject_json` : '';
  const rejectsAgg = rejects ? `, ${d.stringAgg('reject_json', ',', 'seq')} AS rejects_json` : '';
  const opStart = head.firstSeq - (head.index - 1) * progress.batchSize;
  const rows = await warehouse.query<{ b: number; n: number; keys_json?: string; rows_json: string | null; rejects_json?: string | null }>(
    `SELECT CAST(FLOOR((seq - ${opStart}) / ${progress.batchSize}.0) AS ${d.typeName('integer')}) AS b, COUNT(*) AS n, ` +
      `${d.stringAgg('row_json', ',', 'seq')} AS rows_json${rejectsAgg}${keys} ` +
      `FROM (SELECT seq, ${rowExpr} AS row_json${rejectJson}${asJson ? '' : `, ${d.jsonObjectText([['k', 'sync_key']])} AS key_json`} ` +
      `FROM ${d.relation(tables.plan)} WHERE seq >= ${head.firstSeq} AND seq <= ${tail.lastSeq}) x GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((r) => {
    const number = first + (Number(r.b) - (head.index - 1));
    const where = layout.batch(number);
    const count = where.lastSeq - where.firstSeq + 1;
    if (Number(r.n) !== count) throw new Error(`plan ${progress.planId}: batch ${number} has ${String(r.n)} rows, expected ${count}`);
    const batch: Batch = { number, ...where, count };
    if (r.rejects_json) {
      const rejects = JSON.parse(`[${r.rejects_json}]`) as Array<{ s: number; r: string }>;
      batch.rejected = rejects.map((x) => ({ position: Number(x.s) - where.firstSeq, reason: x.r }));
    }
    if (asJson) batch.json = `[${r.rows_json ?? ''}]`;
    else {
      const keyList = JSON.parse(`[${r.keys_json ?? ''}]`) as Array<{ k: string }>;
      const fields = JSON.parse(`[${r.rows_json ?? ''}]`) as Array<Record<string, unknown> | null>;
      batch.rows = keyList.map((key, i) => ({ key: key.k, fields: fields[i] ?? {} }));
    }
    return batch;
  });
}

