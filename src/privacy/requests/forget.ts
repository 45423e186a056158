import type { Knex } from 'knex';
import { redactPii, type AnyDestination, type Row, type RowResult, type RunScope, type SendContext, type RetryPolicy } from '../../destinations/index.js';
import { isCdpError } from '../../errors.js';
import { logger } from '../../logger.js';
import type { Project } from '../../project/index.js';
import { LeaseStore, syncJobKey } from '../../scheduler/index.js';
import { idempotencyKey, openDestination, syncTables, type SecretResolver, type SyncTables } from '../../syncs/index.js';
import { candidateKeys, keyMatchSql } from './keys.js';
import type { Subject } from './subject.js';
import { deleteKeys, discardPlanHolding, purgePlans } from './sync-cleanup.js';
import type { SyncTarget } from './sync-targets.js';

/**
 * deleted: the destination's `forget` (the vendor deletes the person); removed: `send('remove')`
 * (list/audience membership, or a mirror removal); not_supported: the vendor can do neither here;
 * not_delivered: the sync knew the person but never delivered them; failed: the call failed.
 */
export type DestinationAction = 'deleted' | 'removed' | 'not_supported' | 'not_delivered' | 'failed';

export interface DestinationErasure {
  sync: string;
  destinationType: string | null;
  action: DestinationAction;
  /** Delivered rows handed to the destination (or that a dry run would hand it). */
  rows: number;
  status: 'ok' | 'partial' | 'failed' | 'skipped' | 'dry_run';
  results: { ok: number; rejected: number; retryable: number };
  /** The vendor's reasons, with emails and the person's identifiers masked. */
  errors: string[];
  /** Rows of the person removed from the sync's state and row logs. */
  stateRowsDeleted: number;
  logRowsDeleted: number;
  /** Rows of the person (with the values sent) removed from the sync's last plan (`sync_plan_<sync>`, `sync_dryplan_<sync>`). */
  planRowsDeleted: number;
  /** Rows kept in the state because the vendor call did not confirm: running the request again retries them. */
  kept: number;
  at: string;
  note?: string;
}

export interface ForgetOptions {
  dryRun: boolean;
  requestId: string;
  knex: Knex;
  secrets?: SecretResolver;
  http?: Partial<RetryPolicy>;
}

type StateRow = {
  sync_key: string;
  sent_values: string | null;
};

/** Masks the person's identifier values (and any email) in text that is stored or shown. */
export function identifierMasker(subject: Subject): (text: string) => string {
  const values = [...new Set([...subject.identifiers.map((i) => i.value), subject.input.trim()])].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of values) out = out.split(value).join('<identifier>');
    return redactPii(out);
  };
}

/**
 * What the destination is handed for one delivered row. Membership destinations (ad audiences,
 * lists) and vendor deletes match the person by the identifiers that were sent; a plain mirror
 * (file, webhook) matches by the row key, so it gets the key alone: an erasure must not write the
 * person's data out again.
 */
function erasureRow(destination: AnyDestination, action: 'deleted' | 'removed', row: StateRow): Row {
  const keyOnly = action === 'removed' && !destination.membership;
  return { key: String(row.sync_key), fields: keyOnly ? {} : (JSON.parse(String(row.sent_values)) as Record<string, unknown>) };
}

function plannedAction(destination: AnyDestination): DestinationAction {
  if (destination.forget) return 'deleted';
  if (destination.membership || destination.modes.includes('mirror')) return 'removed';
  return 'not_supported';
}

async function callDestination(
  project: Project,
  target: SyncTarget & { prepared: NonNullable<SyncTarget['prepared']> },
  action: 'deleted' | 'removed',
  rows: Row[],
  options: ForgetOptions,
): Promise<RowResult[]> {
  const { prepared } = target;
  const session = await openDestination(project, prepared, { secrets: options.secrets, http: options.http });
  const { destination } = session;
  const scope: RunScope<unknown> = {
    config: prepared.config,
    sync: target.name,
    runId: options.requestId,
    mode: prepared.definition.mode,
    keyColumn: prepared.definition.key,
    fields: Object.keys(prepared.definition.fields),
    signal: new AbortController().signal,
    ...session.context,
    logger: logger.child({ sync: target.name, privacyRequest: options.requestId }),
  };
  const results: RowResult[] = [];
  const size = Math.max(1, session.batchSize);
  const count = Math.ceil(rows.length / size);
  await destination.begin?.(scope);
  let complete = false;
  try {
    for (let index = 0; index < count; index++) {
      const batch = rows.slice(index * size, (index + 1) * size);
      const ctx: SendContext<unknown> = {
        ...scope,
        batch: { op: 'remove', planId: options.requestId, index: index + 1, count, rows: rows.length, idempotencyKey: idempotencyKey(options.requestId, index * size + 1) },
      };
      const answer = action === 'deleted' ? await destination.forget!(batch, ctx) : await destination.send('remove', batch, ctx);
      if (answer.length !== batch.length) throw new Error(`${destination.type} returned ${answer.length} results for ${batch.length} rows`);
      results.push(...answer);
    }
    complete = true;
  } finally {
    await destination.finish?.(scope, { complete });
  }
  return results;
}

/**
 * One sync: finds the person's rows in its state (by profile id or identifier value), asks the
 * destination to forget those it delivered, then deletes the rows from the state and the row
 * logs — except those the vendor did not confirm (retryable, or the call failed), which stay so
 * that running the request again retries them. Null when the sync never had the person.
 */
export async function forgetInSync(project: Project, subject: Subject, target: SyncTarget, options: ForgetOptions): Promise<DestinationErasure | null> {
  const warehouse = await project.warehouse();
  const tables = syncTables(project.schema, target.name);
  if (!(await warehouse.relationExists(tables.state))) return null;
  if (options.dryRun) return reportOf(await inspectSync(project, subject, target, tables, options));
  // The sync's own lease: a scheduled run of this sync cannot start (or resume a plan holding the
  // person's rows) while we forget them, and we do not touch a run in progress.
  const lease = new LeaseStore(options.knex, `privacy/${options.requestId}`);
  const job = syncJobKey(target.name);
  if (!(await lease.acquire(job, LEASE_MS))) {
    const report = await inspectSync(project, subject, target, tables, options);
    return report && { ...reportOf(report), action: 'failed', status: 'failed', kept: report.rows, errors: ['the sync is running right now: run the same deletion again when it has finished'] };
  }
  try {
    const discarded = await discardPlanHolding(warehouse, tables, target.name, options.knex, candidateKeys(subject));
    const report = await inspectSync(project, subject, target, tables, options, discarded);
    if (!report) return null;
    if (discarded) report.note = 'an unfinished run of this sync still had the person to send: that plan was discarded; the next run plans again';
    return await forgetRows(project, subject, target, report, options);
  } finally {
    await lease.release(job);
  }
}

interface Inspected extends DestinationErasure {
  delivered: StateRow[];
  allKeys: string[];
}

/** The report without the rows found: those hold the values sent (personal data) and never leave this module. */
function reportOf(inspected: Inspected): DestinationErasure;
function reportOf(inspected: Inspected | null): DestinationErasure | null;
function reportOf(inspected: Inspected | null): DestinationErasure | null {
  if (!inspected) return null;
  const { delivered: _delivered, allKeys: _allKeys, ...report } = inspected;
  return report;
}

/** What the sync holds of the person, and what would be done; null when it holds nothing (and no plan of it was discarded). */
async function inspectSync(project: Project, subject: Subject, target: SyncTarget, tables: SyncTables, options: ForgetOptions, discarded = false): Promise<Inspected | null> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const keys = candidateKeys(subject);
  const found = await warehouse.query<StateRow>(`SELECT sync_key, sent_values FROM ${d.relation(tables.state)} WHERE ${keyMatchSql(d, 'sync_key', keys)}`);
  const logged = (await warehouse.relationExists(tables.log))
    ? await warehouse.query<{ sync_key: string }>(`SELECT DISTINCT sync_key FROM ${d.relation(tables.log)} WHERE ${keyMatchSql(d, 'sync_key', keys)}`)
    : [];
  if (!found.length && !logged.length && !discarded) return null;
  const destination = target.prepared?.destination ?? null;
  const delivered = found.filter((r) => r.sent_values !== null && r.sent_values !== undefined);
  const report: Inspected = {
    sync: target.name,
    destinationType: destination?.type ?? null,
    action: 'not_delivered',
    rows: delivered.length,
    status: options.dryRun ? 'dry_run' : 'skipped',
    results: { ok: 0, rejected: 0, retryable: 0 },
    errors: [],
    stateRowsDeleted: options.dryRun ? found.length : 0,
    logRowsDeleted: 0,
    planRowsDeleted: options.dryRun ? await purgePlans(warehouse, tables, keys, true) : 0,
    kept: 0,
    at: new Date().toISOString(),
    delivered,
    allKeys: [...new Set([...found.map((r) => String(r.sync_key)), ...logged.map((r) => String(r.sync_key))])],
  };
  if (delivered.length) {
    report.action = destination ? plannedAction(destination) : 'not_supported';
    if (!destination) report.note = target.problem;
    else if (report.action === 'removed' && !destination.membership) report.note = MIRROR_NOTE;
  }
  return report;
}

const LEASE_MS = 10 * 60_000;

const MIRROR_NOTE = 'a removal by row key only (no personal data) was sent; what was delivered before (files, the receiver\'s copies) is not erased by it';

/** Hands the delivered rows to the destination, then forgets the confirmed ones in the state and logs. */
async function forgetRows(project: Project, subject: Subject, target: SyncTarget, inspected: Inspected, options: ForgetOptions): Promise<DestinationErasure> {
  const { delivered, allKeys, ...report } = inspected;
  const warehouse = await project.warehouse();
  const tables = syncTables(project.schema, target.name);
  const mask = identifierMasker(subject);
  let keep = new Set<string>();
  const action = report.action;
  if (delivered.length && target.prepared && (action === 'deleted' || action === 'removed')) {
    const destination = target.prepared.destination;
    const rows = delivered.map((r) => erasureRow(destination, action, r));
    try {
      const results = await callDestination(project, { ...target, prepared: target.prepared }, action, rows, options);
      results.forEach((result, i) => {
        report.results[result.status]++;
        if (result.status !== 'ok') report.errors.push(mask(result.reason));
        if (result.status === 'retryable') keep.add(rows[i]!.key);
      });
      report.status = report.results.ok === rows.length ? 'ok' : report.results.ok > 0 ? 'partial' : 'failed';
    } catch (error) {
      report.action = 'failed';
      report.status = 'failed';
      report.errors.push(mask(isCdpError(error) ? error.oneLine() : error instanceof Error ? error.message : String(error)));
      keep = new Set(rows.map((r) => r.key));
    }
    report.errors = [...new Set(report.errors)].slice(0, 20);
  } else if (delivered.length) {
    report.status = 'skipped';
  } else {
    report.status = 'ok';
  }
  report.kept = keep.size;
  const deleted = await deleteKeys(warehouse, tables, target.name, options.knex, allKeys.filter((k) => !keep.has(k)));
  report.stateRowsDeleted = deleted.state;
  report.logRowsDeleted = deleted.log;
  report.planRowsDeleted = await purgePlans(warehouse, tables, candidateKeys(subject), false);
  report.at = new Date().toISOString();
  return report;
}
