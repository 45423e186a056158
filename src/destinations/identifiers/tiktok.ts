import { hashNormalized, isSha256Hex } from './hash.js';
import { normalizeEmail, normalizePhone } from './normalize.js';

/**
 * TikTok's rules for customer-file identifiers (help centre "List of supported IDs and formats
 * for a customer file"). Phone: the newest version of that page (August 2025) asks for digits
 * only with the country code and no `+` (`16577770000`); the June 2025 version kept the `+`.
 * We follow the newest. Email: lower-case, no spaces, and the `+tag` of the local part removed.
 */
export type TikTokIdentifierKind = 'email' | 'phone';

export function normalizeForTikTok(kind: TikTokIdentifierKind, value: unknown, defaultRegion?: string): string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'phone') return normalizePhone(value, defaultRegion)?.slice(1) ?? null;
  const normalized = normalizeEmail(String(value).replace(/\s+/g, ''));
  if (normalized === null) return null;
  const at = normalized.lastIndexOf('@');
  const local = normalized.slice(0, at).split('+')[0]!;
  return local === '' ? null : `${local}${normalized.slice(at)}`;
}

/** SHA-256 hex of the normalised value (EMAIL_SHA256 / PHONE_SHA256); digests already hashed are kept. */
export function tiktokHashed(kind: TikTokIdentifierKind, value: unknown, defaultRegion?: string): string | null {
  if (value === null || value === undefined) return null;
  const raw = String(value).trim().toLowerCase();
  if (isSha256Hex(raw)) return raw;
  return hashNormalized(normalizeForTikTok(kind, value, defaultRegion));
}
