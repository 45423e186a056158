import type { Dialect } from '../../warehouse/index.js';
import type { Subject } from './subject.js';

/**
 * The values a sync may have used as its row key for the person: profile ids (audience syncs),
 * earlier profile ids (before a merge) and identifier values (model syncs keyed by e.g. email).
 * Lower-cased and trimmed: a model holds the value as it was written.
 */
export function candidateKeys(subject: Subject): string[] {
  const keys = [...subject.profileIds, ...subject.formerProfileIds, ...subject.derivedProfileIds, ...subject.identifiers.map((i) => i.value), subject.input];
  return [...new Set(keys.map((k) => k.trim().toLowerCase()).filter((k) => k.length > 0))];
}

/** `column` (a sync key) matches one of `keys` (already trimmed and lower-cased). */
export function keyMatchSql(d: Dialect, column: string, keys: readonly string[]): string {
  return `LOWER(TRIM(${column})) IN (${keys.map((k) => d.literal(k)).join(', ')})`;
}
