/**
 * How values cross the wire to and from Postgres, so rows look the same as DuckDB's:
 * int8 → number (bigint beyond 2^53), numeric → number, TIMESTAMP (without zone) → Date read as
 * UTC, DATE → Date at UTC midnight, JSON/JSONB → the JSON text (DuckDB returns JSON as text too).
 */
import pg from 'pg';
import type { ColumnDef } from '../types.js';
import { normalizeValue } from '../values.js';

type Parser = (text: string) => unknown;

const OID = { int8: 20, numeric: 1700, timestamp: 1114, timestamptz: 1184, date: 1082, json: 114, jsonb: 3802 } as const;

const parseTimestamptz = pg.types.getTypeParser(OID.timestamptz) as Parser;

function parseInt8(text: string): unknown {
  return normalizeValue(BigInt(text));
}

function parseNumeric(text: string): number {
  return Number(text); // 'NaN', 'Infinity' included
}

/** TIMESTAMP has no zone; the platform stores UTC wall-clock time in it, so read it as UTC. */
function parseTimestampUtc(text: string): unknown {
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text)) return new Date(`${text.replace(' ', 'T')}Z`);
  return parseTimestamptz(`${text}+00`); // BC years and the like; infinities are handled by pg's parser
}

function parseDateUtc(text: string): unknown {
  if (/^\d{4}-\d\d-\d\d$/.test(text)) return new Date(`${text}T00:00:00Z`);
  return text;
}

const parsers = new Map<number, Parser>([
  [OID.int8, parseInt8],
  [OID.numeric, parseNumeric],
  [OID.timestamp, parseTimestampUtc],
  [OID.date, parseDateUtc],
  [OID.json, (text) => text],
  [OID.jsonb, (text) => text],
]);

/** Type parsers for every query the adapter sends (passed per client and per cursor, never global). */
export const pgTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary') {
      const parser = parsers.get(oid);
      if (parser) return parser;
    }
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Bound parameters: Dates go as ISO-8601 UTC text (a TIMESTAMP column keeps the UTC wall clock,
 * a TIMESTAMPTZ reads the `Z`), bigints as decimal text; the rest as pg sends them.
 */
export function toPgParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One CSV field for COPY ... (FORMAT csv): unquoted empty is NULL, quoted "" is the empty string. */
export function csvField(value: unknown, kind: ColumnDef['kind']): string {
  if (value === null || value === undefined) return '';
  let text: string;
  switch (kind) {
    case 'timestamp':
      text = value instanceof Date ? value.toISOString() : String(value);
      break;
    case 'date':
      text = value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
      break;
    case 'json':
      text = typeof value === 'string' ? value : JSON.stringify(value);
      break;
    case 'boolean':
      text = value ? 'true' : 'false';
      break;
    default:
      text = typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | bigint);
  }
  return `"${text.replaceAll('"', '""')}"`;
}

export function csvLine(row: readonly unknown[], columns: readonly ColumnDef[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    if (i > 0) line += ',';
    line += csvField(row[i], columns[i]!.kind);
  }
  return `${line}\n`;
}
