import { DestinationError, redactPii } from '../errors.js';
import { describeResponse, parseJsonResponse, type HttpClient, type HttpResponse } from '../http/client.js';
import { ok, rejected, resultForStatus, retryable } from '../results.js';
import type { RowResult } from '../types.js';
import { batchResponse, errorText, hubspotRetryVerdict, isDailyLimit, readError, type BatchResponse, type StandardError } from './api.js';
import type { ContactInput } from './inputs.js';

/** Calls to the contacts object: batch upsert/update (with per-input results), read by id property, archive. */

export const VENDOR = 'HubSpot';

/** What a batch write did for one input: its result and, when it worked, the contact's record id. */
export interface Written {
  result: RowResult;
  recordId?: string;
}

/** Answers that concern the whole account, not rows: stop the run with what to fix. */
export function failOnAccountErrors(response: HttpResponse, what: string, scopes: string): void {
  if (response.status === 401) {
    throw new DestinationError(`HubSpot refused the access token while ${what} (${describeResponse(response)})`, {
      hint: 'check access_token: a private-app access token or an OAuth access token that has not expired',
    });
  }
  if (response.status === 403) {
    throw new DestinationError(`HubSpot denied ${what} (${describeResponse(response)})`, { hint: `the token needs the scopes ${scopes}` });
  }
  if (isDailyLimit(response)) {
    throw new DestinationError(`HubSpot's daily API limit is used up (${describeResponse(response)})`, {
      hint: 'the quota resets at midnight in the account time zone; the next run after that sends what is left',
    });
  }
}

const WRITE_SCOPES = 'crm.objects.contacts.write';

/** Keys the vendor may echo back for an input: emails compare case-insensitively. */
function idKey(value: string, idProperty: string): string {
  return idProperty === 'email' ? value.toLowerCase() : value;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return value === undefined || value === null ? [] : [String(value)];
}

function resultForError(error: StandardError, mode: 'upsert' | 'update'): RowResult {
  if (mode === 'update' && error.category === 'OBJECT_NOT_FOUND') return rejected('not in HubSpot (update mode never creates contacts)');
  if (error.category === 'RATE_LIMITS') return retryable(redactPii(errorText(error)));
  return rejected(redactPii(errorText(error)));
}

/**
 * Matches a batch answer to its inputs: results by objectWriteTraceId (or by the id property's
 * value), errors by the trace ids or input ids their context names.
 */
export function attribute(inputs: readonly ContactInput[], body: BatchResponse, idProperty: string, mode: 'upsert' | 'update'): Written[] {
  const byTrace = new Map(inputs.map((input, i) => [String(input.index), i]));
  const byId = new Map(inputs.map((input, i) => [idKey(input.id, idProperty), i]));
  const out: Array<Written | undefined> = inputs.map(() => undefined);
  for (const result of body.results) {
    const traced = result.objectWriteTraceId === undefined ? undefined : byTrace.get(result.objectWriteTraceId);
    const value = result.properties[idProperty];
    const i = traced ?? (value ? byId.get(idKey(value, idProperty)) : undefined);
    if (i !== undefined) out[i] = { result: ok(), recordId: result.id };
  }
  const unattributed: StandardError[] = [];
  for (const error of body.errors) {
    const hits = new Set<number>();
    for (const trace of asList(error.context?.objectWriteTraceId)) {
      const i = byTrace.get(trace);
      if (i !== undefined) hits.add(i);
    }
    for (const id of [...asList(error.context?.ids), ...asList(error.context?.id), ...asList(error.id)]) {
      const i = byId.get(idKey(id, idProperty));
      if (i !== undefined) hits.add(i);
    }
    if (hits.size === 0) unattributed.push(error);
    for (const i of hits) out[i] ??= { result: resultForError(error, mode) };
  }
  const missing = out.filter((w) => w === undefined).length;
  return out.map((written) => {
    if (written) return written;
    // One unattributed error and one unreported input can only belong together.
    if (unattributed.length === 1 && missing === 1) return { result: resultForError(unattributed[0]!, mode) };
    if (unattributed.length > 0) return { result: rejected(`failed in a batch with errors HubSpot did not attribute: ${redactPii(errorText(unattributed[0]!))}`) };
    return { result: retryable('HubSpot did not report on this contact') };
  });
}

/**
 * Writes contacts with batch upsert (create or update) or batch update (existing only). A 400 or
 * 409 for the whole batch — what HubSpot answers when one input is bad and `idProperty` is email,
 * which does not support partial success — is split in halves until the bad inputs stand alone,
 * so one bad row never fails the 99 good ones.
 */
export async function writeContacts(http: HttpClient, inputs: readonly ContactInput[], idProperty: string, mode: 'upsert' | 'update'): Promise<Written[]> {
  if (inputs.length === 0) return [];
  const json = {
    inputs: inputs.map((input) =>
      mode === 'upsert'
        ? { id: input.id, idProperty, properties: input.properties, objectWriteTraceId: String(input.index) }
        : { id: input.id, idProperty, properties: input.properties },
    ),
  };
  const response = await http.request({ method: 'POST', path: `crm/v3/objects/contacts/batch/${mode}`, json, retry: hubspotRetryVerdict });
  failOnAccountErrors(response, 'writing contacts', WRITE_SCOPES);
  if (response.status === 200 || response.status === 201 || response.status === 207) {
    return attribute(inputs, parseJsonResponse(response, batchResponse, VENDOR), idProperty, mode);
  }
  if (response.status === 400 || response.status === 409) {
    failOnMappingErrors(response);
    if (inputs.length > 1) {
      const half = Math.ceil(inputs.length / 2);
      return [...(await writeContacts(http, inputs.slice(0, half), idProperty, mode)), ...(await writeContacts(http, inputs.slice(half), idProperty, mode))];
    }
    const error = readError(response);
    return [{ result: rejected(error ? redactPii(errorText(error)) : describeResponse(response)) }];
  }
  const result = resultForStatus(response);
  return inputs.map(() => ({ result }));
}

/**
 * A property that does not exist, or cannot be written, fails every row alike: that is the field
 * mapping's fault, so the run stops instead of splitting the batch down to single rows.
 */
function failOnMappingErrors(response: HttpResponse): void {
  const message = readError(response)?.message ?? '';
  const kind = /(PROPERTY_DOESNT_EXIST|READ_ONLY_VALUE)/.exec(message)?.[1];
  if (!kind) return;
  const name = /"name":"([^"]+)"/.exec(message)?.[1] ?? '?';
  const what = kind === 'READ_ONLY_VALUE' ? 'is read-only' : 'does not exist';
  throw new DestinationError(`HubSpot contact property "${name}" ${what} (${describeResponse(response)})`, {
    path: `fields.${name}`,
    hint: kind === 'READ_ONLY_VALUE' ? 'map a property HubSpot lets you write' : 'create the property in HubSpot (Settings > Properties > Contact properties) or fix the field name',
  });
}

/** Record ids of contacts by the id property's value (`batch/read`); values HubSpot does not know are left out. */
export async function findRecordIds(http: HttpClient, ids: readonly string[], idProperty: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (ids.length === 0) return found;
  const response = await http.request({
    method: 'POST',
    path: 'crm/v3/objects/contacts/batch/read',
    json: { idProperty, inputs: ids.map((id) => ({ id })), properties: [idProperty], propertiesWithHistory: [] },
    retry: hubspotRetryVerdict,
  });
  failOnAccountErrors(response, 'reading contacts', 'crm.objects.contacts.read');
  if (response.status !== 200 && response.status !== 207) {
    throw new UnreadableContacts(response);
  }
  const body = parseJsonResponse(response, batchResponse, VENDOR);
  const wanted = new Map(ids.map((id) => [idKey(id, idProperty), id]));
  for (const result of body.results) {
    const value = result.properties[idProperty];
    const id = value ? wanted.get(idKey(value, idProperty)) : undefined;
    if (id !== undefined) found.set(id, result.id);
  }
  return found;
}

/** The lookup before a removal failed with an answer that is about the rows (429/5xx after retries, 400). */
export class UnreadableContacts extends Error {
  constructor(readonly response: HttpResponse) {
    super(describeResponse(response));
  }
}

/** Soft-deletes contacts by record id (restorable for 90 days); 204 without per-record detail. */
export async function archiveContacts(http: HttpClient, recordIds: readonly string[]): Promise<RowResult> {
  if (recordIds.length === 0) return ok();
  const response = await http.request({
    method: 'POST',
    path: 'crm/v3/objects/contacts/batch/archive',
    json: { inputs: recordIds.map((id) => ({ id })) },
    retry: hubspotRetryVerdict,
  });
  failOnAccountErrors(response, 'archiving contacts', WRITE_SCOPES);
  return resultForStatus(response);
}
