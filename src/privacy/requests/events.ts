import { IdentityTables } from '../../identity/index.js';
import type { Project } from '../../project/index.js';

export interface SubjectEvent {
  source: string;
  event: string | null;
  at: unknown;
  recordKey: string;
}

/**
 * The person's latest events (config `events`: event streams over identity sources), newest first.
 * Properties are not repeated here: the export's source records hold every column of those rows.
 */
export async function recentEvents(project: Project, profileIds: readonly string[], limit: number): Promise<SubjectEvent[]> {
  const config = project.config;
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const resolved = new IdentityTables(project.schema).output('resolved');
  if (!profileIds.length || !config.identity || !(await warehouse.relationExists(resolved))) return [];
  const ids = profileIds.map((id) => d.literal(id)).join(', ');
  const events: SubjectEvent[] = [];
  for (const stream of config.events) {
    const source = config.identity.sources.find((candidate) => candidate.name === stream.source);
    if (!source || !(await warehouse.relationExists(project.relation(source.relation)))) continue;
    const key = `r.${d.quoteIdent(source.key)}`;
    const ts = `r.${d.quoteIdent(source.timestamp)}`;
    const rows = await warehouse.query<{ event: unknown; occurred_at: unknown; record_key: unknown }>(
      `SELECT (${stream.name}) AS event, ${ts} AS occurred_at, ${d.cast(key, 'string')} AS record_key FROM ${d.relation(project.relation(source.relation))} r ` +
        `WHERE ${d.cast(key, 'string')} IN (SELECT record_key FROM ${d.relation(resolved)} WHERE source = ${d.literal(source.name)} AND profile_id IN (${ids})) ` +
        `ORDER BY ${ts} DESC ${d.limit(limit)}`,
    );
    for (const row of rows) events.push({ source: source.name, event: row.event === null || row.event === undefined ? null : String(row.event), at: row.occurred_at, recordKey: String(row.record_key) });
  }
  const time = (value: unknown): number => (value instanceof Date ? value.getTime() : value === null || value === undefined ? 0 : new Date(String(value)).getTime());
  return events.sort((a, b) => time(b.at) - time(a.at)).slice(0, limit);
}
