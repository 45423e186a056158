import { normalizeEmail } from '../identifiers/index.js';
import type { Row } from '../types.js';

/**
 * Rows as HubSpot batch inputs. Every property value is a string in HubSpot's API; an empty
 * string clears a property, so a NULL in the warehouse clears the value at HubSpot too.
 */

/** Internal property names: lower-case letters, digits and underscores (e.g. firstname, hs_lead_status). */
export const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/;

export interface ContactInput {
  /** Position of the row in the batch. */
  index: number;
  /** The value of the id property that identifies the contact (the email, or a custom unique value). */
  id: string;
  properties: Record<string, string>;
}

/** Property value as HubSpot takes it (dates as ISO 8601, booleans as true/false). */
export function propertyValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The contact's identifier: emails trimmed and lower-cased (HubSpot matches them case-insensitively). */
export function contactId(value: unknown, idProperty: string): string | null {
  if (idProperty === 'email') return normalizeEmail(value);
  if (value === null || value === undefined) return null;
  const text = propertyValue(value).trim();
  return text === '' ? null : text;
}

export type BuiltInput = { input: ContactInput } | { error: string };

/**
 * One input per row; rows without an id, or repeating an id already in this batch (HubSpot
 * refuses a batch with duplicate ids), get an error instead.
 */
export function buildInputs(rows: readonly Row[], idProperty: string): BuiltInput[] {
  const seen = new Map<string, string>();
  return rows.map((row, index) => {
    const id = contactId(row.fields[idProperty], idProperty);
    if (id === null) return { error: `no valid ${idProperty} to identify the contact` };
    const earlier = seen.get(id);
    if (earlier !== undefined) return { error: `the same ${idProperty} as row ${earlier} of this batch (HubSpot takes one input per contact)` };
    seen.set(id, row.key);
    const properties: Record<string, string> = {};
    for (const [name, value] of Object.entries(row.fields)) properties[name] = propertyValue(value);
    properties[idProperty] = id;
    return { input: { index, id, properties } };
  });
}
