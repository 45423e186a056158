import type { Dialect } from '../warehouse/index.js';

/**
 * SQL for a fingerprint of some fields' values, computed in the warehouse for every current row of
 * every run, so its cost is most of what planning an unchanged audience costs. Hashes are compared
 * only within one warehouse and only to detect changes (no adversary), so each engine uses its
 * cheapest hash:
 * - where the Dialect has a fast hash of typed values (`valuesHash`: DuckDB's `hash()`), the
 *   fingerprint is `h` and that 64-bit hash of the field names and the values themselves, with no
 *   text built per row (0.13 against 1.5 CPU s per million rows of three fields on DuckDB);
 * - elsewhere, the MD5 of a canonical text where each field (in name order) contributes
 *   `<len>:<name>=` and then `N` for NULL or `V<len>:<value as text>`: length prefixes make the
 *   encoding injective, so two different sets of values never share the text.
 *
 * The MD5 form (32 hex digits) is also what every state row written before fast hashes holds:
 * `fingerprintDiffers` compares such a row with the MD5 of the current values, so an upgrade sends
 * nothing again. A hash that changes with an engine upgrade makes rows look changed: they are
 * sent again, never skipped.
 */

type Field = { name: string; expr: string };

const byName = (fields: readonly Field[]): Field[] => [...fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** Marks fingerprints of the fast hash (never the first character of an MD5 in hex). */
const FAST_TAG = 'h';
/** Length of an MD5 fingerprint (hex); fast ones are at most 21 characters. */
const MD5_LENGTH = 32;

/** The fingerprint of the fields' values: the fast hash where the engine has one, else MD5. */
export function fieldsHashSql(dialect: Dialect, fields: readonly Field[]): string {
  if (fields.length === 0) return dialect.literal('');
  if (!dialect.valuesHash) return md5FieldsHashSql(dialect, fields);
  const sorted = byName(fields);
  // The names are hashed too: a field renamed (same column) is a change for the destination.
  const names = dialect.literal(sorted.map(({ name }) => `${name.length}:${name}`).join(','));
  return dialect.concat(dialect.literal(FAST_TAG), dialect.valuesHash([names, ...sorted.map((f) => f.expr)]));
}

/** The MD5 fingerprint of a canonical text of the fields' values (the only one before fast hashes). */
export function md5FieldsHashSql(dialect: Dialect, fields: readonly Field[]): string {
  if (fields.length === 0) return dialect.literal('');
  const str = (e: string) => dialect.cast(e, 'string');
  const pieces = byName(fields).flatMap(({ name, expr }) => [
    dialect.literal(`${name.length}:${name}=`),
    `CASE WHEN ${expr} IS NULL THEN 'N' ELSE ${dialect.concat("'V'", str(dialect.length(str(expr))), "':'", str(expr))} END`,
  ]);
  return dialect.md5Hex(dialect.concat(...pieces));
}

/**
 * SQL TRUE when `stored` (a fingerprint in the state) is not the fingerprint of the fields'
 * current values, `current` (fieldsHashSql of them, computed already). A stored MD5 fingerprint
 * is compared with the MD5 of `fields`, computed only for those rows. NULL when `stored` is NULL,
 * like a plain `<>`.
 */
export function fingerprintDiffers(dialect: Dialect, current: string, stored: string, fields: readonly Field[]): string {
  if (fields.length === 0 || !dialect.valuesHash) return `${current} <> ${stored}`;
  return `(CASE WHEN ${dialect.length(stored)} = ${MD5_LENGTH} THEN ${md5FieldsHashSql(dialect, fields)} <> ${stored} ELSE ${current} <> ${stored} END)`;
}
