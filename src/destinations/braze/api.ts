import { z } from 'zod';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, type HttpResponse, type RetryVerdict } from '../http/client.js';

/**
 * Braze REST API (no public spec; from Braze's docs, braze.com/docs/api):
 * `/users/track`, `/users/delete`, `/v2/subscription/status/set`, their limits, the
 * `{message, errors}` answers and the X-RateLimit headers.
 */

export const VENDOR = 'Braze';
/** `/users/track`: 75 attribute objects per request (50 combined on MAU plans). */
export const TRACK_MAX = 75;
/** `/users/delete` and `/v2/subscription/status/set`: 50 identifiers per request / group entry. */
export const IDS_MAX = 50;

/**
 * Answer of `/users/track` and the others: `message` is "success" (maybe with non-fatal
 * `errors`) or the fatal error. Non-fatal errors name the object: `{type, input_array, index}`.
 */
export const brazeAnswer = z
  .object({
    message: z.string(),
    errors: z.array(z.union([z.object({ type: z.string().optional(), input_array: z.string().optional(), index: z.number().int().optional() }).passthrough(), z.string()])).optional(),
    attributes_processed: z.number().optional(),
    deleted: z.number().optional(),
  })
  .passthrough();
export type BrazeAnswer = z.output<typeof brazeAnswer>;

export function readAnswer(response: HttpResponse): BrazeAnswer | undefined {
  try {
    const parsed = brazeAnswer.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * 429 comes with `X-RateLimit-Reset` (UTC epoch seconds; lower-case over HTTP/2, which Headers
 * ignores) and no Retry-After: wait until the reset.
 */
export function brazeRetryVerdict(response: HttpResponse): RetryVerdict | undefined {
  if (response.status !== 429) return undefined;
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  const waitMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 - Date.now() : NaN;
  return waitMs > 0 ? { retry: true, afterMs: Math.ceil(waitMs) } : { retry: true };
}

/** Key, permission and host problems are the sync's, not the rows': stop the run with the fix. */
export function failOnAccountErrors(response: HttpResponse, what: string, permission: string): void {
  if (response.status === 401) {
    throw new DestinationError(`Braze refused the API key while ${what} (${describeResponse(response)})`, {
      hint: "check api_key, and that base_url is your instance's REST endpoint (e.g. https://rest.iad-01.braze.com)",
    });
  }
  if (response.status === 403) {
    throw new DestinationError(`Braze denied ${what} (${describeResponse(response)})`, { hint: `give the API key the ${permission} permission` });
  }
  if (response.status === 404) {
    throw new DestinationError(`Braze has no ${new URL(response.url).pathname} at ${new URL(response.url).origin} (${describeResponse(response)})`, {
      path: 'destination.config.base_url',
      hint: "base_url is your instance's REST endpoint, like https://rest.iad-01.braze.com (Settings > APIs and identifiers)",
    });
  }
}

export function fatalText(response: HttpResponse): string {
  const answer = readAnswer(response);
  return answer ? redactPii(`HTTP ${response.status}: ${answer.message}`) : describeResponse(response);
}
