import { CdpError } from '../errors.js';

/**
 * RFC 4180 CSV: fields separated by `delimiter`, quoted with `"` (a doubled `""` inside), records
 * ending with LF or CRLF. Returns the header and the records as text; an empty field is ''.
 */
export function parseCsv(text: string, file: string, delimiter = ','): { header: string[]; rows: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    record.push(field);
    if (!(record.length === 1 && record[0] === '')) {
      records.push(record);
      lines.push(recordLine);
    }
    record = [];
    field = '';
    recordLine = line;
  };
  for (; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field === '') quoted = true;
    else if (char === delimiter) {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      line++;
      endRecord();
    } else field += char;
  }
  if (quoted) throw new CdpError('MODEL_PARSE', 'unterminated quoted field', { location: { file, line: recordLine }, hint: 'close the quote with "' });
  if (field !== '' || record.length) endRecord();
  const [header, ...rows] = records;
  if (!header) throw new CdpError('MODEL_PARSE', 'the seed file is empty', { location: { file, line: 1 }, hint: 'a seed is a CSV file with a header row' });
  rows.forEach((row, r) => {
    if (row.length !== header.length) {
      throw new CdpError('MODEL_PARSE', `row has ${row.length} fields, the header has ${header.length}`, { location: { file, line: lines[r + 1] }, hint: 'quote fields that contain the delimiter' });
    }
  });
  return { header, rows, lines: lines.slice(1) };
}
