import { z } from 'zod';

/** The values a condition compares with, shared by the definition schema and the operators. */

export type ScalarValue = string | number | boolean;
export type Duration = { days: number } | { hours: number };

/** Beyond 10^21 a double prints in exponent form and no longer compares exactly; the builder refuses it too. */
const MAX_MAGNITUDE = 1e21;
const numberSchema = z
  .number()
  .finite()
  .refine((n) => Math.abs(n) < MAX_MAGNITUDE, 'a number below 10^21 (larger ones cannot be compared exactly)');

export const scalarSchema = z.union([z.string(), numberSchema, z.boolean()]);
const positive = z.number().int('a whole number').positive('a positive number');

export const durationSchema: z.ZodType<Duration> = z.union([
  z.object({ days: positive }).strict(),
  z.object({ hours: positive }).strict(),
]);

export const dateStringSchema = z.string().min(1, 'a date like 2024-01-31 or a timestamp like 2024-01-31T12:00:00Z');

/** "3 days", "1 hour". */
export function durationLabel(d: Duration): string {
  const [n, unit] = 'days' in d ? [d.days, 'day'] : [d.hours, 'hour'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A value as describe() shows it: strings quoted. */
export function valueLabel(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}
