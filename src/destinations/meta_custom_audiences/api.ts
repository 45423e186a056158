import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseRetryAfter } from '../http/backoff.js';
import type { HttpResponse, RetryVerdict } from '../http/client.js';

/** Answer of `POST|DELETE /{custom_audience_id}/users` (reference page "Return Type"). */
export const usersResponse = z
  .object({
    audience_id: z.union([z.string(), z.number()]).optional(),
    session_id: z.union([z.string(), z.number()]).optional(),
    num_received: z.number(),
    num_invalid_entries: z.number().default(0),
    invalid_entry_samples: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  })
  .passthrough();

/** Graph API error body. */
export const graphError = z.object({
  error: z
    .object({
      message: z.string().optional(),
      type: z.string().optional(),
      code: z.number().optional(),
      error_subcode: z.number().optional(),
      is_transient: z.boolean().optional(),
      error_user_title: z.string().optional(),
      error_user_msg: z.string().optional(),
      fbtrace_id: z.string().optional(),
    })
    .passthrough(),
});
export type GraphError = z.output<typeof graphError>['error'];

export function readGraphError(response: HttpResponse): GraphError | undefined {
  try {
    const parsed = graphError.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** Throttling is signalled by these Graph error codes (typically in an HTTP 400), not by 429. */
export const THROTTLING_CODES: ReadonlySet<number> = new Set([4, 17, 32, 613, 80003, 80004]);
/** Credentials or permissions: no row can succeed until someone fixes the config. */
export const ACCOUNT_CODES: ReadonlySet<number> = new Set([10, 102, 190, 200, 294, 368]);
/** Code 100 with this subcode: the audience is flagged (operation_status 471) and blocks uploads. */
export const UPLOAD_BLOCKED_SUBCODE = 1713230;

/**
 * Minutes Meta says to wait, from `X-Business-Use-Case-Usage`
 * (`{"<business id>": [{"estimated_time_to_regain_access": <minutes>, ...}]}`).
 */
export function regainAccessMs(response: HttpResponse): number | undefined {
  const header = response.headers.get('x-business-use-case-usage');
  if (!header) return undefined;
  try {
    const usage = JSON.parse(header) as Record<string, Array<{ estimated_time_to_regain_access?: number }>>;
    const minutes = Object.values(usage).flat().map((u) => u.estimated_time_to_regain_access ?? 0);
    const max = Math.max(0, ...minutes);
    return max > 0 ? max * 60_000 : undefined;
  } catch {
    return undefined;
  }
}

/** Retry throttled or transient Graph errors; 429/5xx keep the client's default handling. */
export function metaRetryVerdict(response: HttpResponse): RetryVerdict | undefined {
  const error = response.status >= 400 ? readGraphError(response) : undefined;
  if (!error) return undefined;
  if (error.code !== undefined && THROTTLING_CODES.has(error.code)) {
    return { retry: true, afterMs: regainAccessMs(response) ?? parseRetryAfter(response.headers.get('retry-after')) };
  }
  if (error.is_transient || error.code === 1 || error.code === 2) return { retry: true };
  return undefined;
}

/**
 * A session id for one upload (one op of one plan), the same in every process that resumes it:
 * 52 bits of SHA-256, so it is a positive int64 that JSON carries exactly.
 */
export function sessionIdFor(planId: string, op: string): number {
  return parseInt(createHash('sha256').update(`${planId}:${op}`).digest('hex').slice(0, 13), 16);
}
