import { normalizeEmail } from '../identifiers/index.js';
import type { Row } from '../types.js';

/**
 * Rows as SendGrid `ContactRequest`s. Destination field names are SendGrid's reserved fields;
 * any other name is a custom field written by its id (like `e1_T`) under `custom_fields`.
 * Values longer than the spec allows are refused here, before anything is sent.
 */

/** Reserved fields and their maxLength from the spec (undefined: no limit). */
export const RESERVED_FIELDS: Readonly<Record<string, number | undefined>> = {
  email: 254,
  phone_number_id: undefined,
  external_id: 254,
  anonymous_id: 254,
  first_name: 50,
  last_name: 50,
  address_line_1: 100,
  address_line_2: 100,
  city: 60,
  state_province_region: 50,
  postal_code: undefined,
  country: 50,
  alternate_emails: undefined,
};

/** Identifiers are never cleared: an empty one would not match the contact any more. */
const IDENTIFIERS = new Set(['email', 'phone_number_id', 'external_id', 'anonymous_id']);
const MAX_ALTERNATE_EMAILS = 5;

export type BuiltContact = { contact: Record<string, unknown>; email: string; bytes: number } | { error: string };

function text(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function alternateEmails(value: unknown): string[] | string {
  const list = Array.isArray(value) ? value : String(value).split(',');
  const emails = list.map((v) => normalizeEmail(v)).filter((v): v is string => v !== null);
  if (emails.length > MAX_ALTERNATE_EMAILS) return `alternate_emails has ${emails.length} addresses; SendGrid takes at most ${MAX_ALTERNATE_EMAILS}`;
  return emails;
}

/**
 * One contact per row; NULL clears a reserved field (empty string) and leaves custom fields and
 * identifiers untouched. Rows repeating an email already in the batch are refused.
 */
export function buildContacts(rows: readonly Row[]): BuiltContact[] {
  const seen = new Map<string, string>();
  return rows.map((row) => {
    const email = normalizeEmail(row.fields.email);
    if (email === null) return { error: 'no valid email to identify the contact' };
    const earlier = seen.get(email);
    if (earlier !== undefined) return { error: `the same email as row ${earlier} of this batch` };
    const contact: Record<string, unknown> = { email };
    const custom: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(row.fields)) {
      if (name === 'email') continue;
      const missing = value === null || value === undefined;
      if (!(name in RESERVED_FIELDS)) {
        if (!missing) custom[name] = typeof value === 'number' ? value : text(value);
        continue;
      }
      if (missing) {
        if (!IDENTIFIERS.has(name) && name !== 'alternate_emails') contact[name] = '';
        continue;
      }
      if (name === 'alternate_emails') {
        const emails = alternateEmails(value);
        if (typeof emails === 'string') return { error: emails };
        contact[name] = emails;
        continue;
      }
      const str = text(value);
      const max = RESERVED_FIELDS[name];
      if (max !== undefined && str.length > max) return { error: `${name} is ${str.length} characters; SendGrid takes at most ${max}` };
      contact[name] = str;
    }
    if (Object.keys(custom).length) contact.custom_fields = custom;
    seen.set(email, row.key);
    return { contact, email, bytes: Buffer.byteLength(JSON.stringify(contact)) };
  });
}
