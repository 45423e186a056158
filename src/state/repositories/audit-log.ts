import type { Knex } from 'knex';
import { isoOrNull } from '../time.js';

/** Who did something: a person (by session or API token), or the service itself. */
export interface Actor {
  type: 'user' | 'token' | 'scheduler' | 'system' | 'cli';
  /** User id for people; the process id for the scheduler. */
  id: string | null;
  email: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, email: null };

export interface AuditInput {
  actor: Actor;
  /** `<resource>.<verb>`, e.g. `audience.update`, `sync.run`, `user.create`, `auth.login_failed`. */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  outcome?: 'ok' | 'error';
  /** What changed (field names, counts, ids). Never values of secrets; keys that look secret are masked. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: Actor;
  action: string;
  resourceType: string;
  resourceId: string | null;
  outcome: 'ok' | 'error';
  details: Record<string, unknown>;
}

export interface AuditQuery {
  /** Actor email or user id. */
  actor?: string;
  /** Exact action, or a prefix ending in `.` (e.g. `sync.`). */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: 'ok' | 'error';
  since?: Date;
  until?: Date;
  /** Page size (default 100, at most 1000). */
  limit?: number;
  /** Entries older than this id (the previous page's `nextBefore`). */
  before?: number;
}

interface AuditRow {
  id: number | string;
  at: number | string;
  actor_type: Actor['type'];
  actor_id: string | null;
  actor_email: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  outcome: 'ok' | 'error';
  details: string | null;
}

const SECRET_KEY = /pass(word)?|secret|token|api_?key|authorization|credential|private_?key/i;

/** Masks values under secret-looking keys, at any depth: a second line of defence. */
export function scrubDetails(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubDetails(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && typeof item === 'string' ? '[redacted]' : scrubDetails(item, depth + 1);
  }
  return out;
}

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: isoOrNull(row.at)!,
    actor: { type: row.actor_type, id: row.actor_id, email: row.actor_email },
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    outcome: row.outcome,
    details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {},
  };
}

/** Who changed what and who ran what: append-only, queryable with filters, newest first. */
export class AuditLog {
  constructor(private readonly knex: Knex) {}

  async record(entry: AuditInput, trx?: Knex.Transaction): Promise<void> {
    await (trx ?? this.knex)('audit_log').insert({
      at: Date.now(),
      actor_type: entry.actor.type,
      actor_id: entry.actor.id,
      actor_email: entry.actor.email,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_id: entry.resourceId ?? null,
      outcome: entry.outcome ?? 'ok',
      details: entry.details ? JSON.stringify(scrubDetails(entry.details)) : null,
    });
  }

  async query(filter: AuditQuery = {}): Promise<{ entries: AuditEntry[]; nextBefore: number | null }> {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 1000);
    const query = this.knex<AuditRow>('audit_log').select('*').orderBy('id', 'desc').limit(limit + 1);
    if (filter.actor !== undefined) {
      const actor = filter.actor.trim().toLowerCase();
      query.where((q) => q.where('actor_email', actor).orWhere('actor_id', actor));
    }
    if (filter.action !== undefined) {
      // A resource prefix (`sync.`) holds only letters, so it needs no LIKE escaping.
      if (/^[a-z]+\.$/.test(filter.action)) query.where('action', 'like', `${filter.action}%`);
      else query.where('action', filter.action);
    }
    if (filter.resourceType !== undefined) query.where('resource_type', filter.resourceType);
    if (filter.resourceId !== undefined) query.where('resource_id', filter.resourceId);
    if (filter.outcome !== undefined) query.where('outcome', filter.outcome);
    if (filter.since !== undefined) query.where('at', '>=', filter.since.getTime());
    if (filter.until !== undefined) query.where('at', '<', filter.until.getTime());
    if (filter.before !== undefined) query.where('id', '<', filter.before);
    const rows = await query;
    const page = rows.slice(0, limit).map(toEntry);
    return { entries: page, nextBefore: rows.length > limit ? page[page.length - 1]!.id : null };
  }
}
