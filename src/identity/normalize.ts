import type { Dialect } from '../warehouse/index.js';
import { phoneNormalizeQuery } from './phone.js';
import type { IdTypePlan } from './plan.js';

/** An address: something@domain.tld, no spaces, one '@' (checked after trim + lowercase). */
export const EMAIL_PATTERN = '^[^@[:space:]]+@[^@[:space:]]+\\.[a-z0-9-]{2,}$';

/**
 * Wraps `inner` (a SELECT with a string column `raw`) into a SELECT of all its columns plus `norm`:
 * the identifier as it links (normalised per the id type), or NULL when the value is not a valid
 * identifier of that type. The same SQL serves extraction, blocklists and `cdp identity explain`.
 */
export function normalizeQuery(
  d: Dialect,
  type: Pick<IdTypePlan, 'normalize' | 'defaultRegion'>,
  inner: string,
  options: { clean?: string } = {},
): string {
  // `options.clean`: a column of `inner` already holding LOWER(TRIM(raw)) (see `cleanedRawSelect`).
  const clean = options.clean ? `n1.${options.clean}` : 'LOWER(TRIM(n1.raw))';
  switch (type.normalize) {
    case 'email':
      return `SELECT n1.*, CASE WHEN ${d.regexMatches(clean, EMAIL_PATTERN)} THEN ${clean} END AS norm FROM (${inner}) n1`;
    case 'phone':
      return phoneNormalizeQuery(d, inner, type.defaultRegion);
    case 'lower':
      return `SELECT n1.*, ${clean} AS norm FROM (${inner}) n1`;
    case 'trim':
      return `SELECT n1.*, TRIM(n1.raw) AS norm FROM (${inner}) n1`;
    case 'none':
      return `SELECT n1.*, n1.raw AS norm FROM (${inner}) n1`;
  }
}

/**
 * `inner` (a SELECT with a string column `raw`) plus `clean`: LOWER(TRIM(raw)), computed once per
 * row. The normaliser and the junk checks read it several times, and on DuckDB each LOWER(TRIM())
 * written out again is evaluated again (a third of the classification's cost at 300,000 people).
 */
export function cleanedRawSelect(inner: string): string {
  return `SELECT c0.*, LOWER(TRIM(c0.raw)) AS clean FROM (${inner}) c0`;
}

/** Normalises literal values (blocklist entries, a value typed at the CLI) with the same SQL. */
export function normalizeLiteralsQuery(d: Dialect, type: Pick<IdTypePlan, 'normalize' | 'defaultRegion'>, values: readonly string[]): string {
  const rows = values.map((v, i) => `SELECT ${i} AS i, ${d.literal(v)} AS raw`).join(' UNION ALL ');
  return `SELECT x.i, x.norm FROM (${normalizeQuery(d, type, rows)}) x`;
}
