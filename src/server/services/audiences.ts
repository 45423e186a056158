import { z } from 'zod';
import {
  audienceDefinitionSchema,
  audienceCatalog,
  audienceOverlap,
  audienceCountSql,
  audienceSizeHistory,
  compileAudience,
  deleteAudience,
  listAudiences,
  loadAudience,
  planAudiencePreview,
  priorityListCounts,
  type PriorityListDefinition,
  saveAudience,
  type AudienceDefinition,
  type AudienceInput,
  type AudiencePreview,
  type AudienceSummary,
  type NamedAudienceDefinition,
} from '../../audiences/index.js';
import { audienceBreakdown, type AudienceBreakdown, type BreakdownOptions } from '../../audiences/breakdown.js';
import { explainAudience, type AudienceExplanation } from '../../audiences/explain.js';
import { audienceMembersCsv, type MembersCsv } from '../../audiences/members-csv.js';
import { traitWords, type TraitWords } from '../../audiences/labels.js';
import type { Actor } from '../../audit/index.js';
import { CdpError, isCdpError } from '../../errors.js';
import { PiiTags, UNMASKED, type PiiView } from '../../privacy/pii.js';
import { DIALECT_NAMES, getDialect, readableSql, type ColumnKind } from '../../warehouse/index.js';
import type { ServerContext } from '../context.js';
import { AudienceResultCache, BuildMarker, type AudienceResultCacheOptions } from './audience-results.js';
import { predictionColumns, type PredictionColumn } from '../../predictions/index.js';

export { audienceDefinitionSchema };

/** A definition sent inline (a draft in the builder) or the name of a saved audience. */
export const audienceInputSchema = z.union([z.string().min(1).max(200), audienceDefinitionSchema]);
export const dialectSchema = z.enum(DIALECT_NAMES);

/**
 * Re-roots the field path of a definition error at the request part the definition came from,
 * e.g. `where.all[0].trait` → `body.definition.where.all[0].trait`. Errors about files keep theirs.
 */
export async function atPath<T>(prefix: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isCdpError(error) && !error.location.file && ['AUDIENCE_INVALID', 'AUDIENCE_CYCLE', 'INVALID_INPUT'].includes(error.code)) {
      const path = error.location.path ? `${prefix}.${error.location.path}` : prefix;
      throw new CdpError(error.code, error.message, { location: { path }, hint: error.hint, cause: error });
    }
    throw error;
  }
}

export interface AudienceDetail extends AudienceSummary {
  definition: NamedAudienceDefinition;
}

/** Previews with larger samples than this are not kept (they are rare, and large). */
const MAX_CACHED_SAMPLE = 1_000;

/** Audiences for the API: thin wrappers over src/audiences, with the audit log and a result cache. */
export class AudienceService {
  /**
   * Counts and previews by compiled SQL, until the next build (see AudienceResultCache): the
   * builder and lists send the same count many times. Keyed by SQL, not by the request, so an
   * edited saved audience (or one a draft refers to) compiles to a new key by itself.
   */
  private readonly counts: AudienceResultCache<number>;
  private readonly previews: AudienceResultCache<AudiencePreview>;
  private readonly marker: BuildMarker;

  constructor(
    private readonly ctx: ServerContext,
    options: AudienceResultCacheOptions = {},
  ) {
    this.counts = new AudienceResultCache(ctx.project, options);
    this.previews = new AudienceResultCache(ctx.project, options);
    this.marker = new BuildMarker(ctx.project, ctx.knex, ctx.log, options);
  }

  private async cachedCount(input: AudienceInput): Promise<number> {
    void this.marker.poke();
    const sql = await audienceCountSql(this.ctx.project, input);
    const warehouse = await this.ctx.project.warehouse();
    const { value } = await this.counts.get(sql, async () => {
      const rows = await warehouse.query<{ n: number | bigint }>(sql);
      return Number(rows[0]?.n ?? 0);
    });
    return value;
  }

  async list(withCounts: boolean): Promise<Array<AudienceSummary & { count?: number | null }>> {
    const all = await listAudiences(this.ctx.project);
    if (!withCounts) return all;
    return Promise.all(
      all.map(async (summary) => ({
        ...summary,
        count: summary.error ? null : await this.cachedCount(summary.name).catch(() => null),
      })),
    );
  }

  async get(name: string): Promise<AudienceDetail> {
    const summary = (await listAudiences(this.ctx.project)).find((a) => a.name === name);
    if (!summary) throw new CdpError('AUDIENCE_NOT_FOUND', `no audience named ${name}`, { location: { path: 'params.name' } });
    return { ...summary, definition: await loadAudience(this.ctx.project, name) };
  }

  private async exists(name: string): Promise<AudienceSummary | undefined> {
    return (await listAudiences(this.ctx.project)).find((a) => a.name === name);
  }

  async create(definition: AudienceDefinition, actor: Actor): Promise<AudienceDetail> {
    if (!definition.name) {
      throw new CdpError('INVALID_INPUT', 'an audience needs a name', { location: { path: 'body.name' }, hint: 'letters, digits and underscores' });
    }
    const name = definition.name;
    if (await this.exists(name)) {
      throw new CdpError('CONFLICT', `an audience named ${name} already exists`, { location: { path: 'body.name' }, hint: 'choose another name, or open that audience to change it' });
    }
    await atPath('body', () => saveAudience(this.ctx.project, definition, { createdBy: actor.email }));
    await this.ctx.audit.record({ actor, action: 'audience.create', resourceType: 'audience', resourceId: name });
    return this.get(name);
  }

  async update(name: string, definition: AudienceDefinition, actor: Actor): Promise<AudienceDetail> {
    if (definition.name !== undefined && definition.name !== name) {
      throw new CdpError('INVALID_INPUT', `the body names ${definition.name} but the URL ${name}`, { location: { path: 'body.name' }, hint: 'omit name, or make them equal' });
    }
    const existing = await this.exists(name);
    if (!existing) throw new CdpError('AUDIENCE_NOT_FOUND', `no audience named ${name}`, { location: { path: 'params.name' } });
    if (existing.origin === 'file') {
      throw new CdpError('CONFLICT', `audience ${name} lives in ${existing.file}`, { location: { path: 'params.name' }, hint: 'edit the file in git' });
    }
    await atPath('body', () => saveAudience(this.ctx.project, { ...definition, name }, { createdBy: actor.email }));
    await this.ctx.audit.record({ actor, action: 'audience.update', resourceType: 'audience', resourceId: name });
    return this.get(name);
  }

  /** Refuses while syncs use the audience unless `force`; `usedBy` lists them. */
  async remove(name: string, actor: Actor, usedBy: string[], force: boolean): Promise<void> {
    if (!(await this.exists(name))) throw new CdpError('AUDIENCE_NOT_FOUND', `no audience named ${name}`, { location: { path: 'params.name' } });
    if (usedBy.length && !force) {
      throw new CdpError('CONFLICT', `audience ${name} is synced by ${usedBy.join(', ')}`, {
        location: { path: 'params.name' },
        hint: 'delete or change those syncs first, or pass ?force=true',
      });
    }
    await deleteAudience(this.ctx.project, name);
    await this.ctx.audit.record({ actor, action: 'audience.delete', resourceType: 'audience', resourceId: name, details: usedBy.length ? { syncs: usedBy } : {} });
  }

  async count(input: AudienceInput, path: string): Promise<{ count: number; milliseconds: number }> {
    const started = Date.now();
    const count = await atPath(path, () => this.cachedCount(input));
    return { count, milliseconds: Date.now() - started };
  }

  /** Count, funnel and sample; the sample's PII-tagged columns are masked when `pii.mask` (roles without `pii:read`). */
  async preview(input: AudienceInput, path: string, options: { limit?: number; traits?: string[] }, pii: PiiView = UNMASKED): Promise<AudiencePreview & { piiMasked: boolean }> {
    const started = Date.now();
    void this.marker.poke();
    // Cached and shared previews hold the unmasked sample: each caller gets its own masked copy.
    const { value: preview } = await atPath(path, async () => {
      const plan = await planAudiencePreview(this.ctx.project, input, options);
      return this.previews.get(plan.key, () => plan.run(), (p) => p.sample.length <= MAX_CACHED_SAMPLE);
    });
    const milliseconds = Date.now() - started;
    if (!pii.mask) return { ...preview, sample: preview.sample.map((row) => ({ ...row })), milliseconds, piiMasked: false };
    const tags = PiiTags.of(this.ctx.project.config);
    return { ...preview, sample: preview.sample.map((row) => tags.maskRow(row)), milliseconds, piiMasked: true };
  }

  /** The audience's SQL laid out for reading (`sql`), and the exact text that runs (`executed`). */
  sql(input: AudienceInput, path: string, dialect?: z.infer<typeof dialectSchema>) {
    return atPath(path, async () => {
      const { sql } = await compileAudience(this.ctx.project, input, dialect);
      const shownIn = dialect ? getDialect(dialect) : (await this.ctx.project.warehouse()).dialect;
      return { sql: readableSql(sql, shownIn), executed: sql };
    });
  }

  /** A saved audience broken down by one trait; a PII trait shows no values to roles without pii:read. */
  async breakdown(name: string, trait: string, options: BreakdownOptions, pii: PiiView): Promise<AudienceBreakdown & { piiMasked: boolean }> {
    await this.get(name);
    const result = await atPath('query', () => audienceBreakdown(this.ctx.project, name, trait, options));
    if (!pii.mask || !PiiTags.of(this.ctx.project.config).isPii(trait)) return { ...result, piiMasked: false };
    return { ...result, values: [], histogram: null, other: result.members - result.missing, piiMasked: true };
  }

  /**
   * The members of a saved audience as CSV chunks (streamed from the warehouse), PII masked for
   * roles without pii:read; each export is in the audit log.
   */
  async membersCsv(name: string, traits: string[] | undefined, pii: PiiView, actor: Actor): Promise<MembersCsv> {
    await this.get(name);
    const tags = PiiTags.of(this.ctx.project.config);
    const csv = await atPath('query', () => audienceMembersCsv(this.ctx.project, name, traits, pii.mask ? (row) => tags.maskRow(row) : undefined));
    await this.ctx.audit.record({ actor, action: 'audience.export', resourceType: 'audience', resourceId: name, details: { columns: csv.columns, piiMasked: pii.mask } });
    return csv;
  }

  /** Profiles per slot of a draft priority list (each profile in its first audience of the list). */
  priorityCounts(list: PriorityListDefinition) {
    return atPath('body.definition', () => priorityListCounts(this.ctx.project, list));
  }

  /** The definition in plain words (structure and config only: no warehouse query). */
  explain(definition: AudienceDefinition): AudienceExplanation {
    return explainAudience(definition, traitWords(this.ctx.project));
  }

  overlap(inputs: AudienceInput[]) {
    return atPath('body.audiences', () => audienceOverlap(this.ctx.project, inputs));
  }

  async history(name: string, limit: number) {
    await this.get(name);
    return audienceSizeHistory(this.ctx.project, name, { limit });
  }

  /** Traits (profile columns with their kinds) and event names with their properties, for the builder. */
  async catalog(): Promise<{
    traits: Array<{ name: string; kind: ColumnKind; prediction?: PredictionColumn } & TraitWords>;
    events: Array<{ name: string; sources: string[]; properties: Array<{ name: string; kind: ColumnKind }> }>;
  }> {
    const catalog = audienceCatalog(this.ctx.project);
    const [traits, events] = await Promise.all([catalog.traits(), catalog.events()]);
    const words = traitWords(this.ctx.project);
    const predictions = predictionColumns(this.ctx.project);
    return {
      traits: [...traits].map(([name, kind]) => ({ name, kind, ...words(name), ...(predictions.has(name) ? { prediction: predictions.get(name)! } : {}) })),
      events: [...events].map(([name, streams]) => {
        const properties = new Map<string, ColumnKind>();
        for (const stream of streams) for (const [column, kind] of stream.columns) properties.set(column, kind);
        return { name, sources: streams.map((s) => s.source), properties: [...properties].map(([p, kind]) => ({ name: p, kind })) };
      }),
    };
  }
}
