import { DestinationError } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { CONTACT_OBJECT_TYPE, hubspotRetryVerdict, listResponse, membershipsResponse, readError } from './api.js';
import { VENDOR, failOnAccountErrors } from './contacts.js';

/**
 * Static list membership (`/crm/v3/lists/{listId}/memberships/...`). Lists take HubSpot record
 * ids, never emails, and only lists whose processingType is MANUAL or SNAPSHOT can be written.
 */

const LIST_SCOPES = 'crm.lists.read and crm.lists.write';

function failOnListErrors(response: HttpResponse, listId: string, what: string): void {
  failOnAccountErrors(response, what, LIST_SCOPES);
  if (response.status === 404) {
    throw new DestinationError(`HubSpot list ${listId} was not found (${describeResponse(response)})`, {
      path: 'destination.config.list_id',
      hint: 'list_id is the ILS list id shown in the list URL (Contacts > Lists)',
    });
  }
  if (response.status === 400) {
    const message = readError(response)?.message ?? describeResponse(response);
    throw new DestinationError(`HubSpot refused to change list ${listId}: ${message}`, {
      path: 'destination.config.list_id',
      hint: 'only static lists (processingType MANUAL or SNAPSHOT) of contacts can be written; active (DYNAMIC) lists cannot',
    });
  }
}

export type MembershipOutcome = { ok: true; missing: Set<string> } | { ok: false; response: HttpResponse };

/** Adds or removes record ids; `missing` are ids HubSpot did not find. 429/5xx after retries come back as `ok: false`. */
export async function changeMembership(http: HttpClient, listId: string, op: 'add' | 'remove', recordIds: readonly string[]): Promise<MembershipOutcome> {
  if (recordIds.length === 0) return { ok: true, missing: new Set() };
  const response = await http.request({
    method: 'PUT',
    path: `crm/v3/lists/${encodeURIComponent(listId)}/memberships/${op}`,
    json: recordIds,
    retry: hubspotRetryVerdict,
  });
  failOnListErrors(response, listId, op === 'add' ? 'adding contacts to the list' : 'removing contacts from the list');
  if (response.status === 204) return { ok: true, missing: new Set() };
  if (response.status !== 200) return { ok: false, response };
  const body = parseJsonResponse(response, membershipsResponse, VENDOR);
  return { ok: true, missing: new Set(body.recordIdsMissing) };
}

/** "Test connection" with a list: it exists, holds contacts and can be written. */
export async function checkList(http: HttpClient, listId: string): Promise<void> {
  const response = await http.request({ method: 'GET', path: `crm/v3/lists/${encodeURIComponent(listId)}`, retry: hubspotRetryVerdict });
  failOnListErrors(response, listId, 'reading the list');
  if (response.status !== 200) throw new DestinationError(`HubSpot answered ${describeResponse(response)} while reading list ${listId}`);
  const { list } = parseJsonResponse(response, listResponse, VENDOR);
  if (list.objectTypeId && list.objectTypeId !== CONTACT_OBJECT_TYPE) {
    throw new DestinationError(`HubSpot list ${listId} holds objects of type ${list.objectTypeId}, not contacts (${CONTACT_OBJECT_TYPE})`, { path: 'destination.config.list_id' });
  }
  if (list.processingType === 'DYNAMIC') {
    throw new DestinationError(`HubSpot list ${listId} is an active (DYNAMIC) list: its members cannot be set through the API`, {
      path: 'destination.config.list_id',
      hint: 'use a static list (processingType MANUAL)',
    });
  }
}
