import { isSha256Hex, sha256Hex, sha512Hex } from './hash.js';
import { normalizeEmail } from './normalize.js';

/**
 * LinkedIn matched audiences (DMP segment users): emails trimmed and lower-cased, then hashed as
 * lower-case hex, `SHA256_EMAIL` (64 chars) or `SHA512_EMAIL` (128 chars).
 */
export type LinkedInEmailHash = 'SHA256' | 'SHA512';

export function normalizeForLinkedIn(value: unknown): string | null {
  return normalizeEmail(value);
}

/** The `idValue` for an email; a SHA-256 digest already in the warehouse is kept for SHA256_EMAIL. */
export function linkedinHashedEmail(value: unknown, algorithm: LinkedInEmailHash = 'SHA256'): string | null {
  if (value === null || value === undefined) return null;
  const raw = String(value).trim().toLowerCase();
  if (algorithm === 'SHA256' && isSha256Hex(raw)) return raw;
  if (algorithm === 'SHA512' && /^[a-f0-9]{128}$/.test(raw)) return raw;
  const email = normalizeForLinkedIn(value);
  if (email === null) return null;
  return algorithm === 'SHA256' ? sha256Hex(email) : sha512Hex(email);
}
