import { z } from 'zod';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, type HttpResponse, type RetryVerdict } from '../http/client.js';

/**
 * Twilio SendGrid Marketing Campaigns contacts API (github.com/twilio/sendgrid-oai: the vendor's
 * OpenAPI 3.1 files): async upsert/delete jobs, search by email, list membership, error shapes
 * and the X-RateLimit headers.
 */

export const VENDOR = 'SendGrid';
/** `PUT /v3/marketing/contacts`: ≤30,000 contacts or 6 MB, whichever is lower. */
export const UPSERT_MAX_CONTACTS = 30_000;
export const UPSERT_MAX_BYTES = 6 * 1024 * 1024;
/** `POST /v3/marketing/contacts/search/emails` returns at most 100 contacts. */
export const SEARCH_MAX = 100;
/** Contact ids per DELETE (they travel in the query string). */
export const DELETE_MAX = 100;

/** 202 of upsert / delete / list removal. The spec types the delete's job_id loosely. */
export const jobAccepted = z.object({ job_id: z.unknown() }).passthrough();

/** `GET /v3/marketing/contacts/imports/{id}` (`ContactImport`). */
export const importStatus = z
  .object({
    id: z.string().optional(),
    status: z.string(),
    job_type: z.string().optional(),
    results: z
      .object({
        requested_count: z.number().optional(),
        created_count: z.number().optional(),
        updated_count: z.number().optional(),
        deleted_count: z.number().optional(),
        errored_count: z.number().optional(),
        errors_url: z.string().optional(),
      })
      .passthrough()
      .optional(),
    started_at: z.string().optional(),
    finished_at: z.string().optional(),
  })
  .passthrough();
export type ImportStatus = z.output<typeof importStatus>;

/** `POST /v3/marketing/contacts/search/emails` — 200 with one entry per address searched. */
export const searchEmailsResponse = z.object({
  result: z.record(
    z.string(),
    z
      .object({
        contact: z.object({ id: z.string(), email: z.string().optional(), updated_at: z.string().optional() }).passthrough().optional(),
        error: z.string().optional(),
      })
      .passthrough(),
  ),
});

/** `{errors: [{message, field?, error_id?}]}` of 4xx/5xx. */
export const errorBody = z.object({
  errors: z.array(z.object({ message: z.string().optional(), field: z.string().nullish(), error_id: z.string().optional() }).passthrough()),
});
export type SendGridError = z.output<typeof errorBody>['errors'][number];

export function readErrors(response: HttpResponse): SendGridError[] {
  try {
    const parsed = errorBody.safeParse(JSON.parse(response.text));
    return parsed.success ? parsed.data.errors : [];
  } catch {
    return [];
  }
}

export function errorText(error: SendGridError): string {
  return redactPii(`${error.field ? `${error.field}: ` : ''}${error.message ?? 'invalid'}`);
}

/**
 * Over the limit SendGrid answers 429 with `X-RateLimit-Reset` (epoch seconds) and no
 * Retry-After: wait until the reset.
 */
export function sendgridRetryVerdict(response: HttpResponse): RetryVerdict | undefined {
  if (response.status !== 429) return undefined;
  const reset = Number(response.headers.get('x-ratelimit-reset'));
  const waitMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 - Date.now() : NaN;
  return waitMs > 0 ? { retry: true, afterMs: Math.ceil(waitMs) } : { retry: true };
}

export function failOnAccountErrors(response: HttpResponse, what: string): void {
  if (response.status === 401) {
    throw new DestinationError(`SendGrid refused the API key while ${what} (${describeResponse(response)})`, { hint: 'check api_key (an API key with Marketing permissions)' });
  }
  if (response.status === 403) {
    throw new DestinationError(`SendGrid denied ${what} (${describeResponse(response)})`, {
      hint: 'the API key needs Marketing > Contacts (full access) and Lists permissions',
    });
  }
}

/** The contact index a 400's `field` names, like `contacts[3].email`. */
export function contactIndex(field: string | null | undefined): number | undefined {
  const match = field ? /contacts\[(\d+)\]/.exec(field) : null;
  return match ? Number(match[1]) : undefined;
}
