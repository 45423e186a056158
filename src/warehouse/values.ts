/**
 * Values read from any engine are normalised the same way: integers that fit in a double become
 * numbers (bigint only beyond 2^53), so callers never see engine-specific representations.
 */
export function normalizeValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  return value;
}

export function normalizeRow<T extends Record<string, unknown>>(row: Record<string, unknown>): T {
  for (const key of Object.keys(row)) row[key] = normalizeValue(row[key]);
  return row as T;
}
