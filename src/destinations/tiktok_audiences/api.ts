import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { HttpResponse, RetryVerdict } from '../http/client.js';

/**
 * TikTok API for Business v1.3, customer-file audiences (business-api.tiktok.com/portal/docs,
 * and the request models of TikTok's own SDK, tiktok-business-api-sdk: AudienceApi,
 * CustomAudienceUpdateBody). Every answer is `{code, message, request_id, data}`; `code` 0 is
 * success and anything else an error, even with HTTP 200.
 */
export const PATHS = {
  upload: 'open_api/v1.3/dmp/custom_audience/file/upload/',
  update: 'open_api/v1.3/dmp/custom_audience/update/',
  get: 'open_api/v1.3/dmp/custom_audience/get/',
} as const;

/** `calculate_type` of a file of SHA-256 hex values, one per line. */
export const CALCULATE_TYPES = { email: 'EMAIL_SHA256', phone: 'PHONE_SHA256' } as const;
export type IdKind = keyof typeof CALCULATE_TYPES;

/** `action` of /dmp/custom_audience/update/ (the server default is REPLACE, so it is always sent). */
export type UpdateAction = 'APPEND' | 'REMOVE';

export const envelope = z
  .object({
    code: z.number(),
    message: z.string().default(''),
    request_id: z.string().optional(),
    data: z.unknown().optional(),
  })
  .passthrough();
export type Envelope = z.output<typeof envelope>;

export const uploadData = z.object({ file_path: z.string().min(1) }).passthrough();

/** "Requests are made too frequently" (QPS/QPM/QPD limit of the app or the endpoint). */
export const RATE_LIMIT_CODE = 40100;
/** Credentials and permissions: no request gets through until the config changes. */
export const ACCOUNT_CODES: ReadonlySet<number> = new Set([40001, 40102, 40104, 40105]);

export function readEnvelope(response: HttpResponse): Envelope | undefined {
  try {
    const parsed = envelope.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Throttling and server errors arrive as codes in an HTTP 200: retry them like a 429 / 5xx. */
export function tiktokRetryVerdict(response: HttpResponse): RetryVerdict | undefined {
  if (response.status !== 200) return undefined;
  const body = readEnvelope(response);
  if (body && (body.code === RATE_LIMIT_CODE || body.code >= 50000)) return { retry: true };
  return undefined;
}

/** A multipart/form-data body (the file upload endpoint takes nothing else). */
export function multipart(fields: Record<string, string>, file: { field: string; name: string; content: string }): { body: string; contentType: string } {
  const boundary = `----cdp-${randomUUID()}`;
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.name}"\r\nContent-Type: text/plain\r\n\r\n${file.content}\r\n`,
  );
  return { body: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `file_signature`: MD5 hex of the file's bytes. */
export function md5Hex(content: string): string {
  return createHash('md5').update(content, 'utf8').digest('hex');
}

/**
 * `data.list[].audience_details` of /dmp/custom_audience/get/ (TikTok API for Business v1.3,
 * "Get audience details"): `cover_num` is the number of TikTok users the audience covers, the
 * audience size TikTok shows in Ads Manager.
 */
export const audienceDetails = z
  .object({
    list: z.array(z.object({ audience_details: z.object({ audience_id: z.union([z.string(), z.number()]), cover_num: z.number().int().nonnegative().optional() }).passthrough() }).passthrough()),
  })
  .passthrough();
