/**
 * How personal data looks to someone who may not read it: masking of values and of free text.
 * A leaf module (imports nothing of the project) so the logger and every layer may use it; which
 * names are PII is the project's config, read by src/privacy/pii.ts.
 *
 * One rule for every value kind, so the UI can tell "hidden" from "empty":
 * - null/undefined stay null (nothing is hidden, so nothing to mask);
 * - an email keeps its first letter, the first letter of its domain and its top-level domain: `j•••@e•••.com`;
 * - a phone keeps its last two digits: `•••12`;
 * - any other value (strings, and also numbers, dates, booleans, lists, objects) becomes `•••`.
 *   Numbers and dates become the string `•••`, not null: null already means "no value", and a masked
 *   birth date shown as empty would tell the reader something false.
 */

export const MASK = '•••';

/** Names everyone treats as personal data, configured or not (logs redact them always). */
export const BUILT_IN_PII = ['email', 'phone'] as const;

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Emails inside free text (vendor errors, driver messages). */
const EMAIL_IN_TEXT = /[^\s@"'<>,;:()[\]{}=]+@[^\s@"'<>,;:()[\]{}=]+\.[A-Za-z]{2,}/g;
/** International phone numbers inside free text; only `+`-prefixed ones, so dates and ids stay readable. */
const PHONE_IN_TEXT = /\+\d[\d\s().-]{5,}\d/g;
const PHONE_SHAPE = /^\+?[\d\s().-]{7,}$/;

/** `jane.doe@example.co.uk` → `j•••@e•••.uk`. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at).trim();
  const domain = value.slice(at + 1).trim();
  const dot = domain.lastIndexOf('.');
  const tld = dot >= 0 ? domain.slice(dot) : '';
  return `${local.slice(0, 1)}${MASK}@${domain.slice(0, 1)}${MASK}${tld}`;
}

/** `+1 (415) 555-0112` → `•••12`. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '');
  return digits.length > 2 ? `${MASK}${digits.slice(-2)}` : MASK;
}

function isPhoneName(name: string): boolean {
  return /phone|mobile|msisdn|tel/i.test(name);
}

/** The masked form of one value of a PII-tagged name. */
export function maskValue(value: unknown, name = ''): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, name));
  if (typeof value === 'string') {
    const text = value.trim();
    if (EMAIL_SHAPE.test(text)) return maskEmail(text);
    if (PHONE_SHAPE.test(text) && (isPhoneName(name) || text.startsWith('+')) && text.replace(/\D/g, '').length >= 7) return maskPhone(text);
  }
  return MASK;
}

/** Emails and `+`-prefixed phone numbers inside free text, masked (errors, log messages). */
export function scrubText(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email)).replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
}
