import { z } from 'zod';
import { parseRetryAfter } from '../http/backoff.js';
import type { HttpResponse, RetryVerdict } from '../http/client.js';

/**
 * Shapes and signals of HubSpot's CRM v3 API (developers.hubspot.com/docs/api/crm): batch
 * answers with per-input errors (207 Multi-Status), list membership answers, the `Error` body and
 * the 429 body that names the exhausted rate-limit policy.
 */

/** "Batch operations are limited to 100 records at a time" (contacts guide). */
export const HUBSPOT_BATCH_LIMIT = 100;

/** Contacts are HubSpot object type 0-1 (lists of other objects cannot hold contacts). */
export const CONTACT_OBJECT_TYPE = '0-1';

/** `StandardError` of a batch answer. `context` usually names the failed inputs (`ids`, `objectWriteTraceId`). */
export const standardError = z
  .object({
    status: z.string().optional(),
    category: z.string().optional(),
    message: z.string().optional(),
    id: z.string().optional(),
    context: z.record(z.string(), z.unknown()).optional(),
    errors: z.array(z.object({ message: z.string().optional(), code: z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();
export type StandardError = z.output<typeof standardError>;

/** `BatchResponseSimplePublicObject[WithErrors]` of batch create/update/upsert/read. */
export const batchResponse = z
  .object({
    status: z.string(),
    results: z
      .array(
        z
          .object({
            id: z.string(),
            properties: z.record(z.string(), z.string().nullable()).default({}),
            objectWriteTraceId: z.string().optional(),
            new: z.boolean().optional(),
          })
          .passthrough(),
      )
      .default([]),
    errors: z.array(standardError).default([]),
    numErrors: z.number().optional(),
  })
  .passthrough();
export type BatchResponse = z.output<typeof batchResponse>;

/** `MembershipsUpdateResponse` (note the vendor's spelling `recordsIdsAdded`). */
export const membershipsResponse = z
  .object({
    recordsIdsAdded: z.array(z.string()).default([]),
    recordIdsRemoved: z.array(z.string()).default([]),
    recordIdsMissing: z.array(z.string()).default([]),
  })
  .passthrough();

/** `GET /crm/v3/lists/{listId}`. */
export const listResponse = z.object({
  list: z
    .object({
      listId: z.string(),
      name: z.string().optional(),
      processingType: z.string().optional(),
      objectTypeId: z.string().optional(),
    })
    .passthrough(),
});

/** The `Error` body of any failed call (and of 429s, with `policyName`). */
export const errorBody = z
  .object({
    message: z.string(),
    category: z.string().optional(),
    correlationId: z.string().optional(),
    policyName: z.string().optional(),
    errors: z.array(z.object({ message: z.string().optional() }).passthrough()).optional(),
  })
  .passthrough();
export type HubSpotError = z.output<typeof errorBody>;

export function readError(response: HttpResponse): HubSpotError | undefined {
  try {
    const parsed = errorBody.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A daily quota is used up: nothing helps before midnight in the account's time zone. */
export function isDailyLimit(response: HttpResponse): boolean {
  return response.status === 429 && readError(response)?.policyName === 'DAILY';
}

/**
 * HubSpot signals throttling with 429 and names the policy in the body. A Retry-After (not
 * documented, honoured when present) wins; otherwise wait one full window of the policy, as
 * HubSpot's own SDK does: 1 s for SECONDLY, the rolling interval (10 s) for TEN_SECONDLY_ROLLING.
 * DAILY is not retried.
 */
export function hubspotRetryVerdict(response: HttpResponse): RetryVerdict | undefined {
  if (response.status !== 429) return undefined;
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  if (retryAfter !== undefined) return { retry: true, afterMs: retryAfter };
  const policy = readError(response)?.policyName;
  if (policy === 'DAILY') return { retry: false };
  if (policy === 'SECONDLY') return { retry: true, afterMs: 1000 };
  const interval = Number(response.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
  return { retry: true, afterMs: Number.isFinite(interval) && interval > 0 ? interval : 10_000 };
}

/** One-line, storable text of an error body. */
export function errorText(error: { category?: string; message?: string }): string {
  return `${error.category ? `${error.category}: ` : ''}${error.message ?? 'failed'}`;
}
