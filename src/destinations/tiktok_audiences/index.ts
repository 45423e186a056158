import { z } from 'zod';
import { baseUrlSchema, rateLimitSchema, secretSchema } from '../config.js';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { tiktokHashed } from '../identifiers/index.js';
import { ok, rejected, retryable } from '../results.js';
import { defineDestination } from '../template.js';
import type { CheckContext, Row, RowResult, RunScope, SendContext } from '../types.js';
import {
  ACCOUNT_CODES,
  audienceDetails,
  CALCULATE_TYPES,
  PATHS,
  RATE_LIMIT_CODE,
  md5Hex,
  multipart,
  readEnvelope,
  tiktokRetryVerdict,
  uploadData,
  type Envelope,
  type IdKind,
  type UpdateAction,
} from './api.js';

export { tiktokRetryVerdict } from './api.js';

/**
 * TikTok customer-file custom audiences. Each batch becomes one file per identifier type (one
 * SHA-256 hex per line) uploaded with /dmp/custom_audience/file/upload/, then applied to the
 * audience with /dmp/custom_audience/update/ and `action` APPEND (upsert) or REMOVE (mirror
 * removals). TikTok answers per request, so a file's outcome is every one of its rows' outcome.
 */

const digits = (what: string) =>
  z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(/^\d+$/, `${what}: the numeric id`));

export const tiktokConfigSchema = z
  .object({
    advertiser_id: digits('advertiser_id'),
    /** The customer-file audience (`custom_audience_id`); create it in TikTok Ads Manager. */
    audience_id: digits('audience_id'),
    /** A TikTok API for Business access token with audience permission; sent as the `Access-Token` header. */
    access_token: secretSchema,
    base_url: baseUrlSchema.default('https://business-api.tiktok.com'),
    /** Region for phone numbers written without a country code (e.g. US). */
    default_phone_region: z.string().length(2).optional(),
    /** TikTok publishes no numbers here; 10 requests per second unless you know your app's limit. */
    rate_limit: rateLimitSchema.optional(),
  })
  .strict();

export type TikTokConfig = z.output<typeof tiktokConfigSchema>;

export const TIKTOK_FIELDS = ['email', 'phone'] as const;
/** ~65 bytes a line: 50,000 rows make files of a few MB, well under TikTok's per-file limit. */
export const TIKTOK_BATCH_SIZE = 50_000;
const DEFAULT_RATE = { requests: 10, perSeconds: 1 };
const VENDOR = 'TikTok';
const NO_IDENTIFIER = 'no usable email or phone after normalisation';

function client(scope: Pick<CheckContext, 'http' | 'secret'> & { config: TikTokConfig }): HttpClient {
  return scope.http.with({ baseUrl: scope.config.base_url, headers: { 'access-token': scope.secret(scope.config.access_token) } });
}

function valuesOf(value: unknown): unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The hashed identifiers of one row by kind (the lines it adds to each file). */
export function tiktokIdentifiers(fields: Record<string, unknown>, defaultRegion?: string): Record<IdKind, string[]> {
  const hashes = (kind: IdKind) => [...new Set(valuesOf(fields[kind]).map((v) => tiktokHashed(kind, v, defaultRegion)).filter((h): h is string => h !== null))];
  return { email: hashes('email'), phone: hashes('phone') };
}

/** What an answer means: the envelope when code is 0, otherwise a row result (or a DestinationError for the account). */
function read(response: HttpResponse, what: string): { body: Envelope } | { failed: RowResult } {
  const body = readEnvelope(response);
  if (response.status !== 200 || !body) {
    if (response.status === 429 || response.status === 408 || response.status >= 500) return { failed: retryable(describeResponse(response)) };
    if (!body) {
      throw new DestinationError(`${VENDOR} answered ${describeResponse(response)} while ${what}, not a TikTok API answer`, {
        hint: `check base_url points at the TikTok API for Business (${new URL(response.url).origin})`,
      });
    }
  }
  if (body.code === 0) return { body };
  const text = redactPii(`TikTok code ${body.code}: ${body.message}${body.request_id ? ` (request ${body.request_id})` : ''}`);
  if (ACCOUNT_CODES.has(body.code)) {
    throw new DestinationError(`${VENDOR} refused ${what}: ${text}`, {
      hint: 'check access_token (a valid token with audience management permission) and that it can manage advertiser_id',
    });
  }
  if (body.code === RATE_LIMIT_CODE || body.code >= 50000) return { failed: retryable(text) };
  return { failed: rejected(text) };
}

/** Uploads one file of hashes and applies it to the audience; one result for all its lines. */
async function applyFile(http: HttpClient, ctx: SendContext<TikTokConfig>, kind: IdKind, hashes: string[], action: UpdateAction): Promise<RowResult> {
  const { config } = ctx;
  const content = hashes.join('\n');
  const form = multipart(
    {
      advertiser_id: config.advertiser_id,
      calculate_type: CALCULATE_TYPES[kind],
      file_signature: md5Hex(content),
      file_name: `cdp_${ctx.batch.planId.slice(0, 8)}_${action.toLowerCase()}_${ctx.batch.index}_${kind}.txt`,
    },
    { field: 'file', name: `${kind}.txt`, content },
  );
  const uploaded = read(
    await http.request({ method: 'POST', path: PATHS.upload, body: form.body, headers: { 'content-type': form.contentType }, retry: tiktokRetryVerdict }),
    `uploading the ${kind} file`,
  );
  if ('failed' in uploaded) return uploaded.failed;
  const parsed = uploadData.safeParse(uploaded.body.data);
  if (!parsed.success) {
    throw new DestinationError(`${VENDOR} answered the file upload without data.file_path`, { hint: 'check base_url points at the TikTok API for Business' });
  }
  const updated = read(
    await http.request({
      method: 'POST',
      path: PATHS.update,
      json: { advertiser_id: config.advertiser_id, custom_audience_id: config.audience_id, action, file_paths: [parsed.data.file_path] },
      retry: tiktokRetryVerdict,
    }),
    action === 'APPEND' ? 'adding to the audience' : 'removing from the audience',
  );
  return 'failed' in updated ? updated.failed : ok();
}

async function send(action: UpdateAction, rows: Row[], ctx: SendContext<TikTokConfig>): Promise<RowResult[]> {
  const ids = rows.map((row) => tiktokIdentifiers(row.fields, ctx.config.default_phone_region));
  const http = client(ctx);
  const outcome = new Map<IdKind, RowResult>();
  for (const kind of ['email', 'phone'] as const) {
    const hashes = [...new Set(ids.flatMap((id) => id[kind]))];
    if (hashes.length === 0) continue;
    const result = await applyFile(http, ctx, kind, hashes, action);
    if (result.status !== 'ok') ctx.logger.warn({ kind, action, lines: hashes.length, status: result.status, reason: result.reason }, 'TikTok did not apply a file');
    outcome.set(kind, result);
  }
  return ids.map((id) => {
    const results = (['email', 'phone'] as const).filter((k) => id[k].length > 0).map((k) => outcome.get(k)!);
    if (results.length === 0) return rejected(NO_IDENTIFIER);
    // Worth another try: the row is sent again (APPEND and REMOVE are idempotent).
    const retry = results.find((r) => r.status === 'retryable');
    if (retry) return retry;
    // In (or out of) the audience through one identifier while TikTok refused the other file:
    // count it as delivered, so a later removal is still sent for everything it holds.
    return results.find((r) => r.status === 'ok') ?? results[0]!;
  });
}

export const tiktokAudiences = defineDestination<TikTokConfig>({
  type: 'tiktok_audiences',
  label: 'TikTok custom audience (customer file, hashed email/phone)',
  displayName: 'TikTok Audiences',
  docs: 'docs/destinations/tiktok.md',
  secretFields: ['access_token'],
  targetFields: ['base_url'],
  fields: {
    known: [
      { name: 'email', type: 'email', identifier: true },
      { name: 'phone', type: 'phone', identifier: true },
    ],
    open: false,
    rule: 'map email, phone or both',
  },
  membership: true,
  config: tiktokConfigSchema,
  consentPurposes: ['advertising'],
  modes: ['upsert', 'add', 'mirror'],
  batchSize: TIKTOK_BATCH_SIZE,
  rateLimit: DEFAULT_RATE,
  // Updates of one audience are applied in the order sent: one batch at a time.
  concurrency: 1,
  accountKey: (config) => `tiktok:${config.advertiser_id}`,
  identityFields: (_config, fields) => fields.filter((f) => (TIKTOK_FIELDS as readonly string[]).includes(f)),
  validateFields(fields) {
    const problems: Array<{ field: string; message: string }> = [];
    for (const field of Object.keys(fields)) {
      if (!(TIKTOK_FIELDS as readonly string[]).includes(field)) problems.push({ field, message: `"${field}" is not a TikTok audience field (${TIKTOK_FIELDS.join(', ')})` });
    }
    if (!('email' in fields) && !('phone' in fields)) problems.push({ field: '(fields)', message: 'map email, phone or both' });
    return problems;
  },
  async check(config, ctx) {
    const response = await client({ config, http: ctx.http, secret: ctx.secret }).request({
      method: 'GET',
      path: PATHS.get,
      query: { advertiser_id: config.advertiser_id, custom_audience_ids: JSON.stringify([config.audience_id]) },
      retry: tiktokRetryVerdict,
    });
    const answer = read(response, 'reading the audience');
    if ('failed' in answer) {
      const reason = answer.failed.status === 'ok' ? 'failed' : answer.failed.reason;
      throw new DestinationError(`${VENDOR}: ${reason} while reading audience ${config.audience_id}`, { hint: 'check advertiser_id and audience_id' });
    }
    parseJsonResponse(response, z.object({ data: z.record(z.string(), z.unknown()) }).passthrough(), VENDOR);
  },
  upsert: (rows, ctx) => send('APPEND', rows, ctx),
  remove: (rows, ctx) => send('REMOVE', rows, ctx),
  async finish(scope, outcome) {
    if (outcome.complete) await reportAudienceSize(scope);
  },
});

/** The audience's size after the run (TikTok's `cover_num`), for the run's reach; never fails the run. */
async function reportAudienceSize(scope: RunScope<TikTokConfig>): Promise<void> {
  const { config } = scope;
  try {
    const response = await client(scope).request({
      method: 'GET',
      path: PATHS.get,
      query: { advertiser_id: config.advertiser_id, custom_audience_ids: JSON.stringify([config.audience_id]) },
      retry: tiktokRetryVerdict,
    });
    const answer = read(response, 'reading the audience');
    if ('failed' in answer) return;
    const details = audienceDetails.safeParse(answer.body.data);
    const size = details.success ? details.data.list.find((item) => String(item.audience_details.audience_id) === config.audience_id)?.audience_details.cover_num : undefined;
    if (size !== undefined) scope.report?.({ audienceSize: size });
  } catch (error) {
    scope.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'TikTok audience size not read');
  }
}
