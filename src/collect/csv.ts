import { Rejected } from './errors.js';

/**
 * RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) → one object per row, keyed by the
 * header row. Values stay text: a webhook's CSV carries no types.
 */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (quoted) throw new Rejected('invalid_event', 400, 'the CSV body has an unterminated quoted field', 'body', 'close every quoted field');
  row.push(field);
  if (row.length > 1 || row[0] !== '') rows.push(row);
  const [header, ...data] = rows;
  if (!header) return [];
  if (new Set(header).size !== header.length || header.some((h) => h === '')) {
    throw new Rejected('invalid_event', 400, 'the CSV header row needs distinct, non-empty column names', 'body', 'name every column once in the first row');
  }
  return data.map((values, r) => {
    if (values.length !== header.length) {
      throw new Rejected('invalid_event', 400, `CSV row ${r + 2} has ${values.length} fields, the header ${header.length}`, `body[${r}]`, 'give every row as many fields as the header');
    }
    return Object.fromEntries(header.map((h, c) => [h, values[c]!]));
  });
}
