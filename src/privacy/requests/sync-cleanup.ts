import type { Knex } from 'knex';
import { type SyncTables } from '../../syncs/index.js';
import { SyncHistory } from '../../state/index.js';
import { compactPlan, readProgress } from '../../syncs/state.js';
import type { Warehouse } from '../../warehouse/index.js';
import { keyMatchSql } from './keys.js';

/*
 * What a sync keeps of a person besides the vendor's copy: its state, row logs and plans. A
 * deletion clears them here once the destination confirmed (see forget.ts).
 */

/** Deletes the person's rows from the sync's plans: a finished (or compacted) plan still holds the values it sent. */
export async function purgePlans(warehouse: Warehouse, tables: SyncTables, keys: readonly string[], dryRun: boolean): Promise<number> {
  const d = warehouse.dialect;
  let rows = 0;
  for (const plan of [tables.plan, tables.dryPlan]) {
    if (!(await warehouse.relationExists(plan))) continue;
    const where = keyMatchSql(d, 'sync_key', keys);
    const [row] = await warehouse.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${d.relation(plan)} WHERE ${where}`);
    const n = Number(row?.n ?? 0);
    if (n && !dryRun) await warehouse.execute(`DELETE FROM ${d.relation(plan)} WHERE ${where}`);
    rows += n;
  }
  return rows;
}

/** Deletes these keys from the sync state, the warehouse row log and the state store's failed-row journal. */
export async function deleteKeys(warehouse: Warehouse, tables: SyncTables, sync: string, knex: Knex, keys: readonly string[]): Promise<{ state: number; log: number }> {
  if (!keys.length) return { state: 0, log: 0 };
  const d = warehouse.dialect;
  const where = keyMatchSql(warehouse.dialect, 'sync_key', keys.map((k) => k.trim().toLowerCase()));
  const count = async (table: SyncTables['state']) => {
    if (!(await warehouse.relationExists(table))) return 0;
    const [row] = await warehouse.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${d.relation(table)} WHERE ${where}`);
    return Number(row?.n ?? 0);
  };
  const state = await count(tables.state);
  const log = await count(tables.log);
  await warehouse.transaction(async (session) => {
    if (state) await session.execute(`DELETE FROM ${d.relation(tables.state)} WHERE ${where}`);
    if (log) await session.execute(`DELETE FROM ${d.relation(tables.log)} WHERE ${where}`);
  });
  // The state store's journal of failed rows names keys (and vendor reasons) too.
  const journal = await knex('sync_row_log').where({ sync }).whereIn('key', [...keys]).delete();
  return { state, log: log + Number(journal ?? 0) };
}

/**
 * A plan an interrupted run left unfinished is resumed as it is by the next run: if it still holds
 * the person's rows, it would send them again. Its committed results are folded into the state
 * first, then the plan is dropped: everything it had left is planned afresh (the planner sees those
 * keys as new or pending), so nothing of anyone else is lost.
 */
export async function discardPlanHolding(warehouse: Warehouse, tables: SyncTables, sync: string, knex: Knex, keys: readonly string[]): Promise<boolean> {
  if (!(await warehouse.relationExists(tables.plan))) return false;
  const history = new SyncHistory(knex);
  await compactPlan(warehouse, tables, history, sync);
  const progress = await readProgress(warehouse, tables, history, sync);
  if (!progress || progress.done) return false;
  const d = warehouse.dialect;
  const [row] = await warehouse.query<{ n: number | bigint }>(
    `SELECT COUNT(*) AS n FROM ${d.relation(tables.plan)} WHERE seq > ${d.literal(progress.committedSeq)} AND ${keyMatchSql(d, 'sync_key', keys)}`,
  );
  if (Number(row?.n ?? 0) === 0) return false;
  await warehouse.execute(d.dropRelation(tables.plan, 'table'));
  return true;
}
