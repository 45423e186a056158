import { CdpError } from '../../errors.js';
import { PiiTags, UNMASKED, type PiiView } from '../../privacy/pii.js';
import { SyncHistory, type SyncRunRecord } from '../../state/index.js';
import { syncRowLog, syncTables } from '../../syncs/index.js';
import { maskValue, scrubText } from '../../util/mask.js';
import type { Dialect, RelationRef, Warehouse } from '../../warehouse/index.js';
import type { ServerContext } from '../context.js';
import { ProfileService } from './profiles.js';

/** What a row debugger is asked: a row key, or a person by any identifier. */
export type RowLookup = { key: string } | { idType: string; value: string };

/** One time a run planned the row, with what the destination answered. */
export interface RowAttempt {
  runId: string;
  runStatus: SyncRunRecord['status'] | null;
  trigger: SyncRunRecord['trigger'] | null;
  op: 'upsert' | 'remove';
  status: 'ok' | 'rejected' | 'retryable';
  /** The destination's answer when it refused the row (null: accepted). */
  error: string | null;
  at: string;
  /**
   * The fields this run sent for the row (a removal: the values it removed), masked like the
   * delivered values; null when not kept (older than the sync's last `privacy.syncPayloadRuns` runs).
   */
  payload: Record<string, unknown> | null;
}

/** What the destination holds for the row: the values last delivered and the last outcome. */
export interface RowDelivered {
  status: string;
  lastAttemptAt: string | null;
  error: string | null;
  /** The payload fields last delivered (null: nothing delivered yet, or removed). */
  values: Record<string, unknown> | null;
}

export interface RowDebug {
  key: string;
  profileId: string | null;
  attempts: RowAttempt[];
  delivered: RowDelivered | null;
  piiMasked: boolean;
}

export interface ErrorGroup {
  status: 'rejected' | 'retryable';
  error: string;
  rows: number;
  lastAt: string;
  exampleKey: string;
}

const ATTEMPT_LIMIT = 200;
const RUN_LOOKBACK = 500;
const GROUP_LIMIT = 50;

function isoOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function parseValues(text: unknown): Record<string, unknown> | null {
  if (typeof text !== 'string' || text === '') return null;
  const parsed: unknown = JSON.parse(text);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}

/**
 * The row debugger of a sync: every logged attempt at one row (a key, or the profile an identifier
 * belongs to), what the destination holds for it, and the sync's errors grouped by reason. Values
 * and keys are masked for callers without `pii:read`; a looked-up value is the caller's own, so the
 * search itself works for everyone.
 */
export class RowDebugger {
  constructor(private readonly ctx: ServerContext) {}

  async row(name: string, lookup: RowLookup, pii: PiiView = UNMASKED): Promise<RowDebug> {
    const sync = await this.ctx.syncs.get(name);
    let key: string;
    let profileId: string | null = null;
    if ('key' in lookup) key = lookup.key;
    else {
      if (sync.key !== 'profile_id') {
        throw new CdpError('INVALID_INPUT', `sync ${name} is keyed by ${sync.key}, not by person: look its rows up by key`, { location: { path: 'query.id_type' }, hint: `give ?key=<${sync.key}>` });
      }
      profileId = (await new ProfileService(this.ctx).lookup(lookup.idType, lookup.value, 0)).profileId;
      key = profileId;
    }
    const [entries, runs, delivered] = await Promise.all([
      syncRowLog(this.ctx.project, name, { key, limit: ATTEMPT_LIMIT, payloads: true }),
      new SyncHistory(this.ctx.knex).runs(name, { limit: RUN_LOOKBACK }),
      this.delivered(name, key),
    ]);
    const byId = new Map(runs.map((run) => [run.id, run]));
    const mask = new RowMask(this.ctx, sync.key, sync.fields, pii);
    return {
      key: mask.key(key),
      profileId,
      attempts: entries.map((e) => ({
        runId: e.runId,
        runStatus: byId.get(e.runId)?.status ?? null,
        trigger: byId.get(e.runId)?.trigger ?? null,
        op: e.op,
        status: e.status,
        error: mask.text(e.error),
        at: e.at.toISOString(),
        payload: mask.payload(parseValues(e.payload)),
      })),
      delivered: delivered && { ...delivered, error: mask.text(delivered.error), values: mask.payload(delivered.values) },
      piiMasked: pii.mask,
    };
  }

  /** Rows that did not end ok, grouped by the destination's reason, most frequent first. */
  async errors(name: string, pii: PiiView = UNMASKED): Promise<ErrorGroup[]> {
    const sync = await this.ctx.syncs.get(name);
    const warehouse = await this.ctx.project.warehouse();
    const log = syncTables(this.ctx.project.schema, name).log;
    if (!(await warehouse.relationExists(log))) return [];
    const rows = await warehouse.query(errorGroupsSql(warehouse.dialect, log, GROUP_LIMIT));
    const mask = new RowMask(this.ctx, sync.key, sync.fields, pii);
    return rows.map((r) => ({
      status: r.status as ErrorGroup['status'],
      error: mask.text(String(r.reason)) ?? '',
      rows: Number(r.n),
      lastAt: isoOrNull(r.last_at) ?? '',
      exampleKey: mask.key(String(r.example_key)),
    }));
  }

  private async delivered(name: string, key: string): Promise<RowDelivered | null> {
    const warehouse: Warehouse = await this.ctx.project.warehouse();
    const state = syncTables(this.ctx.project.schema, name).state;
    if (!(await warehouse.relationExists(state))) return null;
    const [row] = await warehouse.query(deliveredSql(warehouse.dialect, state), [key]);
    if (!row) return null;
    return {
      status: String(row.status),
      lastAttemptAt: isoOrNull(row.last_attempt_at),
      error: row.error === null || row.error === undefined ? null : String(row.error),
      values: parseValues(row.sent_values),
    };
  }
}

/** A sync's rows that did not end ok, grouped by status and the destination's answer, most frequent first. */
export function errorGroupsSql(d: Dialect, log: RelationRef, limit: number): string {
  // Grouped by the inner query's column: BigQuery does not match a repeated expression.
  return (
    `SELECT status, reason, COUNT(*) AS n, MAX(attempted_at) AS last_at, MIN(sync_key) AS example_key ` +
    `FROM (SELECT status, COALESCE(error, '') AS reason, attempted_at, sync_key FROM ${d.relation(log)} WHERE status <> 'ok') refused ` +
    `GROUP BY status, reason ORDER BY n DESC, reason ${d.limit(limit)}`
  );
}

/** What the destination holds for one row key (parameter 1). */
export function deliveredSql(d: Dialect, state: RelationRef): string {
  return `SELECT status, last_attempt_at, error, sent_values FROM ${d.relation(state)} WHERE sync_key = ${d.param(1)} ${d.limit(1)}`;
}

/** Masking for one sync's rows: the key when its column is PII, payload fields by field or column tag, emails/phones in texts. */
class RowMask {
  private readonly tags: PiiTags;

  constructor(
    ctx: ServerContext,
    private readonly keyColumn: string,
    private readonly fields: Record<string, string>,
    private readonly pii: PiiView,
  ) {
    this.tags = PiiTags.of(ctx.project.config);
  }

  key(key: string): string {
    return this.pii.mask && this.tags.isPii(this.keyColumn) ? String(maskValue(key, this.keyColumn)) : key;
  }

  text(text: string | null): string | null {
    return text === null || !this.pii.mask ? text : scrubText(text);
  }

  /** Payload fields, each masked when the field or the column it is mapped from is PII. */
  payload(values: Record<string, unknown> | null): Record<string, unknown> | null {
    if (values === null || !this.pii.mask) return values;
    const out: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(values)) {
      const column = this.fields[field] ?? field;
      out[field] = this.tags.isPii(field) || this.tags.isPii(column) ? maskValue(value, field) : value;
    }
    return out;
  }
}
