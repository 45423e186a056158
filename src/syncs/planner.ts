import { modePolicy, type SyncMode } from '../destinations/index.js';
import { CdpError } from '../errors.js';
import type { ColumnKind, Dialect, RelationRef, Row, Warehouse } from '../warehouse/index.js';
import type { PlanFilter } from './filters.js';
import { fieldsHashSql, fingerprintDiffers } from './hash-sql.js';
import type { PreparedSync } from './load.js';
import type { MappedColumns, SyncRows } from './rows.js';
import { REMOVED_HASH, writeProgress } from './state.js';
import { shapedRowsSql, type ValueShaping } from './values-sql.js';
import type { SyncTables } from './tables.js';

/**
 * The plan of a run, computed in the warehouse with set-based SQL: the rows of the audience or
 * model (after plan filters) against the sync's state give
 * - added:    keys the destination never confirmed,
 * - changed:  keys whose mapped values differ from the last attempt,
 * - retry:    keys an earlier run left retryable or unconfirmed (pending),
 * - removed:  keys that left, whose values the destination has (mirror mode only),
 * - revoked:  keys held back by a filter that removes what it holds back (consent), whose values
 *             the destination has: removed in every mode, where the destination can remove,
 * - replaced: for destinations matching on identity fields, the old record of a changed key,
 * - full:     unchanged keys, resent only with `--full`.
 * Each op gets a `seq`: removals first, then upserts, each ordered by key. Rejected rows are not
 * planned again until their values change.
 */

export interface PlanCounts {
  /** Rows of the audience/model that are eligible (key not null, passing every filter). */
  current: number;
  /** Rows of the audience/model with a NULL key (never sent). */
  nullKeys: number;
  heldBack: Record<string, number>;
  added: number;
  changed: number;
  retry: number;
  full: number;
  removed: number;
  replaced: number;
  upserts: number;
  removes: number;
  total: number;
}

export interface Plan {
  planId: string;
  table: RelationRef;
  counts: PlanCounts;
  /** Destination field names, in the order of the plan's value columns f_0, f_1, ... */
  fields: string[];
  keyColumn: string;
  mode: SyncMode;
  ms: number;
}

export interface PlanInput {
  warehouse: Warehouse;
  sync: PreparedSync;
  /** The rows to send: the model, or a view over the audience's members. */
  source: SyncRows;
  columns: MappedColumns;
  tables: SyncTables;
  planId: string;
  full: boolean;
  filters: readonly PlanFilter[];
  identityFields: readonly string[];
  /** Put the key under this name into each row's values (destinations with sendRowsJson). */
  keyInValues?: string;
  batchSize: number;
  /** Build into the scratch table and touch neither state nor progress. */
  dryRun?: boolean;
  /** How values are shaped for the destination (identifier normalisation, ISO timestamps...). */
  shaping?: ValueShaping;
}

const valueColumn = (i: number): string => `f_${i}`;

/** Types the plan keeps as they are; anything else (lists, structs) travels as text. */
const KEPT_KINDS: ReadonlySet<ColumnKind> = new Set(['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json']);

function valueKind(kind: ColumnKind): Exclude<ColumnKind, 'other'> {
  return KEPT_KINDS.has(kind) ? (kind as Exclude<ColumnKind, 'other'>) : 'string';
}

export interface SourceStats {
  total: number;
  nullKeys: number;
  heldBack: Record<string, number>;
}

/**
 * Counts the source's rows, NULL keys and rows each filter holds back, and refuses a key that is
 * not unique (its rows would overwrite each other at the destination). Run before anything else.
 */
export async function inspectSource(input: Pick<PlanInput, 'warehouse' | 'source' | 'columns' | 'filters' | 'sync'>): Promise<SourceStats> {
  const { warehouse, source, columns, filters } = input;
  const d = warehouse.dialect;
  const key = `s.${d.quoteIdent(columns.key.name)}`;
  const held = filters.map((f, i) => `SUM(CASE WHEN ${key} IS NOT NULL AND (${f.predicate('s', d)}) THEN 0 WHEN ${key} IS NULL THEN 0 ELSE 1 END) AS held_${i}`);
  const [row] = await warehouse.query<Row>(
    `SELECT COUNT(*) AS total, COUNT(DISTINCT ${d.cast(key, 'string')}) AS distinct_keys, ` +
      `SUM(CASE WHEN ${key} IS NULL THEN 1 ELSE 0 END) AS null_keys${held.length ? `, ${held.join(', ')}` : ''} FROM ${source.from} s`,
  );
  const total = Number(row?.total ?? 0);
  const nullKeys = Number(row?.null_keys ?? 0);
  const distinct = Number(row?.distinct_keys ?? 0);
  if (distinct < total - nullKeys) {
    const sync = input.sync;
    throw new CdpError('SYNC_INVALID', `key ${columns.key.name} is not unique in ${source.label}: ${total - nullKeys - distinct} rows repeat a key`, {
      location: { file: sync.file ?? undefined, line: sync.location.lineOf?.(['key']), path: 'key' },
      hint: 'a sync needs one row per key: pick a unique column as key, or deduplicate the model',
    });
  }
  const heldBack: Record<string, number> = {};
  filters.forEach((f, i) => (heldBack[f.name] = (heldBack[f.name] ?? 0) + Number(row?.[`held_${i}`] ?? 0)));
  return { total, nullKeys, heldBack };
}

/**
 * The CREATE TABLE ... AS SELECT of the plan. The current rows are fingerprinted and joined to the
 * state once: a FULL JOIN in mirror mode (keys only in the state are the removals), a LEFT JOIN
 * otherwise. Only rows with an op leave the join, so a run after little churn sorts and writes
 * little; the values are serialised as JSON only for the upserts.
 */
export function planSelectSql(input: PlanInput, d: Dialect): string {
  const { columns, source, tables, filters, full, identityFields, sync, planId } = input;
  const q = (name: string) => d.quoteIdent(name);
  const policy = modePolicy(sync.definition.mode);
  const key = `s.${q(columns.key.name)}`;
  const fieldCols = columns.fields.map((f, i) => ({
    name: valueColumn(i),
    field: f.field,
    column: f.column,
    expr: valueKind(f.column.kind) === f.column.kind ? `s.${q(f.column.name)}` : d.cast(`s.${q(f.column.name)}`, 'string'),
  }));
  const where = [`${key} IS NOT NULL`, ...filters.map((f) => `(${f.predicate('s', d)})`)].join(' AND ');
  const hashed = (alias: string, only?: readonly string[]) =>
    fieldCols.filter((f) => !only || only.includes(f.field)).map((f) => ({ name: f.field, expr: `${alias}.${q(f.name)}` }));
  const hash = fieldsHashSql(d, hashed('src'));
  const identity = fieldsHashSql(d, hashed('src', identityFields));
  // The values to send, as one JSON object per row, built only for the rows being sent. With a
  // key column (destinations that forward rows as JSON objects) it comes first, unless a field
  // has its name.
  const withKey = input.keyInValues !== undefined && !fieldCols.some((f) => f.field === input.keyInValues);
  const valuesJson = d.jsonObjectText([
    ...(withKey ? [[input.keyInValues!, 'c.sync_key'] as const] : []),
    ...fieldCols.map((f) => [f.field, `c.${q(f.name)}`] as const),
  ]);
  const changed = fingerprintDiffers(d, 'c.fields_hash', 's.fields_hash', hashed('c'));
  const pendingLike = `s.status IN ('retryable', 'pending')`;
  // insert: only rows never delivered; changes to delivered rows are not sent.
  const gate = full
    ? 'TRUE'
    : policy.sendsChanges
      ? `s.sync_key IS NULL OR ${changed} OR ${pendingLike}`
      : `s.sync_key IS NULL OR (s.sent_values IS NULL AND (${changed} OR ${pendingLike}))`;
  // Keys the destination has values of, which a removal may take out (a failed removal's row
  // is rejected with the removed fingerprint and is not tried again).
  const removable = `s.sent_values IS NOT NULL AND NOT (s.status = 'rejected' AND s.fields_hash = ${d.literal(REMOVED_HASH)})`;
  const removes = policy.sendsRemovals;
  // Replaced removals compare identity fingerprints; a stored MD5 one needs the values themselves.
  const replacing = identityFields.length > 0 && policy.sendsChanges;
  const replacedColumns = replacing && d.valuesHash ? fieldCols.map((f) => `, c.${q(f.name)}`).join('') : '';
  const isRemoval = removes ? 'c.sync_key IS NULL' : 'FALSE';
  const diff = `SELECT CASE WHEN ${isRemoval} THEN 0 ELSE 1 END AS op_order,
        CASE WHEN ${isRemoval} THEN 'remove' ELSE 'upsert' END AS op,
        CASE WHEN ${isRemoval} THEN 'removed' WHEN s.sync_key IS NULL THEN 'added' WHEN ${changed} THEN 'changed'
             WHEN ${pendingLike} THEN 'retry' ELSE 'full' END AS reason,
        ${removes ? 'COALESCE(c.sync_key, s.sync_key)' : 'c.sync_key'} AS sync_key,
        ${removes ? `CASE WHEN ${isRemoval} THEN ${d.literal(REMOVED_HASH)} ELSE c.fields_hash END` : 'c.fields_hash'} AS fields_hash,
        c.identity_hash,
        ${removes ? `CASE WHEN ${isRemoval} THEN s.sent_values ELSE ${valuesJson} END` : valuesJson} AS values_json,
        c.reject_reason,
        s.sent_values AS prev_sent, s.identity_hash AS prev_identity${replacedColumns}
      FROM cur c ${removes ? 'FULL' : 'LEFT'} JOIN st s ON s.sync_key = c.sync_key
      WHERE ${removes ? `(c.sync_key IS NULL AND ${removable}) OR (c.sync_key IS NOT NULL AND (${gate}))` : gate}`;
  const others: string[] = [];
  const revoking = filters.filter((f) => f.removeHeldBack);
  const { destination } = sync;
  const canRemove = destination.membership === true || destination.modes.includes('mirror');
  const removal = (reason: string, from: string, where: string, sent = 'sent_values') =>
    `SELECT 0 AS op_order, 'remove' AS op, ${d.literal(reason)} AS reason, sync_key, ${d.literal(REMOVED_HASH)} AS fields_hash, ` +
    `${d.cast('NULL', 'string')} AS identity_hash, ${sent} AS values_json, ${d.cast('NULL', 'string')} AS reject_reason FROM ${from} WHERE ${where}`;
  if (!removes && canRemove && revoking.length > 0) {
    // Mirror mode removes these already (they are not current); other modes remove only these.
    const heldKey = `h.${q(columns.key.name)}`;
    const allowed = revoking.map((f) => `(${f.predicate('h', d)})`).join(' AND ');
    others.push(
      removal(
        'revoked',
        'st s',
        `${removable} AND s.sync_key IN (SELECT ${d.cast(heldKey, 'string')} FROM ${source.from} h
                            WHERE ${heldKey} IS NOT NULL AND (CASE WHEN ${allowed} THEN 0 ELSE 1 END) = 1)`,
      ),
    );
  }
  if (replacing) {
    // The old record of a key whose identity fields changed goes before the new one is sent.
    const identityChanged = fingerprintDiffers(d, 'identity_hash', 'prev_identity', hashed('diff', identityFields));
    others.push(removal('replaced', 'diff', `op = 'upsert' AND prev_sent IS NOT NULL AND ${identityChanged}`, 'prev_sent'));
  }
  const rows = `SELECT ${d.cast(key, 'string')} AS sync_key${fieldCols.map((f) => `, ${f.expr} AS ${q(f.name)}`).join('')} FROM ${source.from} s WHERE ${where}`;
  const shaping = input.shaping ?? { catalog: undefined };
  const ops = [`SELECT op_order, op, reason, sync_key, fields_hash, identity_hash, values_json, reject_reason FROM diff`, ...others].join(' UNION ALL ');
  return `WITH src AS (${shapedRowsSql(d, rows, fieldCols, shaping)}),
    cur AS (SELECT src.*, ${hash} AS fields_hash, ${identity} AS identity_hash FROM src),
    st AS (SELECT sync_key, fields_hash, identity_hash, status, sent_values FROM ${d.relation(tables.state)}),
    diff AS (${diff}),
    ops AS (${ops})
    SELECT * FROM (
      SELECT ${d.literal(planId)} AS plan_id, ROW_NUMBER() OVER (ORDER BY op_order, sync_key) AS seq, op, reason, sync_key,
             fields_hash, identity_hash, values_json, reject_reason
      FROM ops
    ) numbered
    ORDER BY seq`; // stored in seq order: the executor and the compaction read it by seq ranges
}

async function countPlan(warehouse: Pick<Warehouse, 'query' | 'dialect'>, table: RelationRef) {
  const rows = await warehouse.query<{ op: string; reason: string; n: number }>(
    `SELECT op, reason, COUNT(*) AS n FROM ${warehouse.dialect.relation(table)} GROUP BY op, reason`,
  );
  const c = { added: 0, changed: 0, retry: 0, full: 0, removed: 0, replaced: 0, upserts: 0, removes: 0 };
  for (const r of rows) {
    const n = Number(r.n);
    // Held back by consent and removed: a removal like any other in the counts.
    const reason = r.reason === 'revoked' ? 'removed' : r.reason;
    if (reason in c) c[reason as keyof typeof c] += n;
    if (r.op === 'upsert') c.upserts += n;
    else c.removes += n;
  }
  return c;
}

/** Builds the plan table (and, unless dry, makes it the sync's current plan with its checkpoint at 0). */
export async function buildPlan(input: PlanInput, inspected?: SourceStats): Promise<Plan> {
  const started = Date.now();
  const { warehouse, tables, dryRun } = input;
  const d = warehouse.dialect;
  const stats = inspected ?? (await inspectSource(input));
  const table = dryRun ? tables.dryPlan : tables.plan;
  const select = planSelectSql(input, d);
  const fields = input.columns.fields.map((f) => f.field);
  const counts = await warehouse.transaction(async (session) => {
    for (const statement of d.createOrReplaceTableAs(table, select)) await session.execute(statement);
    // The sender and the fold read the plan by seq ranges.
    for (const statement of d.rangeIndex(table, 'seq')) await session.execute(statement);
    const c = await countPlan(session, table);
    if (!dryRun) {
      // Keys about to be sent are pending until their result is committed. Added keys have no
      // state row: a plan of only those (a first sync) has nothing to mark.
      if (c.upserts + c.removes > c.added) {
        await session.execute(
          `UPDATE ${d.relation(tables.state)} SET status = 'pending' WHERE sync_key IN (SELECT sync_key FROM ${d.relation(table)} WHERE reason <> 'added')`,
        );
      }
      await writeProgress(session, tables, {
        planId: input.planId,
        planned: c.upserts + c.removes,
        removes: c.removes,
        upserts: c.upserts,
        batchSize: input.batchSize,
        compactedSeq: 0,
        createdAt: new Date(),
        mode: input.sync.definition.mode,
        keyColumn: input.sync.definition.key,
        fields,
      });
    }
    return c;
  });
  return {
    planId: input.planId,
    table,
    counts: {
      current: stats.total - stats.nullKeys - Object.values(stats.heldBack).reduce((a, b) => a + b, 0),
      nullKeys: stats.nullKeys,
      heldBack: stats.heldBack,
      ...counts,
      total: counts.upserts + counts.removes,
    },
    fields,
    keyColumn: input.sync.definition.key,
    mode: input.sync.definition.mode,
    ms: Date.now() - started,
  };
}

/** First rows of a plan, for `--dry-run`: op, reason, key and the values to send. */
export async function samplePlan(warehouse: Warehouse, table: RelationRef, limit = 10): Promise<Array<{ op: string; reason: string; key: string; fields: Record<string, unknown> }>> {
  const d = warehouse.dialect;
  const rows = await warehouse.query(`SELECT op, reason, sync_key, values_json FROM ${d.relation(table)} ORDER BY seq ${d.limit(limit)}`);
  return rows.map((r) => ({
    op: String(r.op),
    reason: String(r.reason),
    key: String(r.sync_key),
    fields: JSON.parse(String(r.values_json ?? '{}')) as Record<string, unknown>,
  }));
}
