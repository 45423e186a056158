import { z } from 'zod';
import { baseUrlSchema, rateLimitSchema, secretSchema } from '../config.js';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { linkedinHashedEmail } from '../identifiers/index.js';
import { ok, rejected, retryable } from '../results.js';
import { defineDestination } from '../template.js';
import type { CheckContext, Row, RowResult, RunScope, SendContext } from '../types.js';
import { RESTLI_HEADERS, batchCreateResponse, readLinkedInError, segmentsResponse, type SegmentAction, type UserElement } from './api.js';

/**
 * LinkedIn matched audiences: people are added to / removed from a DMP segment with hashed
 * emails (`POST /rest/dmpSegments/{id}/users`, BATCH_CREATE, one element per row and one status
 * per element). The segment and its ad account are created in Campaign Manager or the API.
 */

const digits = (what: string) =>
  z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(/^\d+$/, `${what}: the numeric id`));

/** Elements per BATCH_CREATE: LinkedIn's limit is not confirmed (5,000 is commonly quoted); 1,000 stays well under it. */
export const LINKEDIN_BATCH_SIZE = 1_000;
const MAX_BATCH = 5_000;

export const linkedinConfigSchema = z
  .object({
    /** The DMP segment (`urn:li:dmpSegment:<id>`), type USER. */
    segment_id: digits('segment_id'),
    /** The ad account that owns the segment (`urn:li:sponsoredAccount:<id>`); `check` finds the segment through it. */
    ad_account_id: digits('ad_account_id'),
    /** OAuth 2.0 access token with rw_dmp_segments; sent as `Authorization: Bearer`. */
    access_token: secretSchema,
    /** `LinkedIn-Version` (YYYYMM). Versions are sunset about a year after release: move it forward. */
    linkedin_version: z.string().regex(/^\d{6}$/, 'YYYYMM, e.g. 202609').default('202609'),
    /** Which hash of the email is sent: SHA256_EMAIL (default) or SHA512_EMAIL. */
    email_hash: z.enum(['SHA256', 'SHA512']).default('SHA256'),
    base_url: baseUrlSchema.default('https://api.linkedin.com/rest'),
    batch_size: z.number().int().min(1).max(MAX_BATCH).optional(),
    /** 500 requests per minute per member on the segment users endpoint. */
    rate_limit: rateLimitSchema.optional(),
  })
  .strict();

export type LinkedInConfig = z.output<typeof linkedinConfigSchema>;

export const LINKEDIN_FIELDS = ['email'] as const;
const DEFAULT_RATE = { requests: 500, perSeconds: 60 };
const VENDOR = 'LinkedIn';
const NO_IDENTIFIER = 'no usable email after normalisation';

function client(scope: Pick<CheckContext, 'http' | 'secret'> & { config: LinkedInConfig }): HttpClient {
  return scope.http.with({
    baseUrl: scope.config.base_url,
    headers: { authorization: `Bearer ${scope.secret(scope.config.access_token)}`, 'linkedin-version': scope.config.linkedin_version, ...RESTLI_HEADERS },
  });
}

function valuesOf(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The element for one row, or null when it has no usable email. */
export function userElement(fields: Record<string, unknown>, action: SegmentAction, algorithm: 'SHA256' | 'SHA512' = 'SHA256'): UserElement | null {
  const idType = algorithm === 'SHA256' ? 'SHA256_EMAIL' : 'SHA512_EMAIL';
  const hashes = [...new Set(valuesOf(fields.email).map((v) => linkedinHashedEmail(v, algorithm)).filter((h): h is string => h !== null))];
  if (hashes.length === 0) return null;
  return { action, userIds: hashes.map((idValue) => ({ idType, idValue })) };
}

/** A whole request failed: retryable rows, or a DestinationError when the config must change first. */
function failure(response: HttpResponse, what: string): RowResult {
  const { status } = response;
  if (status === 429 || status === 408 || status >= 500) return retryable(describeResponse(response));
  const error = readLinkedInError(response);
  if (!error) {
    throw new DestinationError(`${VENDOR} answered ${describeResponse(response)} while ${what}, not a LinkedIn API error`, {
      hint: `check base_url points at the LinkedIn REST API (${new URL(response.url).origin})`,
    });
  }
  const text = redactPii(`HTTP ${status}${error.code ? ` ${error.code}` : ''}${error.serviceErrorCode ? ` (${error.serviceErrorCode})` : ''}: ${error.message ?? ''}`);
  if (status === 401 || status === 403) {
    throw new DestinationError(`${VENDOR} refused ${what}: ${text}`, {
      hint: 'access_token must be valid and carry rw_dmp_segments for the ad account (Audiences program approval)',
    });
  }
  if (status === 404) throw new DestinationError(`${VENDOR} refused ${what}: ${text}`, { hint: 'check segment_id' });
  if (status === 426 || error.code === 'NONEXISTENT_VERSION' || error.code === 'VERSION_MISSING') {
    throw new DestinationError(`${VENDOR} refused ${what}: ${text}`, { hint: 'set linkedin_version to an active version (YYYYMM)' });
  }
  return rejected(text);
}

async function send(action: SegmentAction, rows: Row[], ctx: SendContext<LinkedInConfig>): Promise<RowResult[]> {
  const elements = rows.map((row) => userElement(row.fields, action, ctx.config.email_hash));
  const sent = elements.filter((e): e is UserElement => e !== null);
  if (sent.length === 0) return rows.map(() => rejected(NO_IDENTIFIER));
  const what = action === 'ADD' ? 'adding segment users' : 'removing segment users';
  const response = await client(ctx).request({
    method: 'POST',
    path: `dmpSegments/${ctx.config.segment_id}/users`,
    headers: { 'x-restli-method': 'BATCH_CREATE' },
    json: { elements: sent },
  });
  let results: RowResult[];
  if (response.status === 200 || response.status === 201) {
    const body = parseJsonResponse(response, batchCreateResponse, VENDOR);
    if (body.elements.length !== sent.length) {
      throw new DestinationError(`${VENDOR} answered ${body.elements.length} statuses for ${sent.length} elements`, { hint: 'check base_url points at the LinkedIn REST API' });
    }
    results = body.elements.map((e) => {
      if (e.status >= 200 && e.status < 300) return ok();
      const text = redactPii(`element status ${e.status}${e.error?.message ? `: ${e.error.message}` : ''}`);
      return e.status === 429 || e.status >= 500 ? retryable(text) : rejected(text);
    });
  } else {
    const result = failure(response, what);
    results = sent.map(() => result);
  }
  let next = 0;
  return elements.map((e) => (e === null ? rejected(NO_IDENTIFIER) : results[next++]!));
}

export const linkedinAudiences = defineDestination<LinkedInConfig>({
  type: 'linkedin_audiences',
  label: 'LinkedIn matched audience (DMP segment, hashed emails)',
  displayName: 'LinkedIn Matched Audiences',
  docs: 'docs/destinations/linkedin.md',
  secretFields: ['access_token'],
  targetFields: ['base_url'],
  fields: {
    known: [{ name: 'email', type: 'email', identifier: true, required: true }],
    open: false,
  },
  membership: true,
  config: linkedinConfigSchema,
  consentPurposes: ['advertising'],
  modes: ['upsert', 'add', 'mirror'],
  batchSize: LINKEDIN_BATCH_SIZE,
  batchSizeFor: (config) => config.batch_size ?? LINKEDIN_BATCH_SIZE,
  rateLimit: DEFAULT_RATE,
  // The 500/min limit is per member (the token's user), across that member's segments.
  accountKey: (config) => `linkedin:${JSON.stringify(config.access_token)}`,
  identityFields: (_config, fields) => fields.filter((f) => (LINKEDIN_FIELDS as readonly string[]).includes(f)),
  validateFields(fields) {
    const problems: Array<{ field: string; message: string }> = [];
    for (const field of Object.keys(fields)) {
      if (!(LINKEDIN_FIELDS as readonly string[]).includes(field)) problems.push({ field, message: `"${field}" is not a LinkedIn segment field (email)` });
    }
    if (!('email' in fields)) problems.push({ field: '(fields)', message: 'map email' });
    return problems;
  },
  async check(config, ctx) {
    const segment = await findSegment(client({ config, http: ctx.http, secret: ctx.secret }), config);
    if (!segment) {
      throw new DestinationError(`${VENDOR}: segment ${config.segment_id} is not among the segments of ad account ${config.ad_account_id}`, {
        hint: 'check segment_id and ad_account_id',
      });
    }
    const failed = segment.destinations?.find((d) => d.status === 'FAILED' || d.status === 'EXPIRED');
    if (failed) throw new DestinationError(`${VENDOR}: segment ${config.segment_id} is ${failed.status}`, { hint: 'recreate the segment in Campaign Manager' });
  },
  async finish(scope, outcome) {
    if (outcome.complete) await reportAudienceSize(scope);
  },
  upsert: (rows, ctx) => send('ADD', rows, ctx),
  remove: (rows, ctx) => send('REMOVE', rows, ctx),
});

type Segment = z.output<typeof segmentsResponse>['elements'][number];

/** The sync's segment among the ad account's, paging through the finder NOTES.md documents. */
async function findSegment(http: HttpClient, config: LinkedInConfig): Promise<Segment | undefined> {
  const count = 100;
  for (let start = 0; start < 50 * count; start += count) {
    const response = await http.request({
      method: 'GET',
      path: 'dmpSegments',
      query: { q: 'account', account: `urn:li:sponsoredAccount:${config.ad_account_id}`, start, count },
    });
    if (response.status !== 200) {
      const result = failure(response, 'listing the ad account segments');
      throw new DestinationError(`${VENDOR}: ${result.status === 'ok' ? 'failed' : result.reason}`, { hint: 'try again later' });
    }
    const page = parseJsonResponse(response, segmentsResponse, VENDOR);
    const segment = page.elements.find((s) => String(s.id) === config.segment_id);
    if (segment || page.elements.length < count) return segment;
  }
  return undefined;
}

/**
 * The segment's size on LinkedIn after a complete run (`audienceSize` of its LINKEDIN destination;
 * not `matchedCount`, a seven-day window), for the run's reach; never fails the run.
 */
async function reportAudienceSize(scope: RunScope<LinkedInConfig>): Promise<void> {
  try {
    const segment = await findSegment(client(scope), scope.config);
    const size = segment?.destinations?.find((d) => d.destination === 'LINKEDIN')?.audienceSize;
    if (size !== undefined) scope.report?.({ audienceSize: size });
  } catch (error) {
    scope.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'LinkedIn audience size not read');
  }
}
