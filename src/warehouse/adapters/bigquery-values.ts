/**
 * Values between Node and the BigQuery REST API: query parameters out, result rows in, NDJSON
 * for load jobs. Rows are parsed here from the API's raw `{f: [{v}]}` form (the client's own
 * parsing would turn INT64 into lossy numbers), so they come back as every adapter returns them:
 * INT64 as number (bigint beyond 2^53), TIMESTAMP/DATE/DATETIME as Date.
 */
import type { ColumnDef, ColumnKind, Row } from '../types.js';
import { normalizeValue } from '../values.js';

/** A field of a result or table schema, as the API describes it. */
export interface BigQueryField {
  name: string;
  type: string;
  mode?: string;
  fields?: BigQueryField[];
}

export interface QueryParameter {
  name: string;
  parameterType: { type: string };
  parameterValue: { value?: string };
}

/** `@p1, @p2, ...` from positional values; the type follows the JS value (null is a NULL STRING). */
export function queryParameters(values: readonly unknown[]): QueryParameter[] {
  return values.map((value, index) => {
    const name = `p${index + 1}`;
    if (value === null || value === undefined) return { name, parameterType: { type: 'STRING' }, parameterValue: {} };
    if (typeof value === 'boolean') return { name, parameterType: { type: 'BOOL' }, parameterValue: { value: String(value) } };
    if (typeof value === 'bigint') return { name, parameterType: { type: 'INT64' }, parameterValue: { value: value.toString() } };
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { name, parameterType: { type: 'FLOAT64' }, parameterValue: { value: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' } };
      return { name, parameterType: { type: Number.isInteger(value) ? 'INT64' : 'FLOAT64' }, parameterValue: { value: String(value) } };
    }
    if (value instanceof Date) return { name, parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: timestampText(value) } };
    if (typeof value === 'string') return { name, parameterType: { type: 'STRING' }, parameterValue: { value } };
    return { name, parameterType: { type: 'STRING' }, parameterValue: { value: JSON.stringify(value) } };
  });
}

/** `2024-01-02 03:04:05.678+00:00`: the canonical timestamp text BigQuery parses. */
function timestampText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '+00:00');
}

/** Rows of a getQueryResults/tabledata page, keyed by column name. */
export function parseRows(fields: readonly BigQueryField[], rows: ReadonlyArray<{ f: Array<{ v: unknown }> }>): Row[] {
  return rows.map((row) => parseRecord(fields, row));
}

function parseRecord(fields: readonly BigQueryField[], row: { f: Array<{ v: unknown }> }): Row {
  const out: Row = {};
  fields.forEach((field, index) => {
    const cell = row.f[index]?.v ?? null;
    out[field.name] = field.mode === 'REPEATED' && Array.isArray(cell) ? cell.map((item: { v: unknown }) => parseValue(field, item.v)) : parseValue(field, cell);
  });
  return out;
}

function parseValue(field: BigQueryField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'INTEGER':
    case 'INT64':
      return normalizeValue(BigInt(String(value)));
    case 'FLOAT':
    case 'FLOAT64':
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return Number(value);
    case 'BOOLEAN':
    case 'BOOL':
      return String(value).toLowerCase() === 'true';
    case 'TIMESTAMP':
      // formatOptions.useInt64Timestamp: microseconds since the epoch.
      return /^-?\d+$/.test(String(value)) ? new Date(Number(BigInt(String(value)) / 1000n)) : new Date(Number(value) * 1000);
    case 'DATE':
      return new Date(`${String(value)}T00:00:00Z`);
    case 'DATETIME':
      return new Date(`${String(value).replace(' ', 'T')}Z`);
    case 'BYTES':
      return Buffer.from(String(value), 'base64');
    case 'RECORD':
    case 'STRUCT':
      return parseRecord(field.fields ?? [], value as { f: Array<{ v: unknown }> });
    default:
      return value; // STRING, JSON (text), TIME, GEOGRAPHY, INTERVAL: as the API writes them
  }
}

/** The engine type name of a schema field (ARRAY<...> for repeated fields). */
export function fieldTypeName(field: BigQueryField): string {
  const base = field.type === 'RECORD' ? 'STRUCT' : field.type;
  return field.mode === 'REPEATED' ? `ARRAY<${base}>` : base;
}

/** The load-job schema for columns of these kinds. */
export function loadSchema(columns: readonly ColumnDef[], typeName: (kind: Exclude<ColumnKind, 'other'>) => string): BigQueryField[] {
  return columns.map((c) => ({ name: c.name, type: typeName(c.kind), mode: 'NULLABLE' }));
}

/** One NDJSON line of a load job: values as BigQuery's JSON loader reads them. */
export function ndjsonLine(columns: readonly ColumnDef[], row: readonly unknown[]): string {
  const record: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const value = row[i];
    if (value === null || value === undefined) return;
    record[column.name] = jsonValue(column.kind, value);
  });
  return JSON.stringify(record);
}

function jsonValue(kind: ColumnDef['kind'], value: unknown): unknown {
  switch (kind) {
    case 'integer':
      // Quoted: INT64 beyond 2^53 stays exact.
      if (typeof value === 'bigint') return value.toString();
      return typeof value === 'number' ? BigInt(Math.trunc(value)).toString() : String(value);
    case 'number':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'timestamp':
      return (value instanceof Date ? value : new Date(String(value))).toISOString();
    case 'date':
      return (value instanceof Date ? value : new Date(String(value))).toISOString().slice(0, 10);
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'string':
      return String(value);
  }
}
