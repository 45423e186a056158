import { normalizeEmail, normalizePhone } from '../identifiers/index.js';
import type { HttpClient } from '../http/client.js';
import { ok, rejected, resultForStatus } from '../results.js';
import type { Row, RowResult } from '../types.js';
import { IDS_MAX, brazeRetryVerdict, failOnAccountErrors, fatalText } from './api.js';

/**
 * Right to erasure at Braze: `POST /users/delete` (NOTES.md; Braze docs post_user_delete.md).
 * ≤50 identifiers of one type per request. Each person is deleted by the strongest identifier
 * last sent: external_id, else email, else phone. An email or phone needs a `prioritization`
 * and deletes at most one profile per entry ("will not occur if more than one user matches"),
 * so each address goes twice, in separate requests: once for the identified profile (with an
 * external_id) and once for an anonymous one, the most recently updated of each. The answer is
 * only a count (`{deleted: n}`) queued for deletion: a 2xx means done for every row it carried,
 * including people Braze never had.
 */

type IdKind = 'external_ids' | 'email_addresses' | 'phone_numbers';
const PRIORITIES = [
  ['identified', 'most_recently_updated'],
  ['unidentified', 'most_recently_updated'],
] as const;

/** The identifier a row is deleted by, or null when it carries none Braze accepts. */
export function deletionIdentifier(fields: Record<string, unknown>, defaultRegion?: string): { kind: IdKind; value: string } | null {
  const external = fields.external_id;
  if (external !== null && external !== undefined && String(external).trim() !== '') return { kind: 'external_ids', value: String(external).trim() };
  const email = normalizeEmail(fields.email);
  if (email) return { kind: 'email_addresses', value: email };
  const phone = normalizePhone(fields.phone, defaultRegion);
  if (phone) return { kind: 'phone_numbers', value: phone };
  return null;
}

function body(kind: IdKind, values: readonly string[], prioritization: readonly string[]): Record<string, unknown> {
  if (kind === 'external_ids') return { external_ids: values };
  if (kind === 'email_addresses') return { email_addresses: values.map((email) => ({ email, prioritization })) };
  return { phone_numbers: values.map((phone) => ({ phone, prioritization })) };
}

/** Deletes the users behind the rows; one result per row, in order. */
export async function forgetUsers(http: HttpClient, rows: readonly Row[], defaultRegion?: string): Promise<RowResult[]> {
  const ids = rows.map((row) => deletionIdentifier(row.fields, defaultRegion));
  // The first failure seen for a value wins; values absent from the map were deleted.
  const failed = new Map<string, RowResult>();
  for (const kind of ['external_ids', 'email_addresses', 'phone_numbers'] as const) {
    const values = [...new Set(ids.filter((id) => id?.kind === kind).map((id) => id!.value))];
    const passes = kind === 'external_ids' ? [[] as readonly string[]] : PRIORITIES;
    for (const prioritization of passes) {
      for (let i = 0; i < values.length; i += IDS_MAX) {
        const chunk = values.slice(i, i + IDS_MAX);
        const response = await http.request({ method: 'POST', path: 'users/delete', json: body(kind, chunk, prioritization), retry: brazeRetryVerdict });
        failOnAccountErrors(response, 'deleting users', 'users.delete');
        if (response.status >= 200 && response.status < 300) continue;
        const result = resultForStatus(response);
        const outcome = result.status === 'rejected' ? rejected(fatalText(response)) : result;
        for (const value of chunk) if (!failed.has(`${kind}:${value}`)) failed.set(`${kind}:${value}`, outcome);
      }
    }
  }
  return ids.map((id) => (id === null ? rejected('no external_id, email or phone was sent to Braze for this row, so there is nothing to delete it by') : (failed.get(`${id.kind}:${id.value}`) ?? ok())));
}
