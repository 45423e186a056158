import { DestinationError } from '../errors.js';
import { describeResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { ok, rejected, resultForStatus } from '../results.js';
import type { Row, RowResult } from '../types.js';
import { JSON_API, errorText, failOnAccountErrors, readErrors } from './api.js';
import { ListCallFailed, profileIds } from './lists.js';
import { profileIdentifiers } from './profiles.js';

/**
 * Right to erasure at Klaviyo: `POST /api/data-privacy-deletion-jobs` (operation
 * `request_profile_deletion`, scope `data-privacy:write`, burst 3/s, steady 60/min). The local
 * reference slices (profiles, lists) do not include it: it is in the vendor's own spec,
 * klaviyo/openapi `openapi/stable/categories/data_privacy.json` (MIT). One identifier per request
 * (`email`, `phone_number` or the profile `id`; more than one is an error), and Klaviyo deletes
 * every profile that matches it, asynchronously: 202 with no body means accepted. A person is
 * deleted by email, else phone; a row carrying only an external_id is looked up first
 * (`GET /api/profiles`), since the deletion API does not take external ids.
 */

type Target = { attributes: { email: string } | { phone_number: string } } | { externalId: string };

function target(fields: Record<string, unknown>, defaultRegion?: string): Target | null {
  const ids = profileIdentifiers(fields, defaultRegion);
  if (ids.email) return { attributes: { email: ids.email.toLowerCase() } };
  if (ids.phone_number) return { attributes: { phone_number: ids.phone_number } };
  if (ids.external_id) return { externalId: ids.external_id };
  return null;
}

function failOnForbidden(response: HttpResponse): void {
  if (response.status !== 403) return;
  throw new DestinationError(`Klaviyo denied the profile deletion (${describeResponse(response)})`, {
    hint: 'the private key needs the data-privacy:write scope (and profiles:read to look up external ids)',
  });
}

async function requestDeletion(http: HttpClient, profile: Record<string, unknown>): Promise<RowResult> {
  const response = await http.request({
    method: 'POST',
    path: 'api/data-privacy-deletion-jobs',
    json: { data: { type: 'data-privacy-deletion-job', attributes: { profile: { data: { type: 'profile', ...profile } } } } },
    headers: { 'content-type': JSON_API },
  });
  failOnForbidden(response);
  failOnAccountErrors(response, 'requesting a profile deletion');
  if (response.status >= 200 && response.status < 300) return ok();
  const result = resultForStatus(response);
  const errors = readErrors(response);
  return result.status === 'rejected' && errors.length ? rejected(errors.map(errorText).join('; ')) : result;
}

/** One deletion job per person (deduplicated), in turn; one result per row, in order. */
export async function forgetProfiles(http: HttpClient, rows: readonly Row[], defaultRegion?: string): Promise<RowResult[]> {
  const targets = rows.map((row) => target(row.fields, defaultRegion));
  const externalIds = [...new Set(targets.flatMap((t) => (t && 'externalId' in t ? [t.externalId] : [])))];
  let found = new Map<string, string>();
  let lookupFailed: RowResult | undefined;
  try {
    found = await profileIds(http, externalIds.map((value) => ({ identifier: 'external_id' as const, value })));
  } catch (error) {
    if (!(error instanceof ListCallFailed)) throw error;
    failOnForbidden(error.response);
    lookupFailed = resultForStatus(error.response);
  }
  const done = new Map<string, RowResult>();
  const results: RowResult[] = [];
  for (const t of targets) {
    if (t === null) {
      results.push(rejected('no email, phone_number or external_id was sent to Klaviyo for this row, so there is no profile to delete'));
      continue;
    }
    let profile: Record<string, unknown>;
    if ('externalId' in t) {
      if (lookupFailed) {
        results.push(lookupFailed);
        continue;
      }
      const id = found.get(`external_id:${t.externalId.toLowerCase()}`);
      // Klaviyo has no profile with this external id: there is nothing to delete.
      if (id === undefined) {
        results.push(ok());
        continue;
      }
      profile = { id, attributes: {} };
    } else profile = { attributes: t.attributes };
    const key = JSON.stringify(profile);
    if (!done.has(key)) done.set(key, await requestDeletion(http, profile));
    results.push(done.get(key)!);
  }
  return results;
}
