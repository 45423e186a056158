/** Text tables for the terminal: every command prints its lists the same way. */

export type Align = 'left' | 'right';

/** How a cell is aligned, by its column and its text (the header and the rule included). */
export type AlignRule = (column: number, cell: string) => Align;

/** Right-aligns the columns marked true (numbers), left-aligns the rest. */
export const rightAligned =
  (columns: readonly boolean[]): AlignRule =>
  (column) =>
    columns[column] ? 'right' : 'left';

/** Columns padded to their widest cell, two spaces apart, under the header and a rule of dashes. */
export function tableLines(header: readonly string[], rows: readonly (readonly string[])[], align: AlignRule = () => 'left'): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell = '', i) => (align(i, cell) === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** `tableLines` as one text. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align?: AlignRule): string {
  return tableLines(header, rows, align).join('\n');
}

/** A count with thousands separators, as every command prints counts. */
export const formatCount = (value: number): string => value.toLocaleString('en-US');
