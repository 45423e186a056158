import type { DestinationType, SyncDetail } from './types';

/** One field mapping as the API takes it and answers it (`mappings` of a sync): the sync files' schema. */
export type FieldMapping = SyncDetail['mappings'][string];
export type ValueFormat = Extract<FieldMapping, { as: unknown }>['as'];
type Prefer = Extract<FieldMapping, { identifier: string }>['prefer'];

export const VALUE_FORMATS: readonly ValueFormat[] = ['date', 'datetime', 'month_day'];
export const FORMAT_HELP: Record<ValueFormat, string> = { date: 'YYYY-MM-DD', datetime: 'ISO 8601, UTC', month_day: 'MM/DD' };
export const PREFER_HELP = { most_recent: 'most recent', most_frequent: 'most frequent', sources: 'from these sources first' } as const;
export type PreferChoice = keyof typeof PREFER_HELP;

/** A row of the editor's mapping table: a destination field and what it sends. */
export interface MappingRow {
  id: number;
  field: string;
  /** A column of the audience, or the profile's preferred identifier from the identity graph. */
  kind: 'column' | 'identifier';
  column: string;
  /** `{ column, as }`: '' sends the column as it is (the vendor field's own format, if any). */
  as: ValueFormat | '';
  idType: string;
  prefer: PreferChoice;
  /** `prefer: { sources }`, comma-separated as typed. */
  sources: string;
}

let rowIds = 0;

export function newRow(field = '', column = ''): MappingRow {
  return { id: ++rowIds, field, kind: 'column', column, as: '', idType: '', prefer: 'most_recent', sources: '' };
}

/** The rows of a stored sync's mappings (what GET /api/syncs/:name answers as written). */
export function rowsOf(mappings: Record<string, FieldMapping>): MappingRow[] {
  return Object.entries(mappings).map(([field, mapping]) => {
    const row = newRow(field);
    if (typeof mapping === 'string') return { ...row, column: mapping };
    if ('column' in mapping) return { ...row, column: mapping.column, as: mapping.as };
    const { prefer } = mapping;
    return typeof prefer === 'string' ? { ...row, kind: 'identifier', idType: mapping.identifier, prefer } : { ...row, kind: 'identifier', idType: mapping.identifier, prefer: 'sources', sources: prefer.sources.join(', ') };
  });
}

function sourcesOf(row: MappingRow): string[] {
  return row.sources
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The mapping a row sends: a column, `{ column, as }` or `{ identifier, prefer }`. */
export function mappingOf(row: MappingRow): FieldMapping {
  if (row.kind === 'column') return row.as ? { column: row.column, as: row.as } : row.column;
  const prefer: Prefer = row.prefer === 'sources' ? { sources: sourcesOf(row) } : row.prefer;
  return { identifier: row.idType, prefer };
}

/** What is missing in a row before it can be saved, in the editor's words (the API checks the rest). */
export function rowProblem(row: MappingRow, rows: readonly MappingRow[]): string | null {
  if (!row.field.trim()) return 'Name the destination field, or remove the row.';
  if (rows.find((r) => r.field === row.field) !== row) return `${row.field} is mapped twice: map each destination field once.`;
  if (row.kind === 'column' && !row.column) return 'Pick the column to send.';
  if (row.kind === 'identifier' && !row.idType.trim()) return 'Pick the identifier type to send.';
  if (row.kind === 'identifier' && row.prefer === 'sources' && sourcesOf(row).length === 0) return 'List the sources to prefer, e.g. crm_contacts, orders.';
  return null;
}

/**
 * The formats a destination field may be sent in (`as`), or none when the vendor documents it as
 * something other than a date. A date field whose format the vendor fixes takes only that one;
 * fields the vendor does not list (custom properties) take any (only the sync knows their type).
 */
export function formatsFor(type: DestinationType | undefined, field: string): readonly ValueFormat[] {
  const known = type?.fields?.find((f) => f.name === field);
  if (!known) return VALUE_FORMATS;
  if (known.type !== 'date') return [];
  return known.format ? [known.format] : VALUE_FORMATS;
}
