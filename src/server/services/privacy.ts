import type { Actor } from '../../audit/index.js';
import { CdpError } from '../../errors.js';
import {
  deleteSubject,
  exportSubject,
  PrivacyRequestRepository,
  type DeletionReport,
  type PrivacyRequestRecord,
  type SubjectExport,
  type SubjectInput,
  type SyncTarget,
} from '../../privacy/requests/index.js';
import { secretResolver } from '../../secrets/index.js';
import type { ServerContext } from '../context.js';

/** A privacy request as the API lists it (the report only on the single-request view). */
export interface PrivacyRequestView {
  id: string;
  kind: PrivacyRequestRecord['kind'];
  idType: string;
  valueSha256: string;
  status: PrivacyRequestRecord['status'];
  requestedBy: string | null;
  createdAt: string;
  completedAt: string | null;
  report?: Record<string, unknown> | null;
}

function view(record: PrivacyRequestRecord, withReport: boolean): PrivacyRequestView {
  return {
    id: record.id,
    kind: record.kind,
    idType: record.idType,
    valueSha256: record.valueSha256,
    status: record.status,
    requestedBy: record.requestedBy,
    createdAt: record.createdAt.toISOString(),
    completedAt: record.completedAt?.toISOString() ?? null,
    ...(withReport ? { report: record.report } : {}),
  };
}

/**
 * Deletion and access requests for the API and the CLI: the engine's deleteSubject/exportSubject
 * with what only the service knows — syncs made in the UI (stored destinations) and secrets from
 * the encrypted store.
 */
export class PrivacyService {
  constructor(private readonly ctx: ServerContext) {}

  private requests(): PrivacyRequestRepository {
    return new PrivacyRequestRepository(this.ctx.knex);
  }

  /** UI syncs as the engine runs them; one whose destination is gone is still listed (its state is cleaned). */
  private async uiSyncs(): Promise<SyncTarget[]> {
    const rows: Array<{ name: string; definition: string }> = await this.ctx.knex('ui_syncs').select('name', 'definition').orderBy('name');
    const out: SyncTarget[] = [];
    for (const row of rows) {
      try {
        const prepared = await this.ctx.syncs.prepareStored(row.name, row.definition);
        out.push({ name: row.name, origin: 'ui', prepared });
      } catch (error) {
        out.push({ name: row.name, origin: 'ui', prepared: null, problem: (error as Error).message });
      }
    }
    return out;
  }

  async delete(input: SubjectInput, actor: Actor, options: { dryRun?: boolean } = {}): Promise<DeletionReport> {
    return deleteSubject(this.ctx.project, input, {
      actor,
      dryRun: options.dryRun,
      uiSyncs: () => this.uiSyncs(),
      secrets: secretResolver(this.ctx.secrets),
    });
  }

  async export(input: SubjectInput, actor: Actor): Promise<SubjectExport> {
    return exportSubject(this.ctx.project, input, { actor, uiSyncs: () => this.uiSyncs() });
  }

  async list(limit: number): Promise<PrivacyRequestView[]> {
    return (await this.requests().list({ limit })).map((r) => view(r, false));
  }

  async get(id: string): Promise<PrivacyRequestView> {
    const record = await this.requests().get(id);
    if (!record) throw new CdpError('NOT_FOUND', `no privacy request ${id}`, { location: { path: 'params.id' }, hint: '`cdp privacy requests` (or GET /api/privacy/requests) lists them' });
    return view(record, true);
  }
}
