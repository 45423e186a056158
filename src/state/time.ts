import { z } from 'zod';

/**
 * Timestamp columns come back as Date from Postgres (timestamptz) and as epoch milliseconds from
 * SQLite (knex writes Dates as numbers there). Repositories read them through this schema so
 * callers always get a Date.
 */
export const dateColumn = z.union([z.date(), z.number(), z.string(), z.bigint()]).transform((value, ctx) => {
  // Postgres hands BIGINT epoch milliseconds back as digit strings.
  const epoch = typeof value === 'bigint' || (typeof value === 'string' && /^\d+$/.test(value));
  const date = value instanceof Date ? value : new Date(epoch ? Number(value) : value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: `not a timestamp: ${String(value)}` });
    return z.NEVER;
  }
  return date;
});

/** Integer columns: Postgres returns BIGINT as a string, SQLite as a number. */
export const intColumn = z.union([z.number(), z.string(), z.bigint()]).transform((value) => Number(value));

/** A JSON text column (NULL gives `fallback`). */
export const jsonColumn = <T>(fallback: T) =>
  z
    .string()
    .nullable()
    .transform((text) => (text ? (JSON.parse(text) as T) : fallback));

/**
 * Epoch-millisecond columns (sessions, tokens, leases, job states, audit log) compare the same way
 * on SQLite and Postgres; Postgres returns BIGINT as a string, hence the conversion.
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
