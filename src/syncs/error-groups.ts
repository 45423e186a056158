import type { RowError } from '../state/index.js';

/** Rows that failed for one reason: the reason once, how many rows, and a few of their keys. */
export interface RowErrorGroup {
  error: string;
  status: RowError['status'];
  rows: number;
  keys: string[];
}

/**
 * Row errors grouped by reason, most frequent first: 17 rows refused for "invalid email" are one
 * line with a count of 17, not 17 lines.
 */
export function groupRowErrors(errors: readonly RowError[], keysPerGroup = 3): RowErrorGroup[] {
  const groups = new Map<string, RowErrorGroup>();
  for (const e of errors) {
    const id = `${e.status}\u0000${e.error}`;
    const group = groups.get(id) ?? { error: e.error, status: e.status, rows: 0, keys: [] };
    group.rows += 1;
    if (group.keys.length < keysPerGroup) group.keys.push(e.key);
    groups.set(id, group);
  }
  return [...groups.values()].sort((a, b) => b.rows - a.rows);
}
