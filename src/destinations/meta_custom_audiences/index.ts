import { z } from 'zod';
import { baseUrlSchema, secretSchema } from '../config.js';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { ok, rejected, retryable } from '../results.js';
import { defineDestination } from '../template.js';
import type { Row, RowResult, SendContext } from '../types.js';
import {
  ACCOUNT_CODES,
  THROTTLING_CODES,
  UPLOAD_BLOCKED_SUBCODE,
  metaRetryVerdict,
  readGraphError,
  sessionIdFor,
  usersResponse,
} from './api.js';
import { META_KEYS, metaCell, type MetaKey } from './normalize.js';

export { META_KEYS, metaCell, normalizeForMeta } from './normalize.js';
export { sessionIdFor } from './api.js';

export const metaConfigSchema = z
  .object({
    /** The customer-file custom audience (create it in Ads Manager or with POST /act_<id>/customaudiences). */
    audience_id: z.string().regex(/^\d+$/, 'the numeric custom audience id'),
    /** A system-user token with ads_management; sent as `Authorization: Bearer`. */
    access_token: secretSchema,
    base_url: baseUrlSchema.default('https://graph.facebook.com/v25.0'),
    /** Region for phone numbers written without a country code (e.g. US). */
    default_phone_region: z.string().length(2).optional(),
  })
  .strict();

export type MetaConfig = z.output<typeof metaConfigSchema>;

const VENDOR = 'Meta';
export const META_BATCH_SIZE = 10_000;

function graph(ctx: { config: MetaConfig; http: HttpClient; secret: SendContext<MetaConfig>['secret'] }): HttpClient {
  return ctx.http.with({ baseUrl: ctx.config.base_url, headers: { authorization: `Bearer ${ctx.secret(ctx.config.access_token)}` } });
}

function graphFailure(response: HttpResponse, what: string): DestinationError | RowResult {
  const error = readGraphError(response);
  if (!error) {
    if (response.status === 429 || response.status >= 500) return retryable(describeResponse(response));
    if (response.status >= 200 && response.status < 300) return retryable('unexpected answer');
    throw new DestinationError(`Meta answered ${describeResponse(response)} while ${what}, not a Graph API error`, {
      hint: `check base_url points at the Graph API (${new URL(response.url).origin})`,
    });
  }
  const code = error.code ?? 0;
  const text = redactPii(`Graph error ${code}${error.error_subcode ? `/${error.error_subcode}` : ''}: ${error.error_user_msg ?? error.message ?? 'failed'}`);
  if (ACCOUNT_CODES.has(code) || (code === 100 && error.error_subcode === UPLOAD_BLOCKED_SUBCODE) || code === 100 && error.error_subcode === 33) {
    return new DestinationError(`Meta refused ${what}: ${text}`, {
      hint: 'check access_token (ads_management, access to the ad account) and the audience status in Ads Manager',
    });
  }
  if (THROTTLING_CODES.has(code) || error.is_transient || code === 1 || code === 2 || code === 2650) return retryable(text);
  return rejected(text);
}

/** Keys that identify a person on their own; names, zip, country... only refine a match. */
const MATCH_KEYS: ReadonlySet<MetaKey> = new Set(['EMAIL', 'PHONE', 'MADID', 'EXTERN_ID']);

/**
 * Builds the multi-key payload: one array of cells per person. Rows without any usable EMAIL,
 * PHONE, MADID or EXTERN_ID are left out (`index` maps rows to their data position, or null).
 */
export function buildPayload(rows: readonly Row[], keys: readonly MetaKey[], defaultRegion?: string) {
  const data: string[][] = [];
  const index: Array<number | null> = [];
  for (const row of rows) {
    const cells = keys.map((key) => metaCell(key, row.fields[key], defaultRegion));
    if (!cells.some((c, i) => c !== '' && MATCH_KEYS.has(keys[i]!))) index.push(null);
    else {
      index.push(data.length);
      data.push(cells);
    }
  }
  return { payload: { schema: [...keys], is_raw: true, data }, index };
}

const NO_IDENTIFIER = 'no usable EMAIL, PHONE, MADID or EXTERN_ID after normalisation';

async function users(method: 'POST' | 'DELETE', rows: Row[], ctx: SendContext<MetaConfig>): Promise<RowResult[]> {
  const keys = ctx.fields.filter((f): f is MetaKey => (META_KEYS as readonly string[]).includes(f));
  const { payload, index } = buildPayload(rows, keys, ctx.config.default_phone_region);
  if (payload.data.length === 0) return rows.map(() => rejected(NO_IDENTIFIER));
  const session = {
    session_id: sessionIdFor(ctx.batch.planId, ctx.batch.op),
    batch_seq: ctx.batch.index,
    last_batch_flag: ctx.batch.index === ctx.batch.count,
    estimated_num_total: ctx.batch.rows,
  };
  const form = new URLSearchParams({ payload: JSON.stringify(payload), session: JSON.stringify(session) });
  const response = await graph(ctx).request({
    method,
    path: `${ctx.config.audience_id}/users`,
    body: form,
    retry: metaRetryVerdict,
  });
  if (response.status !== 200) {
    const failure = graphFailure(response, method === 'POST' ? 'adding users' : 'removing users');
    if (failure instanceof DestinationError) throw failure;
    return index.map((i) => (i === null ? rejected(NO_IDENTIFIER) : failure));
  }
  const body = parseJsonResponse(response, usersResponse, VENDOR);
  // The match-rate inputs Meta gives per request: rows received and rows it found invalid
  // (https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users/, "Return Type").
  // Removals are not deliveries: only additions count.
  if (method === 'POST') ctx.report?.({ received: body.num_received, invalid: body.num_invalid_entries });
  // Meta reports invalid rows only as counts plus a few samples keyed by the value sent.
  const invalid = new Map<string, string>();
  const samples = body.invalid_entry_samples;
  if (samples && !Array.isArray(samples)) for (const [value, reason] of Object.entries(samples)) invalid.set(value, redactPii(String(reason)));
  return index.map((i) => {
    if (i === null) return rejected(NO_IDENTIFIER);
    const cells = payload.data[i]!;
    const bad = cells.find((c) => invalid.has(c));
    return bad === undefined ? ok() : rejected(`invalid entry: ${invalid.get(bad)}`);
  });
}

export const metaCustomAudiences = defineDestination<MetaConfig>({
  type: 'meta_custom_audiences',
  label: 'Meta custom audience (customer list, hashed identifiers)',
  displayName: 'Meta Custom Audiences',
  docs: 'docs/destinations/meta_custom_audiences.md',
  secretFields: ['access_token'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'EMAIL', type: 'email', identifier: true },
      { name: 'PHONE', type: 'phone', identifier: true },
      { name: 'FN', type: 'string', identifier: true, description: 'first name' },
      { name: 'LN', type: 'string', identifier: true, description: 'last name' },
      { name: 'FI', type: 'string', identifier: true, description: 'first initial' },
      { name: 'ZIP', type: 'string', identifier: true },
      { name: 'CT', type: 'string', identifier: true, description: 'city' },
      { name: 'ST', type: 'string', identifier: true, description: 'state' },
      { name: 'COUNTRY', type: 'string', identifier: true },
      { name: 'DOBY', type: 'string', identifier: true, description: 'year of birth' },
      { name: 'DOBM', type: 'string', identifier: true, description: 'month of birth' },
      { name: 'DOBD', type: 'string', identifier: true, description: 'day of birth' },
      { name: 'GEN', type: 'string', identifier: true, description: 'gender' },
      { name: 'MADID', type: 'string', identifier: true, description: 'mobile advertiser id' },
      { name: 'EXTERN_ID', type: 'string', identifier: true },
    ],
    open: false,
    rule: 'customer-file keys only; a row needs EMAIL, PHONE, MADID or EXTERN_ID to match',
  },
  membership: true,
  consentPurposes: ['advertising'],
  config: metaConfigSchema,
  modes: ['upsert', 'add', 'mirror'],
  batchSize: META_BATCH_SIZE,
  rateLimit: { requests: 60, perSeconds: 60 },
  // One request at a time keeps each session's batches in order, last_batch_flag last.
  concurrency: 1,
  maxConnections: 1,
  accountKey: (config) => `meta:${JSON.stringify(config.access_token)}`,
  // Meta matches on the whole set of identifiers: any change replaces the person's old hashes.
  identityFields: (_config, fields) => fields,
  validateFields(fields) {
    const problems: Array<{ field: string; message: string }> = [];
    for (const field of Object.keys(fields)) {
      if (!(META_KEYS as readonly string[]).includes(field)) {
        problems.push({ field, message: `"${field}" is not a Meta customer-file key (${META_KEYS.join(', ')})` });
      }
    }
    if (!Object.keys(fields).some((f) => f === 'EMAIL' || f === 'PHONE' || f === 'MADID' || f === 'EXTERN_ID')) {
      problems.push({ field: '(fields)', message: 'map at least one of EMAIL, PHONE, MADID or EXTERN_ID' });
    }
    return problems;
  },
  async check(config, ctx) {
    const response = await graph({ config, http: ctx.http, secret: ctx.secret }).request({
      method: 'GET',
      path: config.audience_id,
      query: { fields: 'id,name,approximate_count_lower_bound,operation_status' },
      retry: metaRetryVerdict,
    });
    if (response.status !== 200) {
      const failure = graphFailure(response, 'reading the audience');
      throw failure instanceof DestinationError ? failure : new DestinationError(`Meta: ${'reason' in failure ? failure.reason : 'failed'}`);
    }
  },
  upsert: (rows, ctx) => users('POST', rows, ctx),
  remove: (rows, ctx) => users('DELETE', rows, ctx),
});
