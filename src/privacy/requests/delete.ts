import { randomUUID } from 'node:crypto';
import { dropAudienceBase, refreshAudienceCatalog } from '../../audiences/index.js';
import { AuditLog, type Actor } from '../../audit/index.js';
import type { RetryPolicy } from '../../destinations/index.js';
import { isCdpError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import type { SecretResolver } from '../../syncs/index.js';
import { forgetInSync, identifierMasker, type DestinationErasure } from './forget.js';
import { MatchReviewStore, PrivacyRequestRepository } from '../../state/index.js';
import { countSourceRecords, type SourceRecordCount } from './sources.js';
import { addSuppressions, countSuppressed, suppressionsRelation } from './suppressions.js';
import { countByType, requireValidValue, resolveSubject, type SubjectInput } from './subject.js';
import { listSyncTargets, type UiSyncLister } from './sync-targets.js';
import { eraseFromWarehouse, personRecordKeys, type TableErasure } from './warehouse.js';

export interface DeleteOptions {
  actor: Actor;
  /** Show what would happen; change nothing (nothing is recorded either). */
  dryRun?: boolean;
  /** Syncs made in the UI (the service passes them; the engine alone knows only syncs/*.yaml). */
  uiSyncs?: UiSyncLister;
  /** Opens secret references of destination configs (default: environment variables). */
  secrets?: SecretResolver;
  http?: Partial<RetryPolicy>;
}

/** What a deletion did (stored on the request). Identifiers appear only as counts and a hash. */
export interface DeletionReport {
  requestId: string;
  kind: 'delete';
  dryRun: boolean;
  idType: string;
  valueSha256: string;
  requestedBy: string | null;
  startedAt: string;
  completedAt: string;
  /** True when every destination confirmed (or could do nothing); false: run the request again to retry. */
  complete: boolean;
  profilesFound: number;
  /** Earlier ids of the profile (merges) whose rows were deleted too. */
  formerProfileIds: number;
  identifiers: { total: number; byType: Record<string, number>; newlySuppressed: number; alreadySuppressed: number };
  warehouse: TableErasure[];
  destinations: DestinationErasure[];
  /** Raw rows in the customer's own tables that still carry the person's identifiers (not ours to delete). */
  sourceRecords: SourceRecordCount[];
  notes: string[];
}

const actorName = (actor: Actor): string | null => actor.email ?? (actor.id ? `${actor.type}:${actor.id}` : actor.type);

/**
 * Right to erasure. In order, so that a failure half-way never lets the person come back:
 * 1. suppress every identifier of the person (builds drop their rows from then on);
 * 2. ask every destination that received them to delete (or remove) them, and forget them in the
 *    sync state and logs;
 * 3. delete their rows from the generated warehouse tables.
 * The request and its report are kept in the state store, and the audit log names the person only
 * by the SHA-256 of the identifier.
 */
export async function deleteSubject(project: Project, input: SubjectInput, options: DeleteOptions): Promise<DeletionReport> {
  const dryRun = options.dryRun ?? false;
  const subject = await resolveSubject(project, input);
  requireValidValue(subject);
  const started = new Date();
  const requestId = randomUUID();
  const store = await project.state();
  const requests = new PrivacyRequestRepository(store.knex);
  const audit = new AuditLog(store.knex);
  const report: DeletionReport = {
    requestId,
    kind: 'delete',
    dryRun,
    idType: subject.idType,
    valueSha256: subject.valueSha256,
    requestedBy: actorName(options.actor),
    startedAt: started.toISOString(),
    completedAt: started.toISOString(),
    complete: false,
    profilesFound: subject.profileIds.length,
    formerProfileIds: subject.formerProfileIds.length,
    identifiers: { total: subject.identifiers.length, byType: countByType(subject.identifiers), newlySuppressed: 0, alreadySuppressed: 0 },
    warehouse: [],
    destinations: [],
    sourceRecords: [],
    notes: [],
  };
  if (subject.normalized === null) report.notes.push(`the value is not a valid ${subject.idType}: it was suppressed as given, and no profile can hold it`);
  if (!subject.profileIds.length) report.notes.push('no profile holds this identifier: only the identifier itself is suppressed');
  if (subject.seenWith.length) report.notes.push(`records carrying the value also belong to ${subject.seenWith.length} other profile(s) (its links were dropped); those people are not erased`);
  if (!dryRun) {
    await requests.start({ id: requestId, kind: 'delete', idType: subject.idType, valueSha256: subject.valueSha256, requestedBy: report.requestedBy, createdAt: started });
  }
  try {
    const warehouse = await project.warehouse();
    const table = suppressionsRelation(project);
    report.identifiers.alreadySuppressed = await countSuppressed(warehouse, table, subject.identifiers);
    report.identifiers.newlySuppressed = subject.identifiers.length - report.identifiers.alreadySuppressed;
    if (!dryRun) await addSuppressions(warehouse, table, subject.identifiers, requestId, started);
    report.sourceRecords = await countSourceRecords(project, subject);

    for (const target of await listSyncTargets(project, options.uiSyncs)) {
      const done = await forgetInSync(project, subject, target, { dryRun, requestId, knex: store.knex, secrets: options.secrets, http: options.http });
      if (done) report.destinations.push(done);
    }
    // Review answers name the person's records (keys, no values): forgotten before the records are.
    const reviews = await new MatchReviewStore(store.knex).forgetRecords(await personRecordKeys(project, subject), { dryRun });
    if (reviews > 0) report.notes.push(`${dryRun ? 'would forget' : 'forgot'} ${reviews} match review answer(s) about the person's records`);
    report.warehouse = await eraseFromWarehouse(project, subject, { dryRun });
    // Cached audience counts and samples may hold the person: they are recomputed from now on.
    if (!dryRun) refreshAudienceCatalog(project);
    if (!dryRun) await dropAudienceBase(project); // it holds the person's profile until the next build
    report.complete = report.destinations.every((d) => d.kept === 0 && d.action !== 'failed');
    if (!report.complete) report.notes.push('some destinations did not confirm: run the same deletion again to retry them');
    if (!dryRun && report.identifiers.newlySuppressed > 0) report.notes.push('the next identity build runs in full (the suppressed identifiers changed)');
    report.completedAt = new Date().toISOString();
    if (!dryRun) {
      await requests.finish(requestId, report.complete ? 'completed' : 'failed', report as unknown as Record<string, unknown>);
      await audit.record({
        actor: options.actor,
        action: 'privacy.delete',
        resourceType: 'privacy_request',
        resourceId: requestId,
        outcome: report.complete ? 'ok' : 'error',
        details: { idType: subject.idType, valueSha256: subject.valueSha256, profiles: report.profilesFound, identifiers: report.identifiers.total, destinations: report.destinations.length },
      });
    }
    return report;
  } catch (error) {
    if (!dryRun) {
      const message = identifierMasker(subject)(isCdpError(error) ? error.oneLine() : error instanceof Error ? error.message : String(error));
      report.completedAt = new Date().toISOString();
      await requests.finish(requestId, 'failed', { ...report, error: message } as unknown as Record<string, unknown>);
      await audit.record({
        actor: options.actor,
        action: 'privacy.delete',
        resourceType: 'privacy_request',
        resourceId: requestId,
        outcome: 'error',
        details: { idType: subject.idType, valueSha256: subject.valueSha256 },
      });
    }
    throw error;
  }
}
