import { z } from 'zod';
import { baseUrlSchema, rateLimitSchema, secretSchema } from '../config.js';
import { DestinationError } from '../errors.js';
import { describeResponse, type HttpClient } from '../http/client.js';
import { ok, rejected, resultForStatus } from '../results.js';
import { defineDestination } from '../template.js';
import type { CheckContext, Row, RowResult, SendContext } from '../types.js';
import { DEFAULT_REVISION, IMPORT_MAX_BYTES, IMPORT_MAX_PROFILES, JSON_API, failOnAccountErrors } from './api.js';
import { importProfiles, type ImportItem } from './jobs.js';
import { ListCallFailed, checkList, profileIds, removeFromList } from './lists.js';
import { forgetProfiles } from './forget.js';
import { chunkBySize } from '../batching.js';
import { IDENTIFIERS, buildProfile, profileIdentifiers, type Identifier } from './profiles.js';

export { buildProfile as klaviyoProfile, fieldTarget as klaviyoFieldTarget } from './profiles.js';
export { profileIndex as klaviyoProfileIndex, filterString as klaviyoFilterString } from './api.js';

export const klaviyoConfigSchema = z
  .object({
    /** A private API key (pk_...); sent as `Authorization: Klaviyo-API-Key <key>`. */
    api_key: secretSchema,
    base_url: baseUrlSchema.default('https://a.klaviyo.com'),
    /** The API revision every call pins (the `revision` header). */
    revision: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(\.[a-z0-9]+)?$/, 'a revision like 2026-07-15')
      .default(DEFAULT_REVISION),
    /** The list the profiles join (in the import job itself); mirror mode takes leavers out of it. */
    list_id: z.string().min(1).optional(),
    /** Region for phone numbers written without a country code (Klaviyo wants E.164). */
    default_phone_region: z.string().length(2).optional(),
    /** How often a bulk import job is polled, and how long to wait for it before retrying its rows on the next run. */
    poll_interval_ms: z.number().int().min(10).default(2000),
    job_timeout_s: z.number().int().min(1).default(900),
    /** Bulk import and list endpoints allow bursts of 10/s and 150/min per account. */
    rate_limit: rateLimitSchema.optional(),
  })
  .strict();

export type KlaviyoConfig = z.output<typeof klaviyoConfigSchema>;

/** 150 per minute steady, bursts of 10 (the tier of the import and list endpoints). */
const DEFAULT_RATE = { requests: 10, perSeconds: 4 };

function client(scope: Pick<CheckContext, 'http' | 'secret'> & { config: KlaviyoConfig }): HttpClient {
  return scope.http.with({
    baseUrl: scope.config.base_url,
    headers: { authorization: `Klaviyo-API-Key ${scope.secret(scope.config.api_key)}`, revision: scope.config.revision, accept: JSON_API },
  });
}

async function upsert(rows: Row[], ctx: SendContext<KlaviyoConfig>): Promise<RowResult[]> {
  const { config } = ctx;
  const http = client(ctx);
  const built = rows.map((row) => buildProfile(row, config.default_phone_region));
  const results: RowResult[] = built.map((b) => ('error' in b ? rejected(b.error) : ok()));
  const sendable = built.flatMap((b, index) => ('error' in b ? [] : [{ index, bytes: b.bytes, item: { profile: b.profile, identifiers: b.identifiers } as ImportItem }]));
  // Leave room for the job envelope under the 5 MB request limit.
  for (const chunk of chunkBySize(sendable, IMPORT_MAX_PROFILES, IMPORT_MAX_BYTES - 64 * 1024)) {
    const outcome = await importProfiles(
      http,
      chunk.map((c) => c.item),
      config.list_id,
      { intervalMs: config.poll_interval_ms, timeoutMs: config.job_timeout_s * 1000, signal: ctx.signal },
    );
    chunk.forEach((c, i) => (results[c.index] = outcome[i]!));
  }
  return results;
}

/** The identifier a removal looks people up by: the one Klaviyo matches first that the row carries. */
function lookupKey(fields: Record<string, unknown>, defaultRegion?: string): { identifier: Identifier; value: string } | null {
  const ids = profileIdentifiers(fields, defaultRegion);
  for (const identifier of ['external_id', 'email', 'phone_number'] as const) {
    const value = ids[identifier];
    if (value) return { identifier, value: identifier === 'email' ? value.toLowerCase() : value };
  }
  return null;
}

async function remove(rows: Row[], ctx: SendContext<KlaviyoConfig>): Promise<RowResult[]> {
  const { config } = ctx;
  if (!config.list_id) throw missingList();
  const http = client(ctx);
  const keys = rows.map((row) => lookupKey(row.fields, config.default_phone_region));
  try {
    const ids = await profileIds(http, keys.filter((k): k is NonNullable<typeof k> => k !== null));
    await removeFromList(http, config.list_id, [...new Set(ids.values())]);
  } catch (error) {
    if (!(error instanceof ListCallFailed)) throw error;
    const result = resultForStatus(error.response);
    return rows.map(() => result);
  }
  // People Klaviyo does not know (or who carry no identifier) are not in the list: done.
  return rows.map(() => ok());
}

function missingList(): DestinationError {
  return new DestinationError('Klaviyo mirror mode needs list_id: removing someone means taking them out of that list', {
    path: 'destination.config.list_id',
    hint: 'set list_id, or use mode upsert',
  });
}

export const klaviyo = defineDestination<KlaviyoConfig>({
  type: 'klaviyo',
  label: 'Klaviyo profiles (bulk import jobs, list membership)',
  displayName: 'Klaviyo',
  docs: 'docs/destinations/klaviyo.md',
  secretFields: ['api_key'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'email', type: 'email', identifier: true },
      { name: 'phone_number', type: 'phone', identifier: true },
      { name: 'external_id', type: 'string', identifier: true },
      { name: 'first_name', type: 'string' },
      { name: 'last_name', type: 'string' },
      { name: 'organization', type: 'string' },
      { name: 'title', type: 'string' },
      { name: 'locale', type: 'string' },
    ],
    // Custom properties: Klaviyo recognises dates as ISO 8601 (YYYY-MM-DD, or with a time and zone
    // such as 2018-12-27T12:30:00.710Z) and reads a bare date as midnight UTC
    // (developers.klaviyo.com, "Acceptable date and timestamp formats for profile and event properties").
    open: true,
    rule: 'map at least one of email, phone_number or external_id; other names are profile attributes or custom properties',
  },
  membership: true,
  config: klaviyoConfigSchema,
  consentPurposes: ['email_marketing'],
  modes: ['upsert', 'add', 'mirror'],
  batchSize: IMPORT_MAX_PROFILES,
  rateLimit: DEFAULT_RATE,
  concurrency: 2,
  accountKey: (config) => `klaviyo:${config.base_url}:${JSON.stringify(config.api_key)}`,
  // The profile is who its first identifier says; when that changes, the old profile leaves the list.
  identityFields: (_config, fields) => {
    const first = (['external_id', 'email', 'phone_number'] as const).find((f) => fields.includes(f));
    return first ? [first] : [];
  },
  validateFields(fields) {
    if (IDENTIFIERS.some((f) => f in fields)) return [];
    return [{ field: '(fields)', message: 'map at least one of email, phone_number or external_id: Klaviyo identifies profiles by them' }];
  },
  async begin(scope) {
    if (scope.mode === 'mirror' && !scope.config.list_id) throw missingList();
  },
  async check(config, ctx) {
    const http = client({ config, http: ctx.http, secret: ctx.secret });
    if (config.list_id) return checkList(http, config.list_id);
    const response = await http.request({ method: 'GET', path: 'api/profiles', query: { 'page[size]': 1, 'fields[profile]': 'email' } });
    failOnAccountErrors(response, 'reading profiles');
    if (response.status !== 200) throw new DestinationError(`Klaviyo answered ${describeResponse(response)}`, { hint: 'check base_url and revision' });
  },
  upsert,
  remove,
  // Right to erasure: one POST /api/data-privacy-deletion-jobs per person (forget.ts).
  forget: (rows, ctx) => forgetProfiles(client(ctx), rows, ctx.config.default_phone_region),
});
