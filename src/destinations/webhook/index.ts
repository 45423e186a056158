import { z } from 'zod';
import type { SecretRef } from '../../config/index.js';
import { baseUrlSchema, headersSchema, rateLimitSchema, secretSchema } from '../config.js';
import { resultForStatus, sameForAll } from '../results.js';
import { defineDestination } from '../template.js';
import type { Row, RowResult, SecretReader, SendContext } from '../types.js';
import { SIGNATURE_HEADER, signBody } from './sign.js';
import { DestinationError } from '../errors.js';
import { describeResponse, type HttpClient } from '../http/client.js';
import { logger } from '../../logger.js';

export { signBody, verifySignature, SIGNATURE_HEADER } from './sign.js';

const BASE_URL_DEPRECATED = 'base_url is deprecated for webhooks: put the whole address in url (e.g. url: https://hooks.example.com/cdp)';
let warnedBaseUrl = false;

/** `url` resolved against the deprecated `base_url` (old configs said `base_url` + a path in `url`). */
function joinedUrl(url: string, base: string | undefined): string {
  return base ? new URL(url, base.endsWith('/') ? base : `${base}/`).toString() : url;
}

export const webhookConfigSchema = z
  .object({
    /** Where batches are POSTed: an absolute http(s) URL. */
    url: z.string().min(1),
    /** Deprecated: read as a prefix of `url` so old sync files still work (a warning says how to change them). */
    base_url: baseUrlSchema.optional().meta({ deprecated: true }),
    /** Signs each body: `X-CDP-Signature: sha256=<hmac hex>`. */
    secret: secretSchema.optional(),
    batch_size: z.number().int().min(1).max(50_000).default(500),
    headers: headersSchema.default({}),
    rate_limit: rateLimitSchema.optional(),
    /** Batches in flight at once. */
    concurrency: z.number().int().min(1).max(64).default(4),
    timeout_ms: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    try {
      const url = new URL(joinedUrl(config.url, config.base_url));
      if (!/^https?:$/.test(url.protocol)) throw new Error('not http');
    } catch {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'a full http(s) address, like https://hooks.example.com/cdp' });
    }
  });

export type WebhookConfig = z.output<typeof webhookConfigSchema>;

/** Where batches go: `url`, joined to the deprecated `base_url` of an old config (warned once). */
function targetUrl(config: WebhookConfig): string {
  if (config.base_url === undefined) return config.url;
  if (!warnedBaseUrl) {
    warnedBaseUrl = true;
    logger.warn({ destination: 'webhook' }, BASE_URL_DEPRECATED);
  }
  return joinedUrl(config.url, config.base_url);
}

function headersOf(config: WebhookConfig, secret: SecretReader): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.headers)) out[name] = typeof value === 'string' ? value : secret(value as SecretRef);
  return out;
}

/** The batch's idempotency key: the same on every resend of a batch, so receivers can drop repeats. */
export const IDEMPOTENCY_HEADER = 'X-CDP-Idempotency-Key';

async function post(http: HttpClient, config: WebhookConfig, secret: SecretReader, body: string | Buffer, timeoutMs?: number, idempotencyKey?: string) {
  const headers: Record<string, string> = { ...headersOf(config, secret), 'content-type': 'application/json' };
  if (idempotencyKey !== undefined) headers[IDEMPOTENCY_HEADER] = idempotencyKey;
  if (config.secret) headers[SIGNATURE_HEADER] = signBody(body, secret(config.secret));
  return http.request({ method: 'POST', path: targetUrl(config), headers, body, timeoutMs });
}

/** `{"sync", "op", "rows": [{<key column>: key, ...mapped fields}]}` — the documented webhook body. */
export function webhookBody(sync: string, op: 'upsert' | 'remove', keyColumn: string, rows: readonly Row[]): string {
  const body = { sync, op, rows: rows.map((row) => ({ [keyColumn]: row.key, ...row.fields })) };
  try {
    return JSON.stringify(body);
  } catch (error) {
    // Only a BigInt makes JSON.stringify throw; the replacer is costly, so only then.
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  }
}

async function deliver(op: 'upsert' | 'remove', rows: Row[], ctx: SendContext<WebhookConfig>) {
  const body = webhookBody(ctx.sync, op, ctx.keyColumn, rows);
  const response = await post(ctx.http, ctx.config, ctx.secret, body, ctx.config.timeout_ms, ctx.batch.idempotencyKey);
  return sameForAll(rows, resultForStatus(response));
}

/**
 * The same body from rows the warehouse already serialised: the JSON goes out untouched. It is
 * encoded to bytes once, and those bytes are both signed and sent (a string would be encoded for
 * the signature and again for the socket).
 */
async function deliverJson(json: string, count: number, ctx: SendContext<WebhookConfig>) {
  const body = Buffer.from(`{"sync":${JSON.stringify(ctx.sync)},"op":"upsert","rows":${json}}`);
  const response = await post(ctx.http, ctx.config, ctx.secret, body, ctx.config.timeout_ms, ctx.batch.idempotencyKey);
  return new Array<RowResult>(count).fill(resultForStatus(response));
}

export const webhook = defineDestination<WebhookConfig>({
  type: 'webhook',
  label: 'Webhook (JSON batches over HTTP POST)',
  displayName: 'Webhook',
  docs: 'docs/destinations/webhook.md',
  secretFields: ['secret', 'headers.*'],
  targetFields: ['url'],
  deprecatedFields: { base_url: BASE_URL_DEPRECATED },
  fields: { known: [], open: true, rule: 'any field names: each row is posted as a JSON object of the mapped fields and the key' },
  config: webhookConfigSchema,
  modes: ['upsert', 'insert', 'mirror', 'add'],
  batchSize: 500,
  rateLimit: { requests: 1000, perSeconds: 1 },
  batchSizeFor: (config) => config.batch_size,
  concurrencyFor: (config) => config.concurrency,
  accountKey: (config) => `webhook:${new URL(targetUrl(config)).origin}`,
  async check(config, ctx) {
    // An empty batch: receivers treat it as a no-op, and it proves reachability, TLS and signing.
    const response = await post(ctx.http, config, ctx.secret, JSON.stringify({ sync: 'check', op: 'upsert', rows: [] }), config.timeout_ms);
    if (response.status < 200 || response.status >= 300) {
      throw new DestinationError(`webhook answered ${describeResponse(response)}`, { hint: 'check url, headers and secret' });
    }
  },
  upsert: (rows, ctx) => deliver('upsert', rows, ctx),
  upsertJson: (json, count, ctx) => deliverJson(json, count, ctx),
  remove: (rows, ctx) => deliver('remove', rows, ctx),
});
