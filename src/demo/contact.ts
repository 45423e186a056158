/**
 * Email addresses and phone numbers: each person's true ones (unique per person by construction,
 * so the demo's truth is never ambiguous), and the messy ways sources write them down.
 */
import type { Rng } from './random.js';
import { scrambleBits } from './random.js';
import { COMPANY_DOMAIN_COUNT, PERSONAL_DOMAINS, PERSONAL_DOMAIN_SLOTS, companyDomain } from './vocab/catalog.js';
import { CA_AREA_CODES, US_AREA_CODES, type Country } from './vocab/places.js';

// ---------------------------------------------------------------- emails

/** A name as it appears in an address: ASCII letters only ('Müller' -> 'mueller', "O'Brien" -> 'obrien'). */
export function mailboxName(name: string): string {
  let folded = mailboxNames.get(name);
  if (folded === undefined) {
    folded = foldName(name);
    // Names come from fixed lists, so this memo stays small.
    if (mailboxNames.size < 10_000) mailboxNames.set(name, folded);
  }
  return folded;
}

const mailboxNames = new Map<string, string>();

function foldName(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/[łı]/g, (c) => (c === 'ł' ? 'l' : 'i'))
    .replace(/ø/g, 'o')
    .normalize('NFD')
    .replace(/[^a-z]/g, '');
}

/**
 * The personal address of the person whose scrambled index is `n`. The domain slot, the pattern and
 * the trailing number are read back from the address alone (each domain sits at one slot, each
 * pattern has its own separator shape, names hold no digits), so two people never share one.
 */
export function personalEmail(n: number, first: string, last: string, country: Country): string {
  const slot = n % PERSONAL_DOMAIN_SLOTS;
  const pattern = Math.floor(n / PERSONAL_DOMAIN_SLOTS) % 4;
  const number = Math.floor(n / (PERSONAL_DOMAIN_SLOTS * 4));
  const f = mailboxName(first);
  const l = mailboxName(last);
  const local =
    pattern === 0 ? `${f}.${l}` : pattern === 1 ? `${f}_${l}` : pattern === 2 ? `${f.charAt(0)}.${l}` : `${f}${l}`;
  return `${local}${number === 0 ? '' : number}@${PERSONAL_DOMAINS[country][slot]}`;
}

/** A work address at one of the employer domains; unique for the same reasons as personalEmail. */
export function workEmail(n: number, first: string, last: string): string {
  const company = n % COMPANY_DOMAIN_COUNT;
  const pattern = Math.floor(n / COMPANY_DOMAIN_COUNT) % 2;
  const number = Math.floor(n / (COMPANY_DOMAIN_COUNT * 2));
  const f = mailboxName(first);
  const l = mailboxName(last);
  const local = pattern === 0 ? `${f}.${l}` : `${f.charAt(0)}${l}`;
  return `${local}${number === 0 ? '' : number}@${companyDomain(company)}`;
}

/**
 * An address as a source stored it. `mess` in [0, 1] scales how often it is re-cased or padded:
 * ESPs store addresses clean (low mess), CRMs and store tills as typed (high mess).
 */
export function renderEmail(rng: Rng, email: string, mess: number): string {
  let out = email;
  const r = rng.next();
  if (r < mess * 0.35) out = capitalizeParts(out);
  else if (r < mess * 0.42) out = out.toUpperCase();
  const p = rng.next();
  if (p < mess * 0.08) out = ` ${out} `;
  else if (p < mess * 0.12) out = `${out} `;
  return out;
}

/** 'john.doe@gmail.com' -> 'John.Doe@Gmail.com': what autocapitalising keyboards produce. */
function capitalizeParts(email: string): string {
  const at = email.indexOf('@');
  const local = email.slice(0, at).replace(/(^|[._-])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
  return `${local}@${email.charAt(at + 1).toUpperCase()}${email.slice(at + 2)}`;
}

/** Placeholder values people type into forms that have a required email field. */
export const JUNK_EMAILS: readonly string[] = ['test@test.com', 'N/A', 'null', '', 'unknown', 'none', 'noemail@example.com', 'na@na.com'];

// ---------------------------------------------------------------- phones

export interface Phone {
  country: Country;
  /** Country calling code without '+'. */
  cc: string;
  /** National significant number, digits only, no trunk prefix. */
  national: string;
}

export type PhoneKind = 'mobile' | 'landline';

const PHONE_BITS = 26;

/** The number of person `index` (its own mobile, or the landline of the household it heads). */
export function phoneFor(index: number, kind: PhoneKind, country: Country, key: number): Phone {
  // A bijection of (index, kind) on 26 bits: distinct people never get the same number.
  const x = scrambleBits(index * 2 + (kind === 'landline' ? 1 : 0), PHONE_BITS, key);
  const eight = String(x).padStart(8, '0');
  switch (country) {
    case 'US':
    case 'CA': {
      const codes = country === 'US' ? US_AREA_CODES : CA_AREA_CODES;
      const rest = Math.floor(x / codes.length); // < 2^22: fits exchange (800) x line (10,000)
      const exchange = 200 + (rest % 800);
      const line = String(Math.floor(rest / 800)).padStart(4, '0');
      return { country, cc: '1', national: `${codes[x % codes.length]}${exchange}${line}` };
    }
    case 'GB':
      return { country, cc: '44', national: `${kind === 'mobile' ? '74' : '20'}${eight}` };
    case 'DE':
      return { country, cc: '49', national: `${kind === 'mobile' ? '151' : '30'}${eight}` };
    case 'FR':
      return { country, cc: '33', national: `${kind === 'mobile' ? '6' : '1'}${eight}` };
  }
}

/** The number in E.164, for tests and truth checks. */
export function e164(phone: Phone): string {
  return `+${phone.cc}${phone.national}`;
}

/**
 * A number as a source stored it: North American numbers in the many local styles, European ones
 * mostly international ('+44 20 7946 0958', '0044 20 7946 0958'), sometimes national ('020 7946 0958').
 */
export function renderPhone(rng: Rng, phone: Phone): string {
  const n = phone.national;
  if (phone.cc === '1') {
    const [a, e, l] = [n.slice(0, 3), n.slice(3, 6), n.slice(6)];
    switch (rng.int(0, 7)) {
      case 0: return `(${a}) ${e}-${l}`;
      case 1: return `+1 ${a} ${e} ${l}`;
      case 2: return `${a}.${e}.${l}`;
      case 3: return `${a}-${e}-${l}`;
      case 4: return `${a}${e}${l}`;
      case 5: return `+1${a}${e}${l}`;
      case 6: return `1-${a}-${e}-${l}`;
      default: return `+1 (${a}) ${e}-${l}`;
    }
  }
  const grouped = groupEuropean(phone);
  const r = rng.next();
  if (r < 0.4) return `+${phone.cc} ${grouped}`;
  if (r < 0.7) return `00${phone.cc} ${grouped}`;
  if (r < 0.92) return `+${phone.cc}${n}`;
  return `0${grouped}`; // national style: only parseable knowing the country
}

function groupEuropean(phone: Phone): string {
  const n = phone.national;
  switch (phone.country) {
    case 'GB':
      return n.startsWith('7') ? `${n.slice(0, 4)} ${n.slice(4)}` : `${n.slice(0, 2)} ${n.slice(2, 6)} ${n.slice(6)}`;
    case 'DE':
      return n.startsWith('1') ? `${n.slice(0, 3)} ${n.slice(3)}` : `${n.slice(0, 2)} ${n.slice(2)}`;
    default: // FR: 1 23 45 67 89
      return `${n.slice(0, 1)} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7)}`;
  }
}

/** Placeholder numbers from required phone fields and store tills. */
export const JUNK_PHONES: readonly string[] = ['0000000000', 'N/A', 'null', '', 'unknown', '1234567890', '000-000-0000', '9999999999'];

// ---------------------------------------------------------------- names

/** A realistic slip between two systems: transposed, dropped or doubled letter, lost accents, caps. */
export function typo(rng: Rng, name: string): string {
  for (let attempt = 0; attempt < 4; attempt++) {
    const out = applyTypo(rng, name);
    if (out !== name && out.trim() !== '') return out;
  }
  return name.toUpperCase() === name ? name.toLowerCase() : name.toUpperCase();
}

function applyTypo(rng: Rng, name: string): string {
  const stripped = name.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  if (stripped !== name && rng.chance(0.5)) return stripped;
  const i = rng.int(1, Math.max(1, name.length - 2));
  switch (rng.int(0, 4)) {
    case 0: return name.slice(0, i) + name.charAt(i + 1) + name.charAt(i) + name.slice(i + 2); // transpose
    case 1: return name.slice(0, i) + name.slice(i + 1); // drop
    case 2: return name.slice(0, i) + name.charAt(i) + name.slice(i); // double
    case 3: return name.toUpperCase();
    default: return name.toLowerCase();
  }
}
