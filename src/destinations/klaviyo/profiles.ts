import { normalizeEmail, normalizePhone } from '../identifiers/index.js';
import type { Row } from '../types.js';
import { PROFILE_MAX_BYTES } from './api.js';

/**
 * Rows as Klaviyo profile resources for a bulk import. Destination field names are Klaviyo's
 * attribute names; location parts go under `location`; any other name (or `properties.<name>`)
 * is a custom property. A NULL clears the value at Klaviyo (custom properties through
 * `meta.patch_properties.unset`); identifiers are never cleared.
 */

export const IDENTIFIERS = ['email', 'phone_number', 'external_id'] as const;
export type Identifier = (typeof IDENTIFIERS)[number];
export const STANDARD_ATTRIBUTES = ['first_name', 'last_name', 'organization', 'locale', 'title', 'image'] as const;
export const LOCATION_ATTRIBUTES = ['address1', 'address2', 'city', 'country', 'region', 'zip', 'timezone', 'ip', 'latitude', 'longitude'] as const;
const CUSTOM_PREFIX = 'properties.';

export interface ProfileResource {
  type: 'profile';
  attributes: Record<string, unknown>;
  meta?: { patch_properties: { unset: string[] } };
}

export type BuiltProfile = { profile: ProfileResource; bytes: number; identifiers: Partial<Record<Identifier, string>> } | { error: string };

function text(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** The identifiers of a row as Klaviyo matches them: email lower-case, phone E.164. */
export function profileIdentifiers(fields: Record<string, unknown>, defaultRegion?: string): Partial<Record<Identifier, string>> {
  const out: Partial<Record<Identifier, string>> = {};
  const email = normalizeEmail(fields.email);
  if (email) out.email = email;
  const phone = normalizePhone(fields.phone_number, defaultRegion);
  if (phone) out.phone_number = phone;
  const external = fields.external_id;
  if (external !== null && external !== undefined && text(external).trim() !== '') out.external_id = text(external).trim();
  return out;
}

function isStandard(name: string): boolean {
  return (STANDARD_ATTRIBUTES as readonly string[]).includes(name);
}

function isLocation(name: string): boolean {
  return (LOCATION_ATTRIBUTES as readonly string[]).includes(name);
}

/** Where a destination field goes: an identifier, a profile attribute, a location part, or a custom property. */
export function fieldTarget(name: string): { kind: 'identifier' | 'attribute' | 'location' | 'property'; key: string } {
  if (name.startsWith(CUSTOM_PREFIX)) return { kind: 'property', key: name.slice(CUSTOM_PREFIX.length) };
  if ((IDENTIFIERS as readonly string[]).includes(name)) return { kind: 'identifier', key: name };
  if (isStandard(name)) return { kind: 'attribute', key: name };
  if (isLocation(name)) return { kind: 'location', key: name };
  return { kind: 'property', key: name };
}

/** A profile for one row, or why it cannot be sent (no usable identifier, too large). */
export function buildProfile(row: Row, defaultRegion?: string): BuiltProfile {
  const identifiers = profileIdentifiers(row.fields, defaultRegion);
  if (Object.keys(identifiers).length === 0) return { error: 'no valid email, phone_number (E.164) or external_id to identify the profile' };
  const attributes: Record<string, unknown> = { ...identifiers };
  const location: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [name, value] of Object.entries(row.fields)) {
    const target = fieldTarget(name);
    const missing = value === null || value === undefined;
    if (target.kind === 'identifier') continue;
    if (target.kind === 'attribute') attributes[target.key] = missing ? null : text(value);
    else if (target.kind === 'location') {
      location[target.key] = missing ? null : target.key === 'latitude' || target.key === 'longitude' ? (typeof value === 'number' ? value : text(value)) : text(value);
    } else if (missing) unset.push(target.key);
    else properties[target.key] = value instanceof Date ? value.toISOString() : value;
  }
  if (Object.keys(location).length) attributes.location = location;
  if (Object.keys(properties).length) attributes.properties = properties;
  const profile: ProfileResource = { type: 'profile', attributes };
  if (unset.length) profile.meta = { patch_properties: { unset } };
  const bytes = Buffer.byteLength(JSON.stringify(profile));
  if (bytes > PROFILE_MAX_BYTES) return { error: `the profile is ${bytes} bytes; Klaviyo takes at most ${PROFILE_MAX_BYTES} per profile` };
  return { profile, bytes, identifiers };
}
