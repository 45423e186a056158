/**
 * Values between Node and snowflake-sdk. Binds are text, numbers or booleans (timestamps as UTC
 * wall-clock text for TIMESTAMP_NTZ, big integers as text); rows come back with column names as
 * our code writes them (`EVENT_ID` -> `event_id`, see foldSnowflakeName) and values as every
 * adapter returns them (integers as number, bigint beyond 2^53; timestamps as Date).
 */
import { unfoldSnowflakeName } from '../dialects/snowflake.js';
import type { Row } from '../types.js';
import { normalizeValue } from '../values.js';

export type SnowflakeBind = string | number | boolean | null;

/** `2024-01-02 03:04:05.678`: UTC wall-clock time, what TIMESTAMP_NTZ holds. */
export function ntzText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

export function toBind(value: unknown): SnowflakeBind {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return ntzText(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

export function normalizeSnowflakeRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [name, value] of Object.entries(row)) out[unfoldSnowflakeName(name)] = normalizeSnowflakeValue(value);
  return out;
}

function normalizeSnowflakeValue(value: unknown): unknown {
  // TIMESTAMP_* and DATE arrive as the SDK's SfDate (a Date with extra methods): plain Dates out.
  if (value instanceof Date) return new Date(value.getTime());
  // Integers (JS_TREAT_INTEGER_AS_BIGINT) arrive as big-integer objects wrapping a bigint.
  if (typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'bigint') {
    return normalizeValue((value as { value: bigint }).value);
  }
  return normalizeValue(value);
}

/** The type name our columnKind understands, from information_schema.columns. */
export function snowflakeTypeName(dataType: string, precision: unknown, scale: unknown): string {
  const type = dataType.toUpperCase();
  if (type === 'NUMBER' || type === 'FIXED') return `NUMBER(${Number(precision ?? 38)},${Number(scale ?? 0)})`;
  return type;
}
