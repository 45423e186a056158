import type { Knex } from 'knex';
import { z } from 'zod';
import { dateColumn, jsonColumn } from '../time.js';

/** The `privacy_requests` table of the state store (migration 0400_privacy_requests). */

export const REQUEST_KINDS = ['delete', 'export'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const REQUEST_STATUSES = ['running', 'completed', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export interface PrivacyRequestRecord {
  id: string;
  kind: RequestKind;
  idType: string;
  /** SHA-256 (hex) of the identifier value as identity resolution normalises it. */
  valueSha256: string;
  status: RequestStatus;
  requestedBy: string | null;
  createdAt: Date;
  completedAt: Date | null;
  /** What was done (JSON; no raw identifiers), once the request ended. */
  report: Record<string, unknown> | null;
}

const TABLE = 'privacy_requests';

const rowSchema = z.object({
  id: z.string(),
  kind: z.enum(REQUEST_KINDS),
  id_type: z.string(),
  value_sha256: z.string(),
  status: z.enum(REQUEST_STATUSES),
  requested_by: z.string().nullable(),
  created_at: dateColumn,
  completed_at: dateColumn.nullable(),
  report: jsonColumn<Record<string, unknown> | null>(null),
});

function toRecord(row: unknown): PrivacyRequestRecord {
  const r = rowSchema.parse(row);
  return {
    id: r.id,
    kind: r.kind,
    idType: r.id_type,
    valueSha256: r.value_sha256,
    status: r.status,
    requestedBy: r.requested_by,
    createdAt: r.created_at,
    completedAt: r.completed_at,
    report: r.report,
  };
}

export class PrivacyRequestRepository {
  constructor(private readonly knex: Knex) {}

  async start(request: { id: string; kind: RequestKind; idType: string; valueSha256: string; requestedBy: string | null; createdAt: Date }): Promise<void> {
    await this.knex(TABLE).insert({
      id: request.id,
      kind: request.kind,
      id_type: request.idType,
      value_sha256: request.valueSha256,
      status: 'running',
      requested_by: request.requestedBy,
      created_at: request.createdAt.getTime(),
    });
  }

  async finish(id: string, status: Exclude<RequestStatus, 'running'>, report: Record<string, unknown>): Promise<void> {
    await this.knex(TABLE).where({ id }).update({ status, completed_at: Date.now(), report: JSON.stringify(report) });
  }

  async get(id: string): Promise<PrivacyRequestRecord | undefined> {
    const row: unknown = await this.knex(TABLE).where({ id }).first();
    return row === undefined ? undefined : toRecord(row);
  }

  /** Newest first. */
  async list(options: { limit?: number; kind?: RequestKind } = {}): Promise<PrivacyRequestRecord[]> {
    const query = this.knex(TABLE).select('*').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(Math.min(Math.max(options.limit ?? 100, 1), 1000));
    if (options.kind) query.where({ kind: options.kind });
    const rows: unknown[] = await query;
    return rows.map(toRecord);
  }
}
