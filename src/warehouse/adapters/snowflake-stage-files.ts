/**
 * Rows to gzip'ed CSV files for Snowflake's bulk path (PUT to a stage, then COPY INTO): what
 * Snowflake recommends for loading, instead of INSERTs with bound values. Files are written as
 * rows stream in (bounded memory: one batch of text at a time) and rotated every
 * `ROWS_PER_FILE` rows, so COPY loads them in parallel.
 *
 * The CSV matches the FILE_FORMAT in `STAGE_FILE_FORMAT`: every non-null value is enclosed in
 * double quotes (quotes doubled), NULL is an empty unenclosed field (EMPTY_FIELD_AS_NULL) and
 * `""` is the empty string; NULL_IF is emptied so a text '\N' or 'NULL' stays text.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createGzip, type Gzip } from 'node:zlib';
import type { ColumnDef } from '../types.js';
import { ntzText } from './snowflake-values.js';

export const STAGE_FILE_FORMAT = `FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = ',' FIELD_OPTIONALLY_ENCLOSED_BY = '"' COMPRESSION = GZIP EMPTY_FIELD_AS_NULL = TRUE NULL_IF = () ESCAPE_UNENCLOSED_FIELD = NONE)`;

const ROWS_PER_FILE = 250_000;

export interface StagedFiles {
  dir: string;
  files: number;
  rows: number;
  remove(): Promise<void>;
}

/** One CSV field: `""`-escaped text in quotes, or nothing for NULL. */
export function csvField(column: ColumnDef, value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (column.kind === 'timestamp' || column.kind === 'date') {
    const date = value instanceof Date ? value : new Date(String(value));
    text = column.kind === 'date' ? date.toISOString().slice(0, 10) : ntzText(date);
  } else if (column.kind === 'json') text = typeof value === 'string' ? value : JSON.stringify(value);
  else if (value instanceof Date) text = ntzText(value);
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

/** Writes the rows to gzip'ed CSV files in a fresh temporary folder. */
export async function writeStageFiles(columns: readonly ColumnDef[], rows: AsyncIterable<readonly unknown[][]> | Iterable<readonly unknown[][]>): Promise<StagedFiles> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cdp-snowflake-load-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  let file: { gzip: Gzip; out: WriteStream } | null = null;
  let files = 0;
  let rowsInFile = 0;
  let total = 0;
  const close = async () => {
    if (!file) return;
    const { gzip, out } = file;
    file = null;
    gzip.end();
    await once(out, 'finish');
  };
  try {
    for await (const batch of rows) {
      let text = '';
      for (const row of batch) {
        if (!file) {
          const gzip = createGzip();
          const out = createWriteStream(path.join(dir, `part-${String(files++).padStart(5, '0')}.csv.gz`), { mode: 0o600 });
          gzip.pipe(out);
          file = { gzip, out };
        }
        text += `${columns.map((c, i) => csvField(c, row[i])).join(',')}\n`;
        total++;
        if (++rowsInFile >= ROWS_PER_FILE) {
          await write(file, text);
          text = '';
          rowsInFile = 0;
          await close();
        }
      }
      if (file && text) await write(file, text);
    }
    await close();
    return { dir, files, rows: total, remove };
  } catch (error) {
    await close().catch(() => undefined);
    await remove();
    throw error;
  }
}

async function write(file: { gzip: Gzip }, text: string): Promise<void> {
  if (!file.gzip.write(text)) await once(file.gzip, 'drain');
}
