import { setTimeout as sleep } from 'node:timers/promises';
import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient } from '../http/client.js';
import { ok, rejected, resultForStatus, retryable } from '../results.js';
import type { RowResult } from '../types.js';
import { JSON_API, VENDOR, errorText, failOnAccountErrors, importErrorsPage, importJob, profileIndex, readErrors, type ImportError, type ImportJob } from './api.js';
import type { Identifier, ProfileResource } from './profiles.js';

/**
 * A bulk import job end to end: submit (202), poll until `complete` or `cancelled`, then read the
 * per-profile import errors. Results come back in the order of the profiles given.
 */

export interface ImportItem {
  profile: ProfileResource;
  identifiers: Partial<Record<Identifier, string>>;
}

export interface PollOptions {
  intervalMs: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Requests are refused as a whole when one profile is invalid: such profiles are dropped and the rest resubmitted. */
const MAX_SUBMISSIONS = 3;

async function submit(http: HttpClient, profiles: ProfileResource[], listId: string | undefined) {
  const data: Record<string, unknown> = { type: 'profile-bulk-import-job', attributes: { profiles: { data: profiles } } };
  if (listId) data.relationships = { lists: { data: [{ type: 'list', id: listId }] } };
  const response = await http.request({ method: 'POST', path: 'api/profile-bulk-import-jobs', json: { data }, headers: { 'content-type': JSON_API } });
  failOnAccountErrors(response, 'creating a bulk import job');
  return response;
}

async function poll(http: HttpClient, jobId: string, options: PollOptions): Promise<ImportJob | string> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const response = await http.request({ method: 'GET', path: `api/profile-bulk-import-jobs/${encodeURIComponent(jobId)}` });
    failOnAccountErrors(response, 'reading a bulk import job');
    if (response.status !== 200) return `could not read import job ${jobId}: ${describeResponse(response)}`;
    const job = parseJsonResponse(response, importJob, VENDOR).data;
    if (job.attributes.status === 'complete' || job.attributes.status === 'cancelled') return job;
    if (Date.now() >= deadline) return `import job ${jobId} was still ${job.attributes.status} after ${Math.round(options.timeoutMs / 1000)} s`;
    try {
      await sleep(options.intervalMs, undefined, { signal: options.signal });
    } catch {
      return `stopped while import job ${jobId} was ${job.attributes.status}`;
    }
  }
}

async function importErrors(http: HttpClient, jobId: string): Promise<ImportError[] | string> {
  const errors: ImportError[] = [];
  let next: string | undefined = `api/profile-bulk-import-jobs/${encodeURIComponent(jobId)}/import-errors?page%5Bsize%5D=100`;
  while (next) {
    const response = await http.request({ method: 'GET', path: next });
    failOnAccountErrors(response, 'reading import errors');
    if (response.status !== 200) return `could not read the errors of import job ${jobId}: ${describeResponse(response)}`;
    const page = parseJsonResponse(response, importErrorsPage, VENDOR);
    errors.push(...page.data);
    // Follow the cursor relative to base_url, so a proxy in base_url sees every call.
    const link = page.links?.next;
    next = link ? `${new URL(link).pathname.replace(/^\/+/, '')}${new URL(link).search}` : undefined;
  }
  return errors;
}

/** Index of the item an import error is about: by JSON pointer, else by the identifiers of its original payload. */
function errorTarget(error: ImportError, items: readonly ImportItem[]): number | undefined {
  const index = profileIndex(error.attributes.source.pointer);
  if (index !== undefined && index < items.length) return index;
  const original = error.attributes.original_payload;
  const attributes = (original?.attributes ?? original) as Record<string, unknown> | undefined;
  if (!attributes) return undefined;
  for (const key of ['email', 'phone_number', 'external_id'] as const) {
    const value = attributes[key];
    if (typeof value !== 'string') continue;
    const found = items.findIndex((item) => item.identifiers[key]?.toLowerCase() === value.toLowerCase());
    if (found >= 0) return found;
  }
  return undefined;
}

/** Imports the items as one job (plus resubmissions); one result per item. */
export async function importProfiles(http: HttpClient, items: readonly ImportItem[], listId: string | undefined, options: PollOptions): Promise<RowResult[]> {
  const results: Array<RowResult | undefined> = items.map(() => undefined);
  let pending = items.map((_, i) => i);
  for (let attempt = 1; pending.length > 0; attempt++) {
    const response = await submit(http, pending.map((i) => items[i]!.profile), listId);
    if (response.status === 202) {
      const job = parseJsonResponse(response, importJob, VENDOR).data;
      return finish(http, job.id, items, pending, results, options);
    }
    const errors = readErrors(response);
    if (response.status === 404 || errors.some((e) => e.source?.pointer?.includes('/relationships/lists'))) {
      throw new DestinationError(`Klaviyo refused the list ${listId ?? ''} (${describeResponse(response)})`, {
        path: 'destination.config.list_id',
        hint: 'check list_id (Lists & segments > the list > Settings shows its id)',
      });
    }
    if (response.status !== 400) {
      const result = resultForStatus(response);
      for (const i of pending) results[i] = result;
      break;
    }
    // A 400 that points at profiles: those are refused, the others go again.
    const bad = new Map<number, string>();
    for (const error of errors) {
      const index = profileIndex(error.source?.pointer);
      if (index !== undefined && index < pending.length) bad.set(pending[index]!, errorText(error));
    }
    if (bad.size === 0 || attempt >= MAX_SUBMISSIONS) {
      const reason = errors.length ? errors.map(errorText).join('; ') : describeResponse(response);
      for (const i of pending) results[i] = bad.has(i) ? rejected(bad.get(i)!) : rejected(redactPii(reason));
      break;
    }
    for (const [i, reason] of bad) results[i] = rejected(reason);
    pending = pending.filter((i) => !bad.has(i));
  }
  return results.map((r) => r ?? retryable('not imported'));
}

async function finish(
  http: HttpClient,
  jobId: string,
  items: readonly ImportItem[],
  submitted: number[],
  results: Array<RowResult | undefined>,
  options: PollOptions,
): Promise<RowResult[]> {
  const job = await poll(http, jobId, options);
  if (typeof job === 'string') {
    for (const i of submitted) results[i] = retryable(job);
    return results.map((r) => r!);
  }
  if (job.attributes.status === 'cancelled') {
    for (const i of submitted) results[i] = retryable(`import job ${jobId} was cancelled`);
    return results.map((r) => r!);
  }
  for (const i of submitted) results[i] = ok();
  if ((job.attributes.failed_count ?? 0) > 0) {
    const errors = await importErrors(http, jobId);
    const submittedItems = submitted.map((i) => items[i]!);
    if (typeof errors === 'string') {
      // Some profiles failed but we cannot tell which: try them all again next run.
      for (const i of submitted) results[i] = retryable(errors);
    } else {
      for (const error of errors) {
        const target = errorTarget(error, submittedItems);
        if (target !== undefined) results[submitted[target]!] = rejected(redactPii(`${error.attributes.code}: ${error.attributes.detail}`));
      }
    }
  }
  return results.map((r) => r!);
}
