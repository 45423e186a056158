/**
 * The tables (and BigQuery-only functions) ZetaSQL resolves names against. A sequence of
 * statements is checked the way BigQuery would run it: each CREATE ... AS SELECT adds the table
 * with the columns ZetaSQL resolved for it, DROP removes it, ALTER TABLE RENAME renames it; so a
 * statement reading a scratch table built two statements earlier is checked against its real
 * columns and types.
 */
import type { ColumnKind } from '../../src/warehouse/index.js';
import type { Analysis, AnalyzedColumn } from './zetasql.js';

const KIND_TYPES: Record<Exclude<ColumnKind, 'other'>, string> = {
  string: 'TYPE_STRING',
  integer: 'TYPE_INT64',
  number: 'TYPE_DOUBLE',
  boolean: 'TYPE_BOOL',
  timestamp: 'TYPE_TIMESTAMP',
  date: 'TYPE_DATE',
  json: 'TYPE_JSON',
};

export function zetaType(kind: ColumnKind): string {
  if (kind === 'other') throw new Error('a column of kind other has no ZetaSQL type here');
  return KIND_TYPES[kind];
}

/** An array type as AnalyzedColumn writes it: `TYPE_ARRAY<element>`. */
export function zetaArrayType(element: string): string {
  return `TYPE_ARRAY<${element}>`;
}

/**
 * A catalog column of a DuckDB column, or none for a type ZetaSQL is not given here. Lists of
 * timestamps (the audience base's times of recent events, `TIMESTAMP[]`) are ARRAY<TIMESTAMP>.
 */
export function zetaColumn(c: { name: string; kind: ColumnKind; type?: string }): AnalyzedColumn | undefined {
  if (c.kind !== 'other') return { name: c.name, type: zetaType(c.kind) };
  return /^TIMESTAMP\[\]$/i.test(c.type ?? '') ? { name: c.name, type: zetaArrayType('TYPE_TIMESTAMP') } : undefined;
}

/** The TypeProto of an AnalyzedColumn type. */
function typeProto(type: string): Record<string, unknown> {
  const array = /^TYPE_ARRAY<(.+)>$/.exec(type);
  return array ? { typeKind: 'TYPE_ARRAY', arrayType: { elementType: typeProto(array[1]!) } } : { typeKind: type };
}

type FixedArg = { kind: 'ARG_TYPE_FIXED'; type: { typeKind: string }; numOccurrences: 1 };
const arg = (typeKind: string): FixedArg => ({ kind: 'ARG_TYPE_FIXED', type: { typeKind }, numOccurrences: 1 });

/**
 * Functions BigQuery has that this ZetaSQL build lacks, with their documented signatures
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/string_functions#edit_distance),
 * and the UDFs our BigQuery adapter creates in the cdp_functions dataset.
 */
const BIGQUERY_EXTRA_FUNCTIONS = [
  { path: ['EDIT_DISTANCE'], signatures: [[['TYPE_STRING', 'TYPE_STRING'], 'TYPE_INT64'], [['TYPE_BYTES', 'TYPE_BYTES'], 'TYPE_INT64']] },
] as const;
const ADAPTER_UDFS = [{ dataset: 'cdp_functions', name: 'jaro_winkler', args: ['TYPE_STRING', 'TYPE_STRING'], returns: 'TYPE_DOUBLE' }] as const;

/** INFORMATION_SCHEMA views every dataset has (the columns our code reads). */
const INFORMATION_SCHEMA: Record<string, AnalyzedColumn[]> = {
  TABLES: ['table_catalog', 'table_schema', 'table_name', 'table_type', 'is_insertable_into', 'ddl']
    .map((name) => ({ name, type: 'TYPE_STRING' }))
    .concat([{ name: 'creation_time', type: 'TYPE_TIMESTAMP' }]),
  COLUMNS: ['table_catalog', 'table_schema', 'table_name', 'column_name', 'is_nullable', 'data_type']
    .map((name) => ({ name, type: 'TYPE_STRING' }))
    .concat([{ name: 'ordinal_position', type: 'TYPE_INT64' }]),
};

export class BigQueryCatalog {
  /** dataset -> table -> columns. */
  private readonly datasets = new Map<string, Map<string, AnalyzedColumn[]>>();

  addTable(dataset: string, table: string, columns: AnalyzedColumn[]): void {
    if (!this.datasets.has(dataset)) this.datasets.set(dataset, new Map());
    this.datasets.get(dataset)!.set(table, columns);
  }

  /** A relation as DuckDB built it (columns of kind other are left out, lists of timestamps aside). */
  addCreated(relation: { schema: string; name: string; columns: Array<{ name: string; kind: ColumnKind; type?: string }> }): void {
    this.addTable(relation.schema, relation.name, relation.columns.flatMap((c) => zetaColumn(c) ?? []));
  }

  hasTable(dataset: string, table: string): boolean {
    return this.datasets.get(dataset)?.has(table) ?? false;
  }

  tables(): Array<{ dataset: string; table: string; columns: AnalyzedColumn[] }> {
    return [...this.datasets].flatMap(([dataset, tables]) => [...tables].map(([table, columns]) => ({ dataset, table, columns })));
  }

  clone(): BigQueryCatalog {
    const copy = new BigQueryCatalog();
    for (const { dataset, table, columns } of this.tables()) copy.addTable(dataset, table, [...columns]);
    return copy;
  }

  /** Records what a successfully analyzed statement did to the catalog. */
  apply(analysis: Extract<Analysis, { ok: true }>): void {
    const path = namePath(analysis.node);
    switch (analysis.kind) {
      case 'resolvedCreateTableAsSelectStmtNode':
      case 'resolvedCreateViewStmtNode':
        if (path) this.addTable(path.at(-2)!, path.at(-1)!, analysis.columns);
        break;
      case 'resolvedCreateTableStmtNode':
        if (path) this.addTable(path.at(-2)!, path.at(-1)!, columnDefinitions(analysis.node));
        break;
      case 'resolvedCreateSchemaStmtNode':
        if (path && !this.datasets.has(path.at(-1)!)) this.datasets.set(path.at(-1)!, new Map());
        break;
      case 'resolvedDropStmtNode':
        if (path) this.datasets.get(path.at(-2)!)?.delete(path.at(-1)!);
        break;
      case 'resolvedAlterTableStmtNode': {
        const newPath = findValue(analysis.node, 'newPath');
        if (path && Array.isArray(newPath)) {
          const tables = this.datasets.get(path.at(-2)!);
          const columns = tables?.get(path.at(-1)!);
          if (tables && columns) {
            tables.delete(path.at(-1)!);
            tables.set(String(newPath.at(-1)), columns);
          }
        }
        break;
      }
    }
  }

  /** The SimpleCatalogProto the analyzer takes. */
  toProto(languageOptions: Record<string, unknown>): Record<string, unknown> {
    const table = (name: string, columns: AnalyzedColumn[]) => ({
      name,
      column: columns.map((c) => ({ name: c.name, type: typeProto(c.type) })),
    });
    const datasets = new Map(this.datasets);
    for (const udf of ADAPTER_UDFS) if (!datasets.has(udf.dataset)) datasets.set(udf.dataset, new Map());
    return {
      name: 'bigquery',
      catalog: [...datasets].map(([dataset, tables]) => ({
        name: dataset,
        table: [...tables].map(([name, columns]) => table(name, columns)),
        catalog: [{ name: 'INFORMATION_SCHEMA', table: Object.entries(INFORMATION_SCHEMA).map(([name, columns]) => table(name, columns)) }],
        customFunction: ADAPTER_UDFS.filter((udf) => udf.dataset === dataset).map((udf) => ({
          namePath: [udf.name],
          group: 'cdp',
          mode: 'SCALAR',
          signature: [{ argument: udf.args.map(arg), returnType: arg(udf.returns) }],
        })),
      })),
      builtinFunctionOptions: { languageOptions },
      customFunction: BIGQUERY_EXTRA_FUNCTIONS.map((fn) => ({
        namePath: [...fn.path],
        group: 'BigQuery',
        mode: 'SCALAR',
        signature: fn.signatures.map(([args, returns]) => ({ argument: args.map(arg), returnType: arg(returns) })),
      })),
    };
  }
}

function namePath(node: Record<string, unknown>): string[] | undefined {
  const path = findValue(node, 'namePath');
  return Array.isArray(path) && path.length >= 2 ? path.map(String) : undefined;
}

function columnDefinitions(node: Record<string, unknown>): AnalyzedColumn[] {
  const list = findValue(node, 'columnDefinitionList');
  if (!Array.isArray(list)) return [];
  const names = new Map<number, string>(
    Object.entries(TYPE_KIND_NUMBERS).map(([name, value]) => [value, name]),
  );
  return list.map((entry) => {
    const def = entry as { name: string; type: { typeKind: number | string } };
    const kind = def.type.typeKind;
    return { name: def.name, type: typeof kind === 'number' ? (names.get(kind) ?? 'TYPE_UNKNOWN') : kind };
  });
}

const TYPE_KIND_NUMBERS: Record<string, number> = {
  TYPE_INT64: 2, TYPE_BOOL: 5, TYPE_DOUBLE: 7, TYPE_STRING: 8, TYPE_BYTES: 9, TYPE_DATE: 10,
  TYPE_TIMESTAMP: 19, TYPE_DATETIME: 21, TYPE_NUMERIC: 23, TYPE_JSON: 26,
};

/** Depth-first search for a key (parents before children). */
function findValue(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  if (key in value) return (value as Record<string, unknown>)[key];
  for (const child of Object.values(value)) {
    const found = findValue(child, key);
    if (found !== undefined) return found;
  }
  return undefined;
}
