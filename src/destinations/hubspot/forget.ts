import { redactPii } from '../errors.js';
import { describeResponse, type HttpClient } from '../http/client.js';
import { ok, rejected, resultForStatus } from '../results.js';
import type { Row, RowResult } from '../types.js';
import { errorText, hubspotRetryVerdict, readError } from './api.js';
import { failOnAccountErrors } from './contacts.js';
import { contactId } from './inputs.js';

/**
 * Right to erasure at HubSpot: `POST /crm/v3/objects/contacts/gdpr-delete` with a
 * `PublicGdprDeleteInput` `{objectId, idProperty}` (NOTES.md endpoint table; the spec's input
 * names `objectId` required, `idProperty` optional), one contact per call, 204 when done. The
 * contact is found by the sync's id property: with `email`, HubSpot also blocklists an address
 * it does not know, so it can never be re-created. Unlike `batch/archive` this is permanent.
 */

const SCOPES = 'crm.objects.contacts.write';

async function gdprDelete(http: HttpClient, objectId: string, idProperty: string): Promise<RowResult> {
  const response = await http.request({ method: 'POST', path: 'crm/v3/objects/contacts/gdpr-delete', json: { objectId, idProperty }, retry: hubspotRetryVerdict });
  failOnAccountErrors(response, 'deleting contacts (GDPR)', SCOPES);
  if (response.status >= 200 && response.status < 300) return ok();
  const error = readError(response);
  const detail = error ? redactPii(errorText(error)) : describeResponse(response);
  // Only by a custom id property: HubSpot has no contact with that value, so nothing was deleted there.
  if (response.status === 404) return rejected(`HubSpot found no contact by ${idProperty} to delete (${detail})`);
  const result = resultForStatus(response);
  return result.status === 'ok' ? result : { ...result, reason: detail };
}

/** One gdpr-delete per contact (deduplicated), in turn; one result per row, in order. */
export async function forgetContacts(http: HttpClient, rows: readonly Row[], idProperty: string): Promise<RowResult[]> {
  const ids = rows.map((row) => contactId(row.fields[idProperty], idProperty));
  const done = new Map<string, RowResult>();
  for (const id of ids) {
    if (id === null || done.has(id)) continue;
    done.set(id, await gdprDelete(http, id, idProperty));
  }
  return ids.map((id) => (id === null ? rejected(`no ${idProperty} was sent to HubSpot for this row, so there is no contact to delete`) : done.get(id)!));
}
