/** RFC 4180 CSV: fields with commas, quotes, line breaks or edge spaces quoted, quotes doubled; CRLF line ends. */

/** One value as CSV text: dates as ISO 8601, objects as JSON, null as empty. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return String(value);
}

function field(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Text a spreadsheet would run as a formula (`=HYPERLINK(...)`): such strings get a leading `'`. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A CSV line (with CRLF). With `forSpreadsheets`, text values that start like a formula are
 * prefixed with `'` (OWASP CSV injection): a member's name must not run in the reader's Excel.
 */
export function csvLine(values: readonly unknown[], options: { forSpreadsheets?: boolean } = {}): string {
  return (
    values
      .map((value) => {
        const text = csvCell(value);
        return field(options.forSpreadsheets && typeof value === 'string' && FORMULA_START.test(text) ? `'${text}` : text);
      })
      .join(',') + '\r\n'
  );
}
