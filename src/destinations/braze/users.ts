import { redactPii } from '../errors.js';
import { describeResponse, type HttpClient } from '../http/client.js';
import { ok, rejected, resultForStatus } from '../results.js';
import type { RowResult } from '../types.js';
import { IDS_MAX, TRACK_MAX, brazeRetryVerdict, failOnAccountErrors, fatalText, readAnswer } from './api.js';
import type { BrazeIdentifier } from './attributes.js';

/** The three calls a sync makes: track attributes, set subscription state, delete users. */

function failedCall(response: Parameters<typeof resultForStatus>[0]): RowResult {
  const result = resultForStatus(response);
  return result.status === 'rejected' ? rejected(fatalText(response)) : result;
}

/**
 * `POST /users/track` with ≤`perRequest` attributes objects per call. A 2xx may carry non-fatal
 * errors naming objects by index: those rows are rejected, the others were processed.
 */
export async function trackAttributes(http: HttpClient, objects: ReadonlyArray<Record<string, unknown>>, perRequest = TRACK_MAX): Promise<RowResult[]> {
  const results: RowResult[] = [];
  for (let start = 0; start < objects.length; start += perRequest) {
    const chunk = objects.slice(start, start + perRequest);
    const response = await http.request({ method: 'POST', path: 'users/track', json: { attributes: chunk }, retry: brazeRetryVerdict });
    failOnAccountErrors(response, 'tracking users', 'users.track');
    if (response.status < 200 || response.status >= 300) {
      const failed = failedCall(response);
      results.push(...chunk.map(() => failed));
      continue;
    }
    const answer = readAnswer(response);
    const errors = new Map<number, string>();
    for (const error of answer?.errors ?? []) {
      if (typeof error === 'string' || error.index === undefined || (error.input_array ?? 'attributes') !== 'attributes') continue;
      errors.set(error.index, redactPii(error.type ?? 'refused by Braze'));
    }
    results.push(...chunk.map((_, i) => (errors.has(i) ? rejected(errors.get(i)!) : ok())));
  }
  return results;
}

const SUBSCRIPTION_KEY: Record<BrazeIdentifier, string> = { external_id: 'external_ids', email: 'emails', phone: 'phones' };

/** `POST /v2/subscription/status/set`, ≤50 users per call; all or nothing per call. */
export async function setSubscription(
  http: HttpClient,
  groupId: string,
  state: 'subscribed' | 'unsubscribed',
  identifier: BrazeIdentifier,
  ids: readonly string[],
): Promise<RowResult> {
  for (let i = 0; i < ids.length; i += IDS_MAX) {
    const json = {
      subscription_groups: [{ subscription_group_id: groupId, subscription_state: state, [SUBSCRIPTION_KEY[identifier]]: ids.slice(i, i + IDS_MAX) }],
    };
    const response = await http.request({ method: 'POST', path: 'v2/subscription/status/set', json, retry: brazeRetryVerdict });
    failOnAccountErrors(response, 'setting subscription state', 'subscription.status.set');
    if (response.status < 200 || response.status >= 300) return failedCall(response);
  }
  return ok();
}

/**
 * `POST /users/delete`, ≤50 identifiers of one type per call. Emails and phones need a
 * prioritization to pick one profile when several match: the most recently updated.
 */
export async function deleteUsers(http: HttpClient, identifier: BrazeIdentifier, ids: readonly string[]): Promise<RowResult> {
  for (let i = 0; i < ids.length; i += IDS_MAX) {
    const chunk = ids.slice(i, i + IDS_MAX);
    const prioritization = ['most_recently_updated'];
    const json =
      identifier === 'external_id'
        ? { external_ids: chunk }
        : identifier === 'email'
          ? { email_addresses: chunk.map((email) => ({ email, prioritization })) }
          : { phone_numbers: chunk.map((phone) => ({ phone, prioritization })) };
    const response = await http.request({ method: 'POST', path: 'users/delete', json, retry: brazeRetryVerdict });
    failOnAccountErrors(response, 'deleting users', 'users.delete');
    if (response.status < 200 || response.status >= 300) return failedCall(response);
  }
  return ok();
}

/** "Test connection": a track call with nothing in it passes authentication and changes nothing. */
export async function checkKey(http: HttpClient): Promise<string | undefined> {
  const response = await http.request({ method: 'POST', path: 'users/track', json: {}, retry: brazeRetryVerdict });
  failOnAccountErrors(response, 'checking the API key', 'users.track');
  // 400 "Valid data must be provided..." means the key and host were accepted.
  if ((response.status >= 200 && response.status < 300) || (response.status === 400 && readAnswer(response) !== undefined)) return undefined;
  return describeResponse(response);
}
