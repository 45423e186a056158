import { api } from '../lib/api';

/**
 * `GET /api/traits/:name/values` and `GET /api/events/:name/properties/:prop/values`: the most
 * frequent values of a trait (or an event property), counted in the warehouse.
 */
interface ValuesResponse {
  kind: string;
  values: Array<{ value: string | number | boolean; count: number }>;
  /** Distinct non-null values and the rows (profiles or events) holding one; null when PII hid the values. */
  distinct: number | null;
  total: number | null;
  /** The column is personal data and this user may not read it: no values at all. */
  piiMasked: boolean;
}

const LIMIT = 100;
/** The server caches for a minute too: asking again sooner would get the same answer. */
const TTL_MS = 60_000;
type Suggestions = Array<{ value: string; count: number }>;
const cache = new Map<string, { at: number; pending: Promise<Suggestions> }>();

/** Whether a column is "mostly unique" (emails, ids): such values are not worth suggesting. */
function mostlyUnique(distinct: number, total: number): boolean {
  return distinct > Math.max(50, total / 3);
}

/** One cached request per path (a minute, like the server's cache); failures are not kept. */
function cachedValues(path: string): Promise<Suggestions> {
  const cached = cache.get(path);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.pending;
  const pending = api<ValuesResponse>(path, { query: { limit: LIMIT } }).then(
    (answer) => {
      if (answer.piiMasked || answer.distinct === null || answer.total === null) return [];
      if (mostlyUnique(answer.distinct, answer.total)) return [];
      return answer.values.map((v) => ({ value: String(v.value), count: v.count }));
    },
    (error: unknown) => {
      if (cache.get(path)?.pending === pending) cache.delete(path);
      throw error;
    },
  );
  cache.set(path, { at: Date.now(), pending });
  return pending;
}

/**
 * Values to suggest for a text trait, read from the data: its most frequent values with how many
 * profiles hold each (one GROUP BY in the warehouse). Empty for mostly unique columns and for PII
 * the user may not read.
 */
export function traitValues(trait: string): Promise<Suggestions> {
  return cachedValues(`/api/traits/${encodeURIComponent(trait)}/values`);
}

/** The same for a property of an event (counts are events), over every stream the event occurs in. */
export function eventPropertyValues(event: string, property: string): Promise<Suggestions> {
  return cachedValues(`/api/events/${encodeURIComponent(event)}/properties/${encodeURIComponent(property)}/values`);
}
