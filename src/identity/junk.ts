import type { Dialect } from '../warehouse/index.js';
import type { IdTypePlan } from './plan.js';

/**
 * Values that never link anything. Placeholders typed into required form fields ('n/a',
 * 'unknown', 'test@test.com', '000-000-0000') would otherwise merge everyone who typed them.
 */
export const DEFAULT_JUNK_VALUES: readonly string[] = [
  'null', 'none', 'nil', 'nan', 'n/a', 'na', 'n.a.', '#n/a', 'undefined', 'unknown', 'anonymous', 'anon', 'guest',
  'test', 'default', 'false', 'true', '-1', '0', 'not available', 'not set', '(not set)', 'empty', 'blank',
  'noemail', 'no email', 'no-email', 'nobody', 'xxx', 'asdf',
];

/** Regexes over the normalised value (RE2 and POSIX compatible), for every id type. */
export const DEFAULT_JUNK_PATTERNS: readonly string[] = [
  // only zeros and dashes ('0', '000-000', '-', '')
  '^[0-]*$',
  // only punctuation and spaces ('.', '--', '?')
  '^[[:punct:][:space:]]*$',
];

/** Extra defaults per normalisation kind. */
export const DEFAULT_JUNK_BY_KIND: Readonly<Record<string, readonly string[]>> = {
  email: [
    // placeholder mailboxes ('test@', 'noemail@', 'na@na.com')
    '^(test|testing|tester|null|none|nil|na|n/a|noemail|no-email|no_email|nomail|noreply|no-reply|donotreply|do-not-reply|unknown|anonymous|fake|asdf|nobody|sample|dummy)@',
    // reserved and throwaway domains
    '@(test|example|invalid|none|null|na|noemail|nomail|dummy)\\.(com|org|net)$',
    '\\.(test|invalid|example|localhost)$',
  ],
  phone: [
    // the last seven digits all the same ('+1 999-999-9999', '+44 20 0000000')
    '(0000000|1111111|2222222|3333333|4444444|5555555|6666666|7777777|8888888|9999999)$',
    // counting sequences
    '^\\+[0-9]{1,3}(0?123456789|1234567890|0123456789|9876543210)$',
  ],
};

export type DropReason = 'junk' | 'invalid' | 'blocklist';

/** A blocklist entry written as `/pattern/` or `/pattern/i` is a regex; anything else an exact value. */
export function parseBlocklistEntry(entry: string): { regex: string } | { exact: string } {
  const match = /^\/(.*)\/([i]*)$/s.exec(entry);
  if (!match || match[1] === '') return { exact: entry };
  return { regex: match[2]?.includes('i') ? `(?i)${match[1]}` : match[1]! };
}

export interface BlocklistSql {
  /** Normalised exact values (computed by the caller with the type's normaliser). */
  exactNormalized: string[];
  /** Exact values as typed, lowercased and trimmed (matches values that do not normalise). */
  exactRaw: string[];
  regexes: string[];
}

function inList(d: Dialect, expr: string, values: readonly string[]): string | null {
  if (values.length === 0) return null;
  return `${expr} IN (${[...new Set(values)].map((v) => d.literal(v)).join(', ')})`;
}

function anyOf(parts: Array<string | null>): string {
  const present = parts.filter((p): p is string => p !== null);
  return present.length ? `(${present.join(' OR ')})` : 'FALSE';
}

/**
 * The reason a value is dropped, or NULL when it links: a CASE over `raw` (as read) and `norm`
 * (as normalised, NULL when invalid). Junk is checked on both, so '000-000-0000' counts as junk
 * rather than as an invalid number.
 */
export function dropReasonSql(
  d: Dialect,
  type: IdTypePlan,
  raw: string,
  norm: string,
  block: BlocklistSql,
  useDefaults: boolean,
  rawClean = `LOWER(TRIM(${raw}))`,
): string {
  // One regex per check (alternatives joined), so each value is scanned once.
  const oneRegex = (expr: string, patterns: readonly string[]) => (patterns.length ? d.regexMatches(expr, patterns.map((p) => `(${p})`).join('|')) : null);
  // `lowered`: the expression is lower case already (no LOWER() evaluated again per value).
  const junkParts = (expr: string, lowered: boolean, extra: readonly string[] = []): Array<string | null> =>
    useDefaults ? [inList(d, lowered ? expr : `LOWER(${expr})`, DEFAULT_JUNK_VALUES), oneRegex(expr, [...DEFAULT_JUNK_PATTERNS, ...extra])] : [];
  const kindPatterns = useDefaults ? (DEFAULT_JUNK_BY_KIND[type.normalize] ?? []) : [];
  // For trim and lower the normalised value is the cleaned raw value: checking it once is enough.
  const junkRaw = type.normalize === 'trim' || type.normalize === 'lower' ? 'FALSE' : anyOf(junkParts(rawClean, true));
  // Email and lower values are lower-cased by their normaliser; a phone number is '+' and digits.
  const normLowered = type.normalize === 'email' || type.normalize === 'lower' || type.normalize === 'phone';
  const junkNorm = anyOf(junkParts(norm, normLowered, kindPatterns));
  const blockedRaw = anyOf([inList(d, rawClean, block.exactRaw.map((v) => v.trim().toLowerCase()))]);
  const blockedNorm = anyOf([inList(d, norm, block.exactNormalized), ...block.regexes.map((p) => d.regexMatches(norm, p))]);
  return (
    `CASE WHEN ${junkRaw} THEN 'junk' WHEN ${blockedRaw} THEN 'blocklist' WHEN ${norm} IS NULL THEN 'invalid' ` +
    `WHEN ${junkNorm} THEN 'junk' WHEN ${blockedNorm} THEN 'blocklist' END`
  );
}
