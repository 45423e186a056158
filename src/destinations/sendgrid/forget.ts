import { parseJsonResponse, type HttpClient } from '../http/client.js';
import { normalizeEmail } from '../identifiers/index.js';
import { ok, rejected, resultForStatus, retryable } from '../results.js';
import type { Row, RowResult } from '../types.js';
import { DELETE_MAX, SEARCH_MAX, VENDOR, errorText, failOnAccountErrors, readErrors, searchEmailsResponse, sendgridRetryVerdict } from './api.js';
import { deleteContacts, type PollOptions } from './jobs.js';

/**
 * Right to erasure at SendGrid (NOTES.md): the contacts are found by the email last sent
 * (`POST /v3/marketing/contacts/search/emails`, ≤100 addresses, which also matches alternate
 * emails), then deleted whole by id (`DELETE /v3/marketing/contacts?ids=...`, an async job whose
 * status is awaited). Addresses SendGrid does not know are not contacts there: nothing to delete.
 */

/** Per address: the contact id, `null` when SendGrid has none, or the result when the search failed. */
type Lookup = Map<string, string | null | RowResult>;

/**
 * Searches ≤100 addresses per call. A 400 ("any searched address is invalid") is split in halves
 * until the bad address stands alone, so one bad row never fails the others.
 */
async function search(http: HttpClient, emails: readonly string[], into: Lookup): Promise<void> {
  if (emails.length === 0) return;
  if (emails.length > SEARCH_MAX) {
    for (let i = 0; i < emails.length; i += SEARCH_MAX) await search(http, emails.slice(i, i + SEARCH_MAX), into);
    return;
  }
  const response = await http.request({ method: 'POST', path: 'v3/marketing/contacts/search/emails', json: { emails }, retry: sendgridRetryVerdict });
  failOnAccountErrors(response, 'searching contacts');
  if (response.status === 404) {
    for (const email of emails) into.set(email, null); // none of these addresses is a contact
    return;
  }
  if (response.status === 400 && emails.length > 1) {
    const half = Math.ceil(emails.length / 2);
    await search(http, emails.slice(0, half), into);
    await search(http, emails.slice(half), into);
    return;
  }
  if (response.status !== 200) {
    const errors = readErrors(response);
    const result = response.status === 400 && errors.length ? rejected(errors.map(errorText).join('; ')) : resultForStatus(response);
    for (const email of emails) into.set(email, result);
    return;
  }
  const body = parseJsonResponse(response, searchEmailsResponse, VENDOR);
  const found = new Map(Object.entries(body.result).map(([email, entry]) => [email.toLowerCase(), entry.contact?.id ?? null]));
  for (const email of emails) into.set(email, found.get(email) ?? null);
}

/** Deletes the contacts behind the rows; one result per row, in order. */
export async function forgetContacts(http: HttpClient, rows: readonly Row[], poll: PollOptions): Promise<RowResult[]> {
  const emails = rows.map((row) => normalizeEmail(row.fields.email));
  const lookup: Lookup = new Map();
  await search(http, [...new Set(emails.filter((e): e is string => e !== null))], lookup);
  const ids = [...new Set([...lookup.values()].filter((v): v is string => typeof v === 'string'))];
  const deleted = new Map<string, RowResult>();
  for (let i = 0; i < ids.length; i += DELETE_MAX) {
    const chunk = ids.slice(i, i + DELETE_MAX);
    const result = await deleteContacts(http, chunk, poll);
    for (const id of chunk) deleted.set(id, result);
  }
  return emails.map((email) => {
    if (email === null) return rejected('no valid email was sent to SendGrid for this row, so there is no contact to find and delete');
    const found = lookup.get(email);
    if (found === undefined) return retryable('not looked up at SendGrid');
    if (found === null) return ok();
    if (typeof found === 'string') return deleted.get(found)!;
    return found;
  });
}
