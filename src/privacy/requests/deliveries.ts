import type { Project } from '../../project/index.js';
import { syncTables } from '../../syncs/index.js';
import { candidateKeys, keyMatchSql } from './keys.js';
import type { Subject } from './subject.js';
import type { SyncTarget } from './sync-targets.js';

/** What a sync holds about the person: the values it last delivered to its destination. */
export interface Delivery {
  sync: string;
  destinationType: string | null;
  status: string;
  /** The values last delivered (null when nothing was ever confirmed). */
  sentValues: Record<string, unknown> | null;
  lastAttemptAt: unknown;
  error: string | null;
}

/** The person's rows in every sync's state (by profile id or identifier value). */
export async function deliveriesOf(project: Project, subject: Subject, targets: readonly SyncTarget[]): Promise<Delivery[]> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const keys = candidateKeys(subject);
  const out: Delivery[] = [];
  for (const target of targets) {
    const tables = syncTables(project.schema, target.name);
    if (!(await warehouse.relationExists(tables.state))) continue;
    const rows = await warehouse.query<{ status: string; sent_values: string | null; last_attempt_at: unknown; error: string | null }>(
      `SELECT status, sent_values, last_attempt_at, error FROM ${d.relation(tables.state)} WHERE ${keyMatchSql(d, 'sync_key', keys)} ORDER BY sync_key`,
    );
    for (const row of rows) {
      out.push({
        sync: target.name,
        destinationType: target.prepared?.destination.type ?? null,
        status: String(row.status),
        sentValues: row.sent_values ? (JSON.parse(String(row.sent_values)) as Record<string, unknown>) : null,
        lastAttemptAt: row.last_attempt_at,
        error: row.error === null || row.error === undefined ? null : String(row.error),
      });
    }
  }
  return out;
}
