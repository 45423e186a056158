import { resolveEnvSecret, secretRefSchema, type SecretRef } from '../config/index.js';
import type { SecretReader } from '../destinations/index.js';
import { rememberSecret } from '../util/secret-scrub.js';

/**
 * Turns a secret reference into its value. The default reads `{env: NAME}`; the service passes
 * one that also opens `{secret: name}` from its encrypted store.
 */
export type SecretResolver = (ref: SecretRef, path: string) => Promise<string> | string;

export const envSecretResolver: SecretResolver = (ref, path) => rememberSecret(resolveEnvSecret(ref, path));

const refKey = (ref: SecretRef): string => JSON.stringify('env' in ref ? { env: ref.env } : { secret: ref.secret });

function collect(value: unknown, path: string, out: Array<{ ref: SecretRef; path: string }>): void {
  const ref = secretRefSchema.safeParse(value);
  if (ref.success) {
    out.push({ ref: ref.data, path });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) collect(child, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, out);
}

/**
 * Resolves every secret reference in a destination config up front, so a missing secret stops
 * the run before anything is planned or sent, and destinations read secrets without waiting.
 */
export async function resolveSecrets(config: unknown, resolver: SecretResolver, basePath = 'destination.config'): Promise<SecretReader> {
  const refs: Array<{ ref: SecretRef; path: string }> = [];
  collect(config, basePath, refs);
  const values = new Map<string, string>();
  for (const { ref, path } of refs) values.set(refKey(ref), await resolver(ref, path));
  return (ref: SecretRef) => {
    const value = values.get(refKey(ref));
    if (value === undefined) throw new Error('secret reference outside the destination config');
    return value;
  };
}
