/**
 * State-store times are epoch milliseconds in BIGINT columns: compared the same way on SQLite and
 * Postgres (which returns BIGINT as a string, hence the conversion).
 */
export function toMs(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.getTime();
  return Number.NaN;
}

export function toMsOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toMs(value);
}

export function isoOrNull(value: unknown): string | null {
  const ms = toMsOrNull(value);
  return ms === null ? null : new Date(ms).toISOString();
}
