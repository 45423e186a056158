import {
  dateOfBirthParts,
  isSha256Hex,
  normalizeCountry,
  normalizeEmail,
  normalizeGender,
  normalizeInitial,
  normalizeName,
  normalizePhone,
  normalizeState,
  sha256Hex,
} from '../identifiers/index.js';

/** The customer-file keys Meta matches on (payload `schema`), as sync fields name them. */
export const META_KEYS = ['EMAIL', 'PHONE', 'FN', 'LN', 'FI', 'ZIP', 'CT', 'ST', 'COUNTRY', 'DOBY', 'DOBM', 'DOBD', 'GEN', 'MADID', 'EXTERN_ID'] as const;
export type MetaKey = (typeof META_KEYS)[number];

/** Sent as they are: Meta does not want these hashed. */
const UNHASHED: ReadonlySet<MetaKey> = new Set(['MADID', 'EXTERN_ID']);

/** Meta's rule for every key: strip spaces, tabs, CR/LF, NUL, VT and dots at both ends, then lower-case. */
function stripped(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value).replace(/^[\s\0\v.]+|[\s\0\v.]+$/g, '').toLowerCase();
  return s === '' ? null : s;
}

function datePart(value: unknown, part: 'year' | 'month' | 'day'): string | null {
  const parts = value instanceof Date || /^\d{4}-\d{1,2}-\d{1,2}/.test(String(value ?? '')) ? dateOfBirthParts(value) : null;
  if (parts) return parts[part];
  const digits = stripped(value)?.replace(/\D/g, '') ?? '';
  if (part === 'year') return /^\d{4}$/.test(digits) ? digits : null;
  const n = Number(digits);
  const max = part === 'month' ? 12 : 31;
  return digits !== '' && n >= 1 && n <= max ? String(n).padStart(2, '0') : null;
}

/**
 * One value normalised as Meta specifies (customaudiencemixin.py in Meta's SDK, and the
 * custom-audience docs): email trimmed and lower-cased; phone digits with country code and no
 * leading zeros; names, city and initial letters only; state 2-letter code; zip the part before
 * "-"; country ISO alpha-2; birth date parts YYYY / MM / DD; gender m or f.
 */
export function normalizeForMeta(key: MetaKey, value: unknown, defaultRegion?: string): string | null {
  switch (key) {
    case 'EMAIL':
      return normalizeEmail(stripped(value));
    case 'PHONE': {
      const e164 = normalizePhone(value, defaultRegion);
      return e164 === null ? null : e164.slice(1);
    }
    case 'FN':
    case 'LN':
    case 'CT':
      return normalizeName(stripped(value));
    case 'FI':
      return normalizeInitial(stripped(value));
    case 'ST':
      return normalizeState(stripped(value));
    case 'ZIP': {
      const zip = stripped(value)?.replace(/\s+/g, '').split('-')[0] ?? '';
      return zip === '' ? null : zip;
    }
    case 'COUNTRY':
      return normalizeCountry(stripped(value));
    case 'DOBY':
      return datePart(value, 'year');
    case 'DOBM':
      return datePart(value, 'month');
    case 'DOBD':
      return datePart(value, 'day');
    case 'GEN':
      return normalizeGender(stripped(value));
    case 'MADID':
    case 'EXTERN_ID':
      return value === null || value === undefined || String(value).trim() === '' ? null : String(value).trim();
  }
}

/** The payload cell for one key: SHA-256 hex of the normalised value (values already hashed pass), "" when unknown. */
export function metaCell(key: MetaKey, value: unknown, defaultRegion?: string): string {
  if (!UNHASHED.has(key)) {
    const raw = stripped(value);
    if (raw !== null && isSha256Hex(raw)) return raw;
  }
  const normalized = normalizeForMeta(key, value, defaultRegion);
  if (normalized === null) return '';
  return UNHASHED.has(key) ? normalized : sha256Hex(normalized);
}
