/** Rows as CSV (RFC 4180) or JSON Lines. */

export type FileFormat = 'csv' | 'jsonl';

export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const v = toJsonValue(value);
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}

export function jsonLine(record: Record<string, unknown>): string {
  return `${JSON.stringify(record, (_key, value: unknown) => toJsonValue(value))}\n`;
}
