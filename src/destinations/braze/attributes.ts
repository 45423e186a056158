import { dateOfBirthParts, normalizeCountry, normalizeEmail, normalizePhone } from '../identifiers/index.js';
import type { Row } from '../types.js';

/**
 * Rows as Braze user attributes objects. Destination field names are Braze attribute names
 * (standard ones like first_name, email, phone, country, dob, or any custom attribute); a NULL
 * removes the attribute at Braze. Emails are lower-cased, phones sent as E.164, countries as
 * ISO-3166-1 alpha-2 and dob as YYYY-MM-DD, as Braze documents them.
 */

export const BRAZE_IDENTIFIERS = ['external_id', 'email', 'phone'] as const;
export type BrazeIdentifier = (typeof BRAZE_IDENTIFIERS)[number];

export interface AttributeOptions {
  identifier: BrazeIdentifier;
  defaultRegion?: string;
}

/** The user's identifier value as Braze matches it; null when the row has none. */
export function identifierValue(fields: Record<string, unknown>, options: AttributeOptions): string | null {
  const value = fields[options.identifier];
  if (options.identifier === 'email') return normalizeEmail(value);
  if (options.identifier === 'phone') return normalizePhone(value, options.defaultRegion);
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text === '' ? null : text;
}

/** A value as Braze takes it; undefined leaves the attribute out (an unusable email or phone that is not the identifier). */
export function attributeValue(name: string, value: unknown, defaultRegion?: string): unknown {
  if (value === null || value === undefined) return null;
  if (name === 'email') return normalizeEmail(value) ?? undefined;
  if (name === 'phone') return normalizePhone(value, defaultRegion) ?? undefined;
  if (name === 'country') return normalizeCountry(value)?.toUpperCase() ?? String(value);
  if (name === 'dob') {
    const parts = dateOfBirthParts(value);
    return parts ? `${parts.year}-${parts.month}-${parts.day}` : undefined;
  }
  if (value instanceof Date) return value.toISOString();
  return value;
}

export type BuiltAttributes = { object: Record<string, unknown>; id: string } | { error: string };

/** One attributes object per row (identifier first), with `extra` added (subscription groups, the audience flag...). */
export function buildAttributes(rows: readonly Row[], options: AttributeOptions, extra: Record<string, unknown>): BuiltAttributes[] {
  return rows.map((row) => {
    const id = identifierValue(row.fields, options);
    if (id === null) return { error: `no valid ${options.identifier} to identify the user` };
    const object: Record<string, unknown> = { [options.identifier]: id };
    for (const [name, value] of Object.entries(row.fields)) {
      if (name === options.identifier) continue;
      const converted = attributeValue(name, value, options.defaultRegion);
      if (converted !== undefined) object[name] = converted;
    }
    return { object: { ...object, ...extra }, id };
  });
}
