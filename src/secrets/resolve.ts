import { resolveEnvSecret, type SecretRef } from '../config/index.js';
import { rememberSecret, scrubSecretText } from '../util/secret-scrub.js';

/**
 * What resolving needs of the secret store (state/repositories/secrets.ts): its plaintext by name.
 * Declared here so secrets/ stays below the state store it encrypts for.
 */
export interface StoredSecrets {
  reveal(name: string): Promise<string>;
}

/** Turns a secret reference into its value: `{env}` from the environment, `{secret}` from the store. */
export type SecretResolver = (ref: SecretRef, path: string) => Promise<string>;

export function secretResolver(store: StoredSecrets, env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return async (ref, path) => ('secret' in ref ? store.reveal(ref.secret) : rememberSecret(resolveEnvSecret(ref, path, env)));
}

export function isStoredSecretRef(value: unknown): value is { secret: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secret?: unknown }).secret === 'string'
  );
}

/**
 * A copy of `config` with every `{secret: name}` replaced by its plaintext (for handing to a
 * destination's check/send, in memory only). Returns the plaintexts too, so callers can scrub
 * them from error messages.
 */
export async function revealStoredSecrets(config: unknown, store: StoredSecrets): Promise<{ config: unknown; revealed: string[] }> {
  const revealed: string[] = [];
  async function walk(value: unknown): Promise<unknown> {
    if (isStoredSecretRef(value)) {
      const plain = await store.reveal(value.secret);
      revealed.push(plain);
      return plain;
    }
    if (Array.isArray(value)) return Promise.all(value.map(walk));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = await walk(item);
      return out;
    }
    return value;
  }
  return { config: await walk(config), revealed };
}

/** Replaces the given secrets, and every secret revealed so far, in a text in all their encodings (see scrub.ts). */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  return scrubSecretText(text, secrets);
}
