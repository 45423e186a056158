import { z } from 'zod';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, type HttpResponse } from '../http/client.js';

/**
 * Klaviyo's API (developers.klaviyo.com, the vendor's OpenAPI, revision
 * 2026-07-15): JSON:API bodies, a pinned `revision` header on every call, async bulk import jobs.
 */

export const VENDOR = 'Klaviyo';
export const DEFAULT_REVISION = '2026-07-15';
export const JSON_API = 'application/vnd.api+json';

/** `bulk_import_profiles`: ≤10,000 profiles, ≤5 MB per request, ≤100 KB per profile. */
export const IMPORT_MAX_PROFILES = 10_000;
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
export const PROFILE_MAX_BYTES = 100 * 1024;
/** `add/remove_profiles_from_list`: ≤1,000 profiles per call. */
export const LIST_MEMBERS_MAX = 1000;
/** `get_profiles`: page[size] ≤ 100; filters ask for one page at a time. */
export const PROFILES_PAGE = 100;

/** `GET|POST /api/profile-bulk-import-jobs[/{id}]` */
export const importJob = z.object({
  data: z.object({
    type: z.literal('profile-bulk-import-job'),
    id: z.string(),
    attributes: z
      .object({
        status: z.enum(['cancelled', 'complete', 'processing', 'queued']),
        total_count: z.number().int(),
        completed_count: z.number().int().nullish(),
        failed_count: z.number().int().nullish(),
      })
      .passthrough(),
  }),
});
export type ImportJob = z.output<typeof importJob>['data'];

/** `GET /api/profile-bulk-import-jobs/{id}/import-errors` (one page). */
export const importErrorsPage = z.object({
  data: z.array(
    z.object({
      type: z.literal('import-error'),
      id: z.string(),
      attributes: z
        .object({
          code: z.string(),
          title: z.string(),
          detail: z.string(),
          source: z.object({ pointer: z.string().nullish() }).passthrough(),
          original_payload: z.record(z.string(), z.unknown()).nullish(),
        })
        .passthrough(),
    }),
  ),
  links: z.object({ next: z.string().nullish() }).passthrough().optional(),
});
export type ImportError = z.output<typeof importErrorsPage>['data'][number];

/** `GET /api/profiles` with sparse fields. */
export const profilesPage = z.object({
  data: z.array(
    z.object({
      type: z.literal('profile'),
      id: z.string(),
      attributes: z.object({ email: z.string().nullish(), external_id: z.string().nullish(), phone_number: z.string().nullish() }).passthrough(),
    }),
  ),
  links: z.object({ next: z.string().nullish() }).passthrough().optional(),
});

/** JSON:API error document of every 4XX/5XX. */
export const errorDocument = z.object({
  errors: z.array(
    z
      .object({
        id: z.string().optional(),
        code: z.string().optional(),
        title: z.string().optional(),
        detail: z.string().optional(),
        source: z.object({ pointer: z.string().optional(), parameter: z.string().optional() }).passthrough().optional(),
      })
      .passthrough(),
  ),
});
export type KlaviyoError = z.output<typeof errorDocument>['errors'][number];

export function readErrors(response: HttpResponse): KlaviyoError[] {
  try {
    const parsed = errorDocument.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.errors : [];
  } catch {
    return [];
  }
}

export function errorText(error: KlaviyoError): string {
  return redactPii(`${error.code ?? 'error'}: ${error.detail ?? error.title ?? 'failed'}`);
}

/** Bad key or missing scopes concern the whole sync: stop the run with what to fix. */
export function failOnAccountErrors(response: HttpResponse, what: string): void {
  if (response.status === 401) {
    throw new DestinationError(`Klaviyo refused the API key while ${what} (${describeResponse(response)})`, {
      hint: 'check api_key: a private API key (pk_...) of the account',
    });
  }
  if (response.status === 403) {
    throw new DestinationError(`Klaviyo denied ${what} (${describeResponse(response)})`, {
      hint: 'the private key needs the scopes profiles:read, profiles:write, lists:read and lists:write',
    });
  }
}

/** The profile index a JSON pointer into a bulk import body names (`/data/attributes/profiles/data/3/...`). */
export function profileIndex(pointer: string | null | undefined): number | undefined {
  const match = pointer ? /\/profiles\/data\/(\d+)(\/|$)/.exec(pointer) : null;
  return match ? Number(match[1]) : undefined;
}

/** A string inside a Klaviyo filter expression: double-quoted, with quotes and backslashes escaped. */
export function filterString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
