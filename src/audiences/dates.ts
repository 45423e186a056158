/**
 * Date values in conditions. A date-only value (`2024-01-31`) stands for that whole UTC day, so
 * `before 2024-01-31` means "before the day starts", `after 2024-01-31` "after the day ends" and
 * `between [2024-01-01, 2024-01-31]` includes all of January 31. A timestamp value is an instant;
 * one without a zone is UTC, like every timestamp we keep.
 */
export interface DateValue {
  /** The instant, or the start of the day. */
  start: Date;
  /** The instant, or the start of the next day (exclusive). */
  end: Date;
  dateOnly: boolean;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseDateValue(text: string): DateValue | undefined {
  const trimmed = text.trim();
  const day = DATE_ONLY.exec(trimmed);
  if (day) {
    const start = new Date(`${trimmed}T00:00:00.000Z`);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== trimmed) return undefined;
    return { start, end: new Date(start.getTime() + 86_400_000), dateOnly: true };
  }
  const parts = TIMESTAMP.exec(trimmed);
  if (!parts) return undefined;
  const [, date, hm, seconds, fraction, zone] = parts;
  const ms = fraction ? fraction.slice(0, 4).padEnd(4, '0') : '.000';
  let offset = zone ?? 'Z';
  if (/^[+-]\d{2}$/.test(offset)) offset += ':00';
  else if (/^[+-]\d{4}$/.test(offset)) offset = `${offset.slice(0, 3)}:${offset.slice(3)}`;
  const instant = new Date(`${date}T${hm}${seconds ?? ':00'}${ms}${offset.toUpperCase()}`);
  if (Number.isNaN(instant.getTime())) return undefined;
  return { start: instant, end: instant, dateOnly: false };
}

export const DATE_HINT = 'write a date like 2024-01-31 or a timestamp like 2024-01-31T12:00:00Z';
