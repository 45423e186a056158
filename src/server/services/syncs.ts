import type { Knex } from 'knex';
import { z } from 'zod';
import { loadAudience, loadPriorityList, priorityListSql } from '../../audiences/index.js';
import type { Actor, AuditLog } from '../../audit/index.js';
import { isoOrNull, SyncHistory, type SecretStore, type SyncRunRecord } from '../../state/index.js';
import { nameSchema } from '../../config/index.js';
import type { SyncMode } from '../../destinations/index.js';
import { CdpError, isCdpError } from '../../errors.js';
import { PiiTags, UNMASKED, type PiiView } from '../../privacy/pii.js';
import { maskValue, scrubText } from '../../util/mask.js';
import type { Project } from '../../project/index.js';
import { syncJobKey, validateCron, type RunContext } from '../../scheduler/index.js';
import { secretResolver } from '../../secrets/index.js';
import {
  checkIdentifierFields,
  checkMappedColumns,
  fieldMappingsOf,
  fieldSources,
  modelNeedsKey,
  splitFieldMappings,
  syncFieldsSchema,
  getSyncRun,
  getSyncStatus,
  listSyncRuns,
  prepareSync,
  readSyncFiles,
  runSync,
  syncRowLog,
  type PreparedSync,
  type LogEntry,
  type PlanSampleRow,
  type SyncRunResult,
  type SyncFrom,
  type FieldMapping,
} from '../../syncs/index.js';
import type { ServerContext } from '../context.js';
import { destinationNameSchema, type DestinationService } from './destinations.js';

/**
 * A sync made over the API: the fields of a sync file (syncs/definition.ts), field mappings
 * (`{ column, as }`, `{ identifier, prefer }`) included, except that
 * `destination` names a destination stored under /api/destinations and `schedule` defaults to none.
 */
const uiSyncFields = syncFieldsSchema.omit({ name: true, destination: true, schedule: true }).extend({
  /** Name of a destination created under /api/destinations. */
  destination: destinationNameSchema,
  /** Cron expression (five fields, checked by validateCron for its field-by-field message); null or absent: manual runs only. */
  schedule: z.string().max(128).nullable().default(null),
});
export const uiSyncCreateSchema = uiSyncFields.extend({ name: nameSchema }).strict().superRefine(modelNeedsKey);
export const uiSyncUpdateSchema = uiSyncFields.strict().superRefine(modelNeedsKey);
type UiSyncBody = z.output<typeof uiSyncUpdateSchema>;

export interface SyncView {
  name: string;
  /** git: a file in syncs/ (read-only here); ui: made through the API. */
  origin: 'git' | 'ui';
  file: string | null;
  from: SyncFrom;
  key: string;
  destination: { type: string; name: string | null };
  mode: SyncMode;
  /** What each field reads, for listings (identifier fields: "identity graph: email, most_recent"). */
  fields: Record<string, string>;
  /** The field mappings as written (a column, `{ column, as }`, `{ identifier, prefer }`): what an editor round-trips. */
  mappings: Record<string, FieldMapping>;
  schedule: string | null;
  lastRun: SyncRunRecord | null;
  createdBy?: string | null;
  updatedAt?: string | null;
}

/** One sync with its recent runs (GET, and the answer of create and update). */
export type SyncDetail = SyncView & { recentRuns: SyncRunRecord[]; state?: Record<string, number>; piiMasked: boolean };

interface UiSyncRow {
  name: string;
  destination: string;
  definition: string;
  created_at: unknown;
  updated_at: unknown;
  created_by: string | null;
  updated_by: string | null;
}

/** Re-roots sync-definition errors at the request body, e.g. `fields.email` → `body.fields.email`. */
function bodyError(error: unknown, destination: string): unknown {
  if (!isCdpError(error) || error.code !== 'SYNC_INVALID') return error;
  const path = error.location.path ?? '';
  if (path.startsWith('destination')) {
    return new CdpError('SYNC_INVALID', `destination ${destination}: ${error.message}`, { location: { path: 'body.destination' }, hint: 'fix the destination under /api/destinations', cause: error });
  }
  return new CdpError('SYNC_INVALID', error.message, { location: { path: path ? `body.${path}` : 'body' }, hint: error.hint, cause: error });
}

/**
 * What a sync's records look like to a caller without `pii:read`: row keys masked when the key
 * column is PII-tagged (a model keyed by email), emails and phones scrubbed from vendor error text,
 * sample fields masked when their destination field or source column is tagged.
 */
class SyncPiiMask {
  private readonly tags: PiiTags;

  constructor(project: Project, private readonly keyColumn: string) {
    this.tags = PiiTags.of(project.config);
  }

  key(key: string): string {
    return this.tags.isPii(this.keyColumn) ? String(maskValue(key, this.keyColumn)) : key;
  }

  error(error: string): string;
  error(error: string | null): string | null;
  error(error: string | null): string | null {
    return error === null ? null : scrubText(error);
  }

  run(run: SyncRunRecord): SyncRunRecord {
    return { ...run, error: this.error(run.error), firstErrors: run.firstErrors.map((e) => ({ ...e, key: this.key(e.key), error: this.error(e.error) })) };
  }

  log(entry: LogEntry): LogEntry {
    return { ...entry, key: this.key(entry.key), error: this.error(entry.error) };
  }

  /** A field is masked when it, its column or (for `{ identifier }` fields) its id type is PII-tagged. */
  sample(mappings: Record<string, FieldMapping>, row: PlanSampleRow): PlanSampleRow {
    const masked: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(row.fields)) {
      const mapping = mappings[field] ?? field;
      const source = typeof mapping === 'string' ? mapping : 'column' in mapping ? mapping.column : mapping.identifier;
      masked[field] = this.tags.isPii(field) || this.tags.isPii(source) ? maskValue(value, field) : value;
    }
    return { ...row, key: this.key(row.key), fields: masked };
  }
}

/**
 * Syncs for the API: files in git (read-only here) and syncs saved in the state store, run through
 * the sync engine with secrets from the encrypted store.
 */
export class SyncService {
  constructor(
    private readonly project: Project,
    private readonly knex: Knex,
    private readonly destinations: DestinationService,
    private readonly secrets: SecretStore,
    private readonly audit: AuditLog,
  ) {}

  private history(): SyncHistory {
    return new SyncHistory(this.knex);
  }

  private async uiRows(): Promise<UiSyncRow[]> {
    return this.knex<UiSyncRow>('ui_syncs').select('*').orderBy('name');
  }

  private async uiRow(name: string): Promise<UiSyncRow | undefined> {
    return this.knex<UiSyncRow>('ui_syncs').where({ name }).first();
  }

  /** A UI sync as the engine's PreparedSync: the stored destination's type and config (secret references) filled in. */
  private async prepareUi(name: string, body: UiSyncBody): Promise<PreparedSync> {
    const stored = await this.destinations.storedConfig(body.destination).catch((error: unknown) => {
      if (isCdpError(error) && error.code === 'NOT_FOUND') {
        throw new CdpError('SYNC_INVALID', `no destination named ${body.destination}`, { location: { path: 'body.destination' }, hint: 'create it under /api/destinations first' });
      }
      throw error;
    });
    try {
      // The body was validated by uiSyncCreateSchema; the stored config holds secret references by
      // construction, so the engine's file checks (literal secrets) do not apply: prepare directly.
      const prepared = prepareSync({
        name,
        from: body.from,
        key: body.key ?? 'profile_id',
        destination: { type: stored.type, config: stored.config },
        mode: body.mode,
        ...splitFieldMappings(body.fields),
        schedule: body.schedule,
      });
      // API input: opened under the trust rule (no {env}, the network policy, the files root).
      return { ...prepared, trust: 'api' };
    } catch (error) {
      throw bodyError(error, body.destination);
    }
  }

  private async validate(name: string, body: UiSyncBody): Promise<void> {
    if (body.schedule) validateCron(body.schedule, 'body.schedule');
    const prepared = await this.prepareUi(name, body);
    const { from } = body;
    let audienceHasSplits = false;
    if (!('model' in from)) {
      const field = 'audience' in from ? 'audience' : 'priority_list';
      try {
        if ('audience' in from) audienceHasSplits = !!(await loadAudience(this.project, from.audience)).splits;
        else await this.checkSlot(from);
      } catch (error) {
        if (isCdpError(error) && (error.code === 'AUDIENCE_NOT_FOUND' || error.code === 'NOT_FOUND' || error.code === 'AUDIENCE_INVALID')) {
          const path = error.location.path === 'slot' ? 'body.from.slot' : `body.from.${field}`;
          throw new CdpError('SYNC_INVALID', error.message, { location: { path }, hint: error.hint });
        }
        throw error;
      }
    }
    // What a run would stop on, checked now: id types and sources, then the columns (when built).
    try {
      checkIdentifierFields(this.project, prepared);
      await checkMappedColumns(this.project, prepared, audienceHasSplits);
    } catch (error) {
      throw bodyError(error, body.destination);
    }
  }

  /** The list exists and has this slot (the slot check is the SQL builder's). */
  private async checkSlot(from: { priority_list: string; slot: string }): Promise<void> {
    await priorityListSql(this.project, await loadPriorityList(this.project, from.priority_list), { slot: from.slot });
  }

  async list(pii: PiiView = UNMASKED): Promise<{ syncs: SyncView[]; invalid: Array<{ file: string; error: string }>; piiMasked: boolean }> {
    const [files, rows, latest] = await Promise.all([readSyncFiles(this.project), this.uiRows(), this.history().latestRuns()]);
    const git: SyncView[] = files
      .filter((f) => f.sync)
      .map((f) => {
        const d = f.sync!.definition;
        return { name: d.name, origin: 'git', file: f.file, from: d.from, key: d.key, destination: { type: d.destination.type, name: null }, mode: d.mode, fields: fieldSources(d), mappings: fieldMappingsOf(d), schedule: d.schedule, lastRun: latest.get(d.name) ?? null };
      });
    const ui: SyncView[] = [];
    // One unreadable stored row is listed as invalid, not a failure of the whole list.
    const unreadable: Array<{ file: string; error: string }> = [];
    for (const row of rows) {
      try {
        ui.push(await this.uiView(row, latest.get(row.name) ?? null));
      } catch (error) {
        unreadable.push({ file: `(saved in the UI) ${row.name}`, error: `the stored definition cannot be read: ${unreadableReason(error)}; delete the sync and create it again` });
      }
    }
    const all = [...git, ...ui].sort((a, b) => a.name.localeCompare(b.name));
    return {
      syncs: pii.mask ? all.map((view) => ({ ...view, lastRun: view.lastRun && this.masker(view).run(view.lastRun) })) : all,
      invalid: [...files.filter((f) => f.error).map((f) => ({ file: f.file, error: f.error!.oneLine() })), ...unreadable],
      piiMasked: pii.mask,
    };
  }

  private masker(view: Pick<SyncView, 'key'>): SyncPiiMask {
    return new SyncPiiMask(this.project, view.key);
  }

  private async uiView(row: UiSyncRow, lastRun: SyncRunRecord | null): Promise<SyncView> {
    const body = uiSyncUpdateSchema.parse(JSON.parse(row.definition));
    const type = await this.destinations.storedConfig(body.destination).then((d) => d.type, () => '(deleted)');
    return {
      name: row.name,
      origin: 'ui',
      file: null,
      from: body.from,
      key: body.key ?? 'profile_id',
      destination: { type, name: body.destination },
      mode: body.mode,
      fields: fieldSources(splitFieldMappings(body.fields)),
      mappings: body.fields,
      schedule: body.schedule,
      lastRun,
      createdBy: row.created_by,
      updatedAt: isoOrNull(row.updated_at),
    };
  }

  /** One sync with its recent runs (and, for git syncs, the destination state counts). */
  async get(name: string, pii: PiiView = UNMASKED): Promise<SyncDetail> {
    const view = await this.unmaskedView(name);
    if (!pii.mask) return { ...view, piiMasked: false };
    const mask = this.masker(view);
    return { ...view, lastRun: view.lastRun && mask.run(view.lastRun), recentRuns: view.recentRuns.map((run) => mask.run(run)), piiMasked: true };
  }

  private async unmaskedView(name: string): Promise<SyncView & { recentRuns: SyncRunRecord[]; state?: Record<string, number> }> {
    const row = await this.uiRow(name);
    if (row) {
      const recentRuns = await listSyncRuns(this.project, name, { limit: 10, history: this.history() });
      return { ...(await this.uiView(row, recentRuns[0] ?? null)), recentRuns };
    }
    const listing = await this.list();
    const view = listing.syncs.find((s) => s.name === name);
    if (!view) throw new CdpError('SYNC_NOT_FOUND', `no sync named ${name}`, { location: { path: 'params.name' }, hint: 'GET /api/syncs lists them' });
    const status = await getSyncStatus(this.project, name, { history: this.history() });
    return { ...view, recentRuns: status.recentRuns, state: status.state };
  }

  private async requireExisting(name: string): Promise<void> {
    await this.get(name);
  }

  async create(input: z.output<typeof uiSyncCreateSchema>, actor: Actor): Promise<SyncDetail> {
    const { name, ...body } = input;
    const existing = (await this.list()).syncs.find((s) => s.name === name);
    if (existing) {
      throw new CdpError('CONFLICT', `a sync named ${name} already exists${existing.file ? ` (${existing.file})` : ''}`, { location: { path: 'body.name' }, hint: 'choose another name' });
    }
    await this.validate(name, body);
    const now = Date.now();
    await this.knex.transaction(async (trx) => {
      await trx('ui_syncs').insert({ name, destination: body.destination, definition: JSON.stringify(body), created_at: now, updated_at: now, created_by: actor.email, updated_by: actor.email });
      await this.audit.record({ actor, action: 'sync.create', resourceType: 'sync', resourceId: name, details: { destination: body.destination, from: body.from, mode: body.mode, schedule: body.schedule } }, trx);
    });
    return this.get(name);
  }

  private async requireUi(name: string): Promise<UiSyncRow> {
    const row = await this.uiRow(name);
    if (row) return row;
    await this.requireExisting(name);
    throw new CdpError('CONFLICT', `sync ${name} is defined in git`, { location: { path: 'params.name' }, hint: `edit ${this.project.config.syncs.path}/${name}.yaml and commit it` });
  }

  async update(name: string, body: UiSyncBody, actor: Actor): Promise<SyncDetail> {
    const before = await this.requireUi(name);
    await this.validate(name, body);
    await this.knex.transaction(async (trx) => {
      await trx('ui_syncs').where({ name }).update({ destination: body.destination, definition: JSON.stringify(body), updated_at: Date.now(), updated_by: actor.email });
      const old = JSON.parse(before.definition) as Record<string, unknown>;
      const changed = Object.keys(body).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(body[k as keyof UiSyncBody]));
      await this.audit.record({ actor, action: 'sync.update', resourceType: 'sync', resourceId: name, details: { changed } }, trx);
    });
    return this.get(name);
  }

  async remove(name: string, actor: Actor): Promise<void> {
    await this.requireUi(name);
    await this.knex.transaction(async (trx) => {
      await trx('ui_syncs').where({ name }).delete();
      await trx('scheduler_state').where({ name: syncJobKey(name) }).delete();
      await this.audit.record({ actor, action: 'sync.delete', resourceType: 'sync', resourceId: name }, trx);
    });
  }

  async runs(name: string, limit: number, pii: PiiView = UNMASKED): Promise<SyncRunRecord[]> {
    const view = await this.unmaskedView(name);
    const runs = await listSyncRuns(this.project, name, { limit, history: this.history() });
    return pii.mask ? runs.map((run) => this.masker(view).run(run)) : runs;
  }

  async run(name: string, runId: string, pii: PiiView = UNMASKED): Promise<SyncRunRecord> {
    const run = await getSyncRun(this.project, runId, { history: this.history() });
    if (!run || run.sync !== name) throw new CdpError('NOT_FOUND', `sync ${name} has no run ${runId}`, { location: { path: 'params.runId' } });
    return pii.mask ? this.masker(await this.unmaskedView(name)).run(run) : run;
  }

  /** The per-row log of a run. A `key` filter is the caller's own value: it is searched unmasked, the answer is masked. */
  async rows(name: string, runId: string, options: { status?: LogEntry['status']; key?: string; limit: number }, pii: PiiView = UNMASKED): Promise<LogEntry[]> {
    await this.run(name, runId);
    const entries = await syncRowLog(this.project, name, { runId, status: options.status, key: options.key, limit: options.limit });
    if (!pii.mask) return entries;
    const mask = this.masker(await this.unmaskedView(name));
    return entries.map((entry) => mask.log(entry));
  }

  /** Names of the syncs (git and UI) that read an audience. */
  async usingAudience(audience: string): Promise<string[]> {
    const { syncs } = await this.list();
    // Audiences and priority lists share one name space: a name is one or the other.
    return syncs.filter((s) => ('audience' in s.from && s.from.audience === audience) || ('priority_list' in s.from && s.from.priority_list === audience)).map((s) => s.name);
  }

  /** Every valid sync with its schedule, for the scheduler. */
  async schedules(): Promise<Array<{ name: string; schedule: string | null; origin: 'git' | 'ui' }>> {
    const { syncs } = await this.list();
    return syncs.map((s) => ({ name: s.name, schedule: s.schedule, origin: s.origin }));
  }

  private async prepared(name: string): Promise<PreparedSync | string> {
    const row = await this.uiRow(name);
    if (!row) return name; // a git sync: the engine loads its file
    return this.prepareStored(name, row.definition);
  }

  /** A UI sync as the engine runs it, from its stored definition (JSON text of `ui_syncs.definition`). */
  async prepareStored(name: string, definition: string): Promise<PreparedSync> {
    return this.prepareUi(name, uiSyncUpdateSchema.parse(JSON.parse(definition)));
  }

  /** Plans without sending: counts and a sample of what would be sent (masked for roles without `pii:read`). */
  async dryRun(name: string, pii: PiiView = UNMASKED): Promise<SyncRunResult & { piiMasked: boolean }> {
    const view = await this.unmaskedView(name);
    const result = await runSync(this.project, await this.prepared(name), { dryRun: true, secrets: secretResolver(this.secrets) });
    if (!pii.mask) return { ...result, piiMasked: false };
    const mask = this.masker(view);
    return {
      ...result,
      error: mask.error(result.error),
      firstErrors: result.firstErrors.map((e) => ({ ...e, key: mask.key(e.key), error: mask.error(e.error) })),
      ...(result.sample ? { sample: result.sample.map((row) => mask.sample(view.mappings, row)) } : {}),
      piiMasked: true,
    };
  }

  /** Runs a sync for the scheduler; a failed run throws so the job records the error. */
  async execute(name: string, context: RunContext): Promise<SyncRunResult> {
    const result = await runSync(this.project, await this.prepared(name), {
      full: context.options.full,
      trigger: context.trigger,
      signal: context.signal,
      secrets: secretResolver(this.secrets),
      // The scheduler took the sync's lease for this run.
      leaseHeld: true,
    });
    if (result.status === 'failed') throw new Error(result.error ?? `sync ${name} failed`);
    return result;
  }
}

/** Names of the syncs that read an audience (for the delete warning). */
export async function syncsUsingAudience(ctx: ServerContext, audience: string): Promise<string[]> {
  return ctx.syncs.usingAudience(audience);
}

/** Why a stored JSON definition could not be read, in one line. */
function unreadableReason(error: unknown): string {
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return issue ? `${issue.path.join('.') || 'definition'}: ${issue.message}` : 'invalid definition';
  }
  return error instanceof Error ? error.message : String(error);
}
