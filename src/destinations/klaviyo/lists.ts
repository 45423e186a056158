import { DestinationError } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { JSON_API, LIST_MEMBERS_MAX, PROFILES_PAGE, VENDOR, failOnAccountErrors, filterString, profilesPage } from './api.js';
import type { Identifier } from './profiles.js';

/**
 * List membership works on Klaviyo profile ids, never emails: removal first finds the ids of the
 * people by the identifier last sent (`GET /api/profiles?filter=any(...)`), then deletes the
 * list ↔ profile relationships. Membership only: consent is left as it is.
 */

/** An answer that concerns the rows (429/5xx after retries): the caller maps it to results. */
export class ListCallFailed extends Error {
  constructor(readonly response: HttpResponse) {
    super(describeResponse(response));
  }
}

function failOnListErrors(response: HttpResponse, listId: string, what: string): void {
  failOnAccountErrors(response, what);
  if (response.status === 404) {
    throw new DestinationError(`Klaviyo list ${listId} was not found (${describeResponse(response)})`, {
      path: 'destination.config.list_id',
      hint: 'check list_id (Lists & segments > the list > Settings shows its id)',
    });
  }
}

/** Profile ids by identifier value (lower-case), for up to 100 values of one identifier. */
async function findProfiles(http: HttpClient, identifier: Identifier, values: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const response = await http.request({
    method: 'GET',
    path: 'api/profiles',
    query: {
      filter: `any(${identifier},[${values.map(filterString).join(',')}])`,
      'fields[profile]': 'email,external_id,phone_number',
      'page[size]': PROFILES_PAGE,
    },
  });
  failOnAccountErrors(response, 'looking up profiles');
  if (response.status !== 200) throw new ListCallFailed(response);
  for (const profile of parseJsonResponse(response, profilesPage, VENDOR).data) {
    const value = profile.attributes[identifier];
    if (value) found.set(value.toLowerCase(), profile.id);
  }
  return found;
}

/** Profile ids of people given by one identifier each; people Klaviyo does not know are left out. */
export async function profileIds(http: HttpClient, people: ReadonlyArray<{ identifier: Identifier; value: string }>): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const identifier of ['email', 'external_id', 'phone_number'] as const) {
    const values = [...new Set(people.filter((p) => p.identifier === identifier).map((p) => p.value))];
    for (let i = 0; i < values.length; i += PROFILES_PAGE) {
      const found = await findProfiles(http, identifier, values.slice(i, i + PROFILES_PAGE));
      for (const [value, id] of found) ids.set(`${identifier}:${value}`, id);
    }
  }
  return ids;
}

/** Deletes list ↔ profile relationships, ≤1,000 per call; 204 each. */
export async function removeFromList(http: HttpClient, listId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += LIST_MEMBERS_MAX) {
    const response = await http.request({
      method: 'DELETE',
      path: `api/lists/${encodeURIComponent(listId)}/relationships/profiles`,
      json: { data: ids.slice(i, i + LIST_MEMBERS_MAX).map((id) => ({ type: 'profile', id })) },
      headers: { 'content-type': JSON_API },
    });
    failOnListErrors(response, listId, 'removing profiles from the list');
    if (response.status !== 204 && response.status !== 200) throw new ListCallFailed(response);
  }
}

/** "Test connection" with a list: it exists and the key can read it. */
export async function checkList(http: HttpClient, listId: string): Promise<void> {
  const response = await http.request({ method: 'GET', path: `api/lists/${encodeURIComponent(listId)}`, query: { 'fields[list]': 'name' } });
  failOnListErrors(response, listId, 'reading the list');
  if (response.status !== 200) throw new DestinationError(`Klaviyo answered ${describeResponse(response)} while reading list ${listId}`);
}
