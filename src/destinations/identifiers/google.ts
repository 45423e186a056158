import { hashNormalized, isSha256Hex } from './hash.js';
import { normalizeCountry, normalizeEmail, normalizePhone, normalizeZip } from './normalize.js';

/**
 * Google's rules for Customer Match identifiers (Data Manager API "Format user data", and the
 * `AddressInfo`/`UserIdentifier` comments of google/ads/datamanager/v1/user_data.proto). Emails,
 * phones and names are hashed (SHA-256, lower-case hex); region and postal code are sent in clear.
 */
export type GoogleIdentifierKind = 'email' | 'phone' | 'name' | 'region_code' | 'postal_code';

/**
 * Email: all whitespace removed, lower-cased; for gmail.com / googlemail.com the dots of the
 * local part and any `+suffix` are dropped (other domains are left alone).
 */
function email(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const normalized = normalizeEmail(String(value).replace(/\s+/g, ''), { gmailCanonical: true });
  return normalized === null || normalized.startsWith('@') ? null : normalized;
}

/** Given/family name: lower-case, no punctuation or symbols, no outer whitespace (inner runs become one space). */
function name(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value)
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return s === '' ? null : s;
}

/**
 * Countries whose postal codes are exactly five digits: a US-style `-1234` extension on one of
 * them is not part of the code (Google would not match it), so it is dropped.
 */
const FIVE_DIGIT_POSTAL = new Set(['de', 'fr', 'es', 'it', 'mx', 'fi', 'tr', 'ua', 'my', 'th', 'id', 'kr', 'sa', 'hr', 'ee', 'dz', 'ma']);

/**
 * Postal code per country: US codes as their 5 digits (no ZIP+4 extension); five-digit countries
 * as their five digits; others (GB, CA, JP's 3-4, PT's 4-3...) trimmed, upper-cased, inner
 * whitespace as one space. Without a country, a code shaped like a US ZIP is taken as one.
 */
function postalCode(value: unknown, country?: string | null): string | null {
  if (value === null || value === undefined) return null;
  const code = country ? normalizeCountry(country) : null;
  if (code ? code === 'us' : /^\s*\d{5}(-\d{4})?\s*$/.test(String(value))) return normalizeZip(value, 'us');
  const s = String(value).normalize('NFC').replace(/\s+/g, ' ').trim().toUpperCase();
  if (code && FIVE_DIGIT_POSTAL.has(code)) return /^(\d{5})(-\d{4})?$/.exec(s)?.[1] ?? null;
  return s === '' ? null : s;
}

/** One value normalised by Google's rule for its kind; null when nothing usable is left. */
export function normalizeForGoogle(
  kind: GoogleIdentifierKind,
  value: unknown,
  options: { defaultRegion?: string; country?: string | null } = {},
): string | null {
  switch (kind) {
    case 'email':
      return email(value);
    case 'phone':
      return normalizePhone(value, options.defaultRegion);
    case 'name':
      return name(value);
    case 'region_code':
      return normalizeCountry(value)?.toUpperCase() ?? null;
    case 'postal_code':
      return postalCode(value, options.country);
  }
}

/**
 * SHA-256 hex of a normalised email, phone or name, as Google wants it with `encoding: HEX`.
 * A value that already is a SHA-256 hex digest (warehouses often keep hashed emails) is kept.
 */
export function googleHashed(kind: 'email' | 'phone' | 'name', value: unknown, defaultRegion?: string): string | null {
  if (value === null || value === undefined) return null;
  const raw = String(value).trim().toLowerCase();
  if (isSha256Hex(raw)) return raw;
  return hashNormalized(normalizeForGoogle(kind, value, { defaultRegion }));
}
