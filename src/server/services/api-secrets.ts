import type { Actor } from '../../audit/index.js';
import { CdpError } from '../../errors.js';
import type { SecretStore } from '../../state/index.js';

/**
 * The trust rule's secret parts for input from the API (destinations, alert rules): no `{env}`,
 * `{"set": true}` keeps a stored value, `{"secret": name}` names only a secret the same person set.
 */

export const isEnvRef = (value: unknown): value is { env: string } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { env?: unknown }).env === 'string';

export function isKeepMarker(value: unknown): value is { set: true } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && (value as { set?: unknown }).set === true;
}

/**
 * A `{"secret": name}` in API input: a stored secret the same person set (PUT /api/secrets/:name),
 * or the one the field already holds. Names with a `:` belong to the service (`destination:*`,
 * `alert:*`): anything else would let one user send another's credential to a place of their choosing.
 */
export async function requireOwnSecret(secrets: SecretStore, ref: { field: string; path: string; secret: string }, actor: Actor, held?: string): Promise<void> {
  if (held === ref.secret) return;
  const owner = ref.secret.includes(':') ? undefined : await secrets.setBy(ref.secret);
  if (owner === undefined || owner === null || owner !== actor.email) {
    throw new CdpError('INVALID_INPUT', `${ref.field} names stored secret "${ref.secret}", which ${owner === undefined ? 'does not exist or belongs to something else' : 'was set by someone else'}`, {
      location: { path: ref.path },
      hint: `enter the value instead, or store a secret named ${ref.secret.includes(':') ? '<name>' : ref.secret} under Secrets first`,
    });
  }
}
