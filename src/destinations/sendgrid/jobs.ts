import { setTimeout as sleep } from 'node:timers/promises';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient } from '../http/client.js';
import { ok, rejected, resultForStatus, retryable } from '../results.js';
import type { RowResult } from '../types.js';
import {
  DELETE_MAX,
  SEARCH_MAX,
  VENDOR,
  contactIndex,
  errorText,
  failOnAccountErrors,
  importStatus,
  jobAccepted,
  readErrors,
  searchEmailsResponse,
  sendgridRetryVerdict,
  type ImportStatus,
} from './api.js';

/**
 * Contact jobs end to end. SendGrid answers an upsert or delete with 202 and a job id; the job
 * status (`pending` → `completed` | `errored` | `failed`) says how it went, with counts only. When
 * some rows failed (`errored`), each contact is looked up by email: those SendGrid did not
 * create or update since the job started are the ones that failed.
 */

export interface PollOptions {
  intervalMs: number;
  timeoutMs: number;
  signal: AbortSignal;
}

const DONE = new Set(['completed', 'errored', 'failed']);
/** A 400 names the bad contacts (`contacts[3].email`): those are refused, the others sent again. */
const MAX_SUBMISSIONS = 3;

function jobIdOf(value: unknown): string | undefined {
  if (typeof value === 'string' && value) return value;
  return undefined;
}

/** Polls a job until it is done; a string says why it is not known to be done. */
export async function pollJob(http: HttpClient, jobId: string, options: PollOptions): Promise<ImportStatus | string> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const response = await http.request({ method: 'GET', path: `v3/marketing/contacts/imports/${encodeURIComponent(jobId)}`, retry: sendgridRetryVerdict });
    failOnAccountErrors(response, 'reading a contacts job');
    if (response.status !== 200) return `could not read contacts job ${jobId}: ${describeResponse(response)}`;
    const status = parseJsonResponse(response, importStatus, VENDOR);
    if (DONE.has(status.status)) return status;
    if (Date.now() >= deadline) return `contacts job ${jobId} was still ${status.status} after ${Math.round(options.timeoutMs / 1000)} s`;
    try {
      await sleep(options.intervalMs, undefined, { signal: options.signal });
    } catch {
      return `stopped while contacts job ${jobId} was ${status.status}`;
    }
  }
}

export interface FoundContact {
  id: string;
  updatedAt?: string;
}

/** Contacts by email (lower-case), ≤100 per call; addresses SendGrid does not know are left out. */
export async function searchEmails(http: HttpClient, emails: readonly string[]): Promise<Map<string, FoundContact> | string> {
  const found = new Map<string, FoundContact>();
  for (let i = 0; i < emails.length; i += SEARCH_MAX) {
    const response = await http.request({
      method: 'POST',
      path: 'v3/marketing/contacts/search/emails',
      json: { emails: emails.slice(i, i + SEARCH_MAX) },
      retry: sendgridRetryVerdict,
    });
    failOnAccountErrors(response, 'searching contacts');
    if (response.status === 404) continue; // none of these addresses is a contact
    if (response.status !== 200) return `could not look contacts up: ${describeResponse(response)}`;
    const body = parseJsonResponse(response, searchEmailsResponse, VENDOR);
    for (const [email, entry] of Object.entries(body.result)) {
      if (entry.contact) found.set(email.toLowerCase(), { id: entry.contact.id, updatedAt: entry.contact.updated_at });
    }
  }
  return found;
}

export interface UpsertItem {
  contact: Record<string, unknown>;
  email: string;
}

/** Upserts the contacts (adding them to `listIds`) and waits for the job; one result per item. */
export async function upsertContacts(http: HttpClient, items: readonly UpsertItem[], listIds: readonly string[], options: PollOptions): Promise<RowResult[]> {
  const results: Array<RowResult | undefined> = items.map(() => undefined);
  let pending = items.map((_, i) => i);
  for (let attempt = 1; pending.length > 0; attempt++) {
    const json: Record<string, unknown> = { contacts: pending.map((i) => items[i]!.contact) };
    if (listIds.length) json.list_ids = listIds;
    const response = await http.request({ method: 'PUT', path: 'v3/marketing/contacts', json, retry: sendgridRetryVerdict });
    failOnAccountErrors(response, 'upserting contacts');
    if (response.status === 202) {
      const jobId = jobIdOf(parseJsonResponse(response, jobAccepted, VENDOR).job_id);
      if (!jobId) throw new DestinationError(`SendGrid accepted the contacts without a job id (${describeResponse(response)})`);
      const outcome = await settle(http, jobId, pending.map((i) => items[i]!), options);
      pending.forEach((i, k) => (results[i] = outcome[k]));
      break;
    }
    if (response.status === 404) {
      throw new DestinationError(`SendGrid refused the upsert: ${describeResponse(response)}`, { path: 'destination.config.list_ids', hint: 'check that every id in list_ids is an existing list' });
    }
    if (response.status !== 400) {
      const result = resultForStatus(response);
      for (const i of pending) results[i] = result;
      break;
    }
    const errors = readErrors(response);
    const bad = new Map<number, string>();
    for (const error of errors) {
      const index = contactIndex(error.field);
      if (index !== undefined && index < pending.length) bad.set(pending[index]!, errorText(error));
    }
    if (bad.size === 0 || attempt >= MAX_SUBMISSIONS) {
      const reason = errors.length ? errors.map(errorText).join('; ') : describeResponse(response);
      for (const i of pending) results[i] = rejected(bad.get(i) ?? redactPii(reason));
      break;
    }
    for (const [i, reason] of bad) results[i] = rejected(reason);
    pending = pending.filter((i) => !bad.has(i));
  }
  return results.map((r) => r ?? retryable('not sent'));
}

async function settle(http: HttpClient, jobId: string, items: readonly UpsertItem[], options: PollOptions): Promise<RowResult[]> {
  const status = await pollJob(http, jobId, options);
  if (typeof status === 'string') return items.map(() => retryable(status));
  const counts = status.results ?? {};
  const where = counts.errors_url ? '; details in the job errors_url' : '';
  if (status.status === 'completed') return items.map(() => ok());
  if (status.status === 'failed') return items.map(() => rejected(`SendGrid contacts job ${jobId} failed${where}`));
  // errored: some contacts failed. The ones SendGrid wrote have changed since the job started.
  const found = await searchEmails(http, items.map((item) => item.email));
  if (typeof found === 'string') return items.map(() => retryable(`contacts job ${jobId} reported ${counts.errored_count ?? 'some'} errors and ${found}`));
  const started = status.started_at ? Date.parse(status.started_at) : NaN;
  return items.map((item) => {
    const contact = found.get(item.email);
    const written = contact && (Number.isNaN(started) || (contact.updatedAt !== undefined && Date.parse(contact.updatedAt) >= started - 1000));
    return written ? ok() : rejected(`SendGrid could not import this contact (job ${jobId}: ${counts.errored_count ?? '?'} of ${counts.requested_count ?? items.length} errored${where})`);
  });
}

/** Deletes contacts by id (async job, awaited); ≤100 ids per call. */
export async function deleteContacts(http: HttpClient, ids: readonly string[], options: PollOptions): Promise<RowResult> {
  for (let i = 0; i < ids.length; i += DELETE_MAX) {
    const response = await http.request({ method: 'DELETE', path: 'v3/marketing/contacts', query: { ids: ids.slice(i, i + DELETE_MAX).join(',') }, retry: sendgridRetryVerdict });
    failOnAccountErrors(response, 'deleting contacts');
    if (response.status === 404) continue; // already gone
    if (response.status !== 202 && response.status !== 200) return resultForStatus(response);
    const jobId = jobIdOf(parseJsonResponse(response, jobAccepted, VENDOR).job_id);
    if (!jobId) continue;
    const status = await pollJob(http, jobId, options);
    if (typeof status === 'string') return retryable(status);
    if (status.status !== 'completed') return rejected(`SendGrid delete job ${jobId} ${status.status}`);
  }
  return ok();
}

/** Takes contacts out of one list (the contacts stay); ≤100 ids per call. */
export async function removeFromList(http: HttpClient, listId: string, ids: readonly string[]): Promise<RowResult> {
  for (let i = 0; i < ids.length; i += DELETE_MAX) {
    const response = await http.request({
      method: 'DELETE',
      path: `v3/marketing/lists/${encodeURIComponent(listId)}/contacts`,
      query: { contact_ids: ids.slice(i, i + DELETE_MAX).join(',') },
      retry: sendgridRetryVerdict,
    });
    failOnAccountErrors(response, 'removing contacts from a list');
    if (response.status === 404) {
      throw new DestinationError(`SendGrid list ${listId} was not found (${describeResponse(response)})`, {
        path: 'destination.config.list_ids',
        hint: 'check list_ids (Marketing > Contacts > the list: its id is in the URL)',
      });
    }
    if (response.status !== 202 && response.status !== 200 && response.status !== 204) return resultForStatus(response);
  }
  return ok();
}

