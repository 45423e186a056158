import { randomUUID } from 'node:crypto';
import { AuditLog, type Actor } from '../../audit/index.js';
import { IdentityTables } from '../../identity/index.js';
import type { Project } from '../../project/index.js';
import type { Row } from '../../warehouse/index.js';
import { deliveriesOf, type Delivery } from './deliveries.js';
import { identifierMasker } from './forget.js';
import { recentEvents, type SubjectEvent } from './events.js';
import { audienceMemberships, type AudienceMembership } from './memberships.js';
import { PrivacyRequestRepository } from '../../state/index.js';
import { readSourceRecords, type SourceRecords } from './sources.js';
import { consentTable, planConsent, resolvedDecisionsSelect } from '../../identity/consent/index.js';
import { identityPlanOf, requireValidValue, resolveSubject, type Subject, type SubjectInput } from './subject.js';
import { listSyncTargets, type UiSyncLister } from './sync-targets.js';

export interface ExportOptions {
  actor: Actor;
  uiSyncs?: UiSyncLister;
  /** Latest events included (default 100); every row is in `sourceRecords` anyway. */
  eventLimit?: number;
}

export interface ExportedIdentifier {
  idType: string;
  value: string;
  firstSeen: unknown;
  lastSeen: unknown;
  /** Identity sources whose rows carry it, with how many rows. */
  sources: Array<{ source: string; records: number }>;
}

/** Everything the platform holds about one person (right of access). */
export interface SubjectExport {
  requestId: string;
  generatedAt: string;
  subject: { idType: string; value: string; normalized: string | null };
  profiles: Array<{ profileId: string; traits: Record<string, unknown> }>;
  /** Earlier ids of the profile (before merges). */
  formerProfileIds: string[];
  identifiers: ExportedIdentifier[];
  /** The decision in force per purpose (`<schema>.consent`). */
  consent: ConsentDecision[];
  /** Every decision of the consent sources that reached the person, oldest first (the proof behind `consent`). */
  consentHistory: ConsentDecision[];
  audiences: AudienceMembership[];
  destinations: Delivery[];
  sourceRecords: SourceRecords[];
  events: SubjectEvent[];
}

export interface ConsentDecision {
  purpose: string;
  status: string;
  decidedAt: unknown;
  source: string | null;
  idType: string | null;
}

type Part<K extends keyof SubjectExport> = Promise<SubjectExport[K]>;

async function profilesOf(project: Project, subject: Subject): Part<'profiles'> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const ref = new IdentityTables(project.schema).output('profiles');
  if (!subject.profileIds.length || !(await warehouse.relationExists(ref))) return [];
  const rows = await warehouse.query(`SELECT * FROM ${d.relation(ref)} WHERE profile_id IN (${subject.profileIds.map((id) => d.literal(id)).join(', ')}) ORDER BY profile_id`);
  return rows.map((row: Row) => {
    const { profile_id: id, ...traits } = row;
    return { profileId: String(id), traits };
  });
}

/** identity_graph rows of the profile(s), with the sources carrying each value (_identity_occurrences). */
async function identifiersOf(project: Project, subject: Subject): Part<'identifiers'> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const t = new IdentityTables(project.schema);
  if (!subject.profileIds.length || !(await warehouse.relationExists(t.output('graph')))) return [];
  const ids = subject.profileIds.map((id) => d.literal(id)).join(', ');
  const graph = await warehouse.query<{ id_type: string; id_value: string; first_seen: unknown; last_seen: unknown }>(
    `SELECT id_type, id_value, first_seen, last_seen FROM ${d.relation(t.output('graph'))} WHERE profile_id IN (${ids}) ORDER BY id_type, id_value`,
  );
  const bySource = new Map<string, Array<{ source: string; records: number }>>();
  if (subject.nodes.length && (await warehouse.relationExists(t.state('occurrences')))) {
    const plan = identityPlanOf(project);
    const typeOf = `CASE nd.tier ${plan.types.map((type) => `WHEN ${type.tier} THEN ${d.literal(type.name)}`).join(' ')} END`;
    const rows = await warehouse.query<{ id_type: string; id_value: string; source: string; records: number | bigint }>(
      `SELECT ${typeOf} AS id_type, dc.id_value, o.source, COUNT(DISTINCT o.record_key) AS records FROM ${d.relation(t.state('occurrences'))} o ` +
        `JOIN ${d.relation(t.state('nodes'))} nd ON nd.node = o.node JOIN ${d.relation(t.state('dictionary'))} dc ON dc.node = o.node ` +
        `WHERE nd.profile_id IN (${ids}) GROUP BY nd.tier, dc.id_value, o.source ORDER BY o.source`,
    );
    for (const row of rows) {
      const key = `${row.id_type}\u0000${row.id_value}`;
      bySource.set(key, [...(bySource.get(key) ?? []), { source: String(row.source), records: Number(row.records) }]);
    }
  }
  return graph.map((row) => ({
    idType: String(row.id_type),
    value: String(row.id_value),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    sources: bySource.get(`${row.id_type}\u0000${row.id_value}`) ?? [],
  }));
}

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const decision = (row: Row): ConsentDecision => ({ purpose: String(row.purpose), status: String(row.status), decidedAt: row.decided_at ?? null, source: text(row.source), idType: text(row.id_type) });

async function consentOf(project: Project, subject: Subject): Part<'consent'> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const ref = consentTable(project.schema);
  if (!subject.profileIds.length || !(await warehouse.relationExists(ref))) return [];
  const rows = await warehouse.query(
    `SELECT * FROM ${d.relation(ref)} WHERE profile_id IN (${subject.profileIds.map((id) => d.literal(id)).join(', ')}) ORDER BY purpose`,
  );
  return rows.map(decision);
}

/** Every decision of the (existing) consent sources resolved to the person's profile(s) through the graph. */
async function consentHistoryOf(project: Project, subject: Subject): Part<'consentHistory'> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const nodes = new IdentityTables(project.schema).state('nodes');
  const plan = planConsent(project);
  if (!plan || !subject.profileIds.length || !(await warehouse.relationExists(nodes))) return [];
  const sources = [];
  for (const source of plan.sources) if (await warehouse.relationExists(source.relation)) sources.push(source);
  if (!sources.length) return [];
  const decisions = resolvedDecisionsSelect(d, identityPlanOf(project), { ...plan, sources }, nodes);
  const rows = await warehouse.query(
    `SELECT h.* FROM (${decisions}) h WHERE h.profile_id IN (${subject.profileIds.map((id) => d.literal(id)).join(', ')}) ` +
      `ORDER BY h.decided_at, ${d.binaryOrder('h.purpose')}, ${d.binaryOrder('h.source')}, ${d.binaryOrder('h.id_type')}, ${d.binaryOrder('h.status')}`,
  );
  return rows.map(decision);
}

/** JSON-ready: dates as ISO text, 64-bit integers as numbers when exact (text otherwise). */
export function jsonSafe<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? (Number.isSafeInteger(Number(item)) ? Number(item) : item.toString()) : item)),
  ) as T;
}

/**
 * Right of access: everything held about the person — profile(s) with every trait, identifiers
 * (first/last seen, sources), consent decisions, current audiences, what each sync delivered, the
 * source rows attributed to them, and their latest events. Only rows of the person's profile(s)
 * are read. The request is recorded (hash only; the export itself is not stored).
 */
export async function exportSubject(project: Project, input: SubjectInput, options: ExportOptions): Promise<SubjectExport> {
  const subject = await resolveSubject(project, input);
  requireValidValue(subject);
  const requestId = randomUUID();
  const started = new Date();
  const store = await project.state();
  const requests = new PrivacyRequestRepository(store.knex);
  const requestedBy = options.actor.email ?? (options.actor.id ? `${options.actor.type}:${options.actor.id}` : options.actor.type);
  await requests.start({ id: requestId, kind: 'export', idType: subject.idType, valueSha256: subject.valueSha256, requestedBy, createdAt: started });
  try {
    const targets = await listSyncTargets(project, options.uiSyncs);
    const out: SubjectExport = {
      requestId,
      generatedAt: started.toISOString(),
      subject: { idType: subject.idType, value: subject.input, normalized: subject.normalized },
      profiles: await profilesOf(project, subject),
      formerProfileIds: subject.formerProfileIds,
      identifiers: await identifiersOf(project, subject),
      consent: await consentOf(project, subject),
      consentHistory: await consentHistoryOf(project, subject),
      audiences: await audienceMemberships(project, subject.profileIds),
      destinations: await deliveriesOf(project, subject, targets),
      sourceRecords: await readSourceRecords(project, subject),
      events: await recentEvents(project, subject.profileIds, options.eventLimit ?? 100),
    };
    const summary = {
      requestId,
      kind: 'export',
      idType: subject.idType,
      valueSha256: subject.valueSha256,
      requestedBy,
      startedAt: started.toISOString(),
      completedAt: new Date().toISOString(),
      profilesFound: out.profiles.length,
      identifiers: out.identifiers.length,
      consentDecisions: out.consent.length,
      consentHistory: out.consentHistory.length,
      audiences: out.audiences.filter((a) => !a.error).length,
      destinations: out.destinations.length,
      sourceRecords: out.sourceRecords.map((s) => ({ source: s.source, records: s.rows.length, truncated: s.truncated })),
    };
    await requests.finish(requestId, 'completed', summary);
    await new AuditLog(store.knex).record({
      actor: options.actor,
      action: 'privacy.export',
      resourceType: 'privacy_request',
      resourceId: requestId,
      details: { idType: subject.idType, valueSha256: subject.valueSha256, profiles: out.profiles.length },
    });
    return jsonSafe(out);
  } catch (error) {
    await requests.finish(requestId, 'failed', { requestId, kind: 'export', error: identifierMasker(subject)((error as Error).message) });
    throw error;
  }
}
