import { CALLING_CODES, KEEPS_TRUNK_ZERO } from './phone-codes.js';

/**
 * Identifier normalisation shared by every destination that matches people by hashed PII (Meta,
 * Google, TikTok, LinkedIn...). Each function returns null when nothing usable is left, so a row
 * with no identifier can be rejected before anything leaves.
 */

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const s = String(value).normalize('NFC').trim();
  return s === '' ? null : s;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed, lower-cased address; null when it is not an address. */
export function normalizeEmail(value: unknown, options: { gmailCanonical?: boolean } = {}): string | null {
  const s = text(value)?.toLowerCase() ?? null;
  if (s === null || !EMAIL.test(s)) return null;
  if (!options.gmailCanonical) return s;
  // Google's rule for gmail.com/googlemail.com: dots in the local part are ignored, +tags dropped.
  const [local, domain] = s.split('@') as [string, string];
  if (domain !== 'gmail.com' && domain !== 'googlemail.com') return s;
  return `${local.split('+')[0]!.replace(/\./g, '')}@${domain}`;
}

/**
 * E.164 with its `+` (e.g. +14155550123). Numbers without an international prefix (`+`, `00`)
 * take `defaultRegion`'s calling code, dropping the national trunk prefix (a leading 0, or the
 * 1 of North American numbers). Null when fewer than 8 or more than 15 digits remain.
 */
export function normalizePhone(value: unknown, defaultRegion?: string): string | null {
  const s = text(value);
  if (s === null) return null;
  const international = s.startsWith('+');
  let digits = s.replace(/\D/g, '');
  if (digits === '') return null;
  if (!international) {
    const region = defaultRegion?.toUpperCase();
    const code = region ? CALLING_CODES.get(region) : undefined;
    if (digits.startsWith('00')) digits = digits.slice(2);
    else if (code === '1' && digits.startsWith('011')) digits = digits.slice(3);
    else if (code === '1') digits = digits.length === 11 && digits.startsWith('1') ? digits : `1${digits}`;
    else if (code) digits = code + (KEEPS_TRUNK_ZERO.has(region!) ? digits : digits.replace(/^0+/, ''));
    // Without a region the digits are taken to start with their country code already.
  }
  if (digits.startsWith('0') || digits.length < 8 || digits.length > 15) return null;
  return `+${digits}`;
}

/** Lower-case letters only (any script): first and last names, cities. */
export function normalizeName(value: unknown): string | null {
  const s = text(value);
  if (s === null) return null;
  const letters = s.toLowerCase().replace(/[^\p{L}]/gu, '');
  return letters === '' ? null : letters;
}

/** First letter of a first name. */
export function normalizeInitial(value: unknown): string | null {
  return normalizeName(value)?.slice(0, 1) ?? null;
}

/**
 * Postal code: lower-case, no spaces. US codes keep their 5 digits (`94025-1234` -> `94025`);
 * pass `country` when known so other formats are left whole.
 */
export function normalizeZip(value: unknown, country?: string | null): string | null {
  const s = text(value)?.toLowerCase().replace(/\s+/g, '') ?? null;
  if (s === null) return null;
  const us = country ? normalizeCountry(country) === 'us' : /^\d{5}(-\d{4})?$/.test(s);
  if (us) {
    const five = s.split('-')[0]!;
    return /^\d{5}$/.test(five) ? five : null;
  }
  return s;
}

const ALPHA3: Record<string, string> = {
  usa: 'us', can: 'ca', gbr: 'gb', deu: 'de', fra: 'fr', esp: 'es', ita: 'it', nld: 'nl', bel: 'be', che: 'ch', aut: 'at',
  swe: 'se', nor: 'no', dnk: 'dk', fin: 'fi', irl: 'ie', prt: 'pt', pol: 'pl', aus: 'au', nzl: 'nz', jpn: 'jp', chn: 'cn',
  ind: 'in', bra: 'br', mex: 'mx', arg: 'ar', zaf: 'za', sgp: 'sg', kor: 'kr', isr: 'il', are: 'ae', tur: 'tr', rus: 'ru',
};
const COUNTRY_NAMES: Record<string, string> = {
  'united states': 'us', 'united states of america': 'us', america: 'us', 'united kingdom': 'gb', 'great britain': 'gb',
  england: 'gb', germany: 'de', deutschland: 'de', france: 'fr', spain: 'es', italy: 'it', netherlands: 'nl', canada: 'ca',
  australia: 'au', ireland: 'ie', japan: 'jp', brazil: 'br', mexico: 'mx', india: 'in', china: 'cn', switzerland: 'ch',
};

/** ISO 3166-1 alpha-2, lower-case (`US`, `usa`, `United States` -> `us`); null when unknown. */
export function normalizeCountry(value: unknown): string | null {
  const s = text(value)?.toLowerCase().replace(/\./g, '') ?? null;
  if (s === null) return null;
  if (/^[a-z]{2}$/.test(s)) return s === 'uk' ? 'gb' : s;
  return ALPHA3[s] ?? COUNTRY_NAMES[s.replace(/\s+/g, ' ')] ?? null;
}

const US_STATES: Record<string, string> = {
  alabama: 'al', alaska: 'ak', arizona: 'az', arkansas: 'ar', california: 'ca', colorado: 'co', connecticut: 'ct',
  delaware: 'de', florida: 'fl', georgia: 'ga', hawaii: 'hi', idaho: 'id', illinois: 'il', indiana: 'in', iowa: 'ia',
  kansas: 'ks', kentucky: 'ky', louisiana: 'la', maine: 'me', maryland: 'md', massachusetts: 'ma', michigan: 'mi',
  minnesota: 'mn', mississippi: 'ms', missouri: 'mo', montana: 'mt', nebraska: 'ne', nevada: 'nv', newhampshire: 'nh',
  newjersey: 'nj', newmexico: 'nm', newyork: 'ny', northcarolina: 'nc', northdakota: 'nd', ohio: 'oh', oklahoma: 'ok',
  oregon: 'or', pennsylvania: 'pa', rhodeisland: 'ri', southcarolina: 'sc', southdakota: 'sd', tennessee: 'tn',
  texas: 'tx', utah: 'ut', vermont: 'vt', virginia: 'va', washington: 'wa', westvirginia: 'wv', wisconsin: 'wi',
  wyoming: 'wy', districtofcolumbia: 'dc',
};

/** State or province: its 2-letter code lower-case (US state names are mapped); other text as letters only. */
export function normalizeState(value: unknown): string | null {
  const letters = normalizeName(value);
  if (letters === null) return null;
  return US_STATES[letters] ?? letters;
}

/** `m` or `f`. */
export function normalizeGender(value: unknown): string | null {
  const first = text(value)?.toLowerCase().slice(0, 1) ?? null;
  return first === 'm' || first === 'f' ? first : null;
}

/** Parts of a date of birth given as a Date or YYYY-MM-DD text. */
export function dateOfBirthParts(value: unknown): { year: string; month: string; day: string } | null {
  if (value === null || value === undefined) return null;
  const iso = value instanceof Date ? value.toISOString() : String(value).trim();
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(iso);
  if (!m) return null;
  return { year: m[1]!, month: m[2]!.padStart(2, '0'), day: m[3]!.padStart(2, '0') };
}
