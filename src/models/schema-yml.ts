import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { CdpError, formatPath } from '../errors.js';
import type { ProjectFile } from './discover.js';

/** dbt's four built-in generic tests; any other name is a `{% test %}` macro of the project or a package. */
export type SchemaTestKind = 'unique' | 'not_null' | 'accepted_values' | 'relationships';
const KINDS: readonly SchemaTestKind[] = ['unique', 'not_null', 'accepted_values', 'relationships'];
export const isBuiltinTest = (kind: string): kind is SchemaTestKind => (KINDS as readonly string[]).includes(kind);

/** One generic test applied to one column, as declared in a schema YAML file. */
export interface SchemaTest {
  /** dbt-style name, e.g. `not_null_orders_order_id`. */
  name: string;
  /** A built-in kind, or the name of a generic test macro (`expression_is_true`, `dbt_utils.at_least_one`). */
  kind: string;
  /** The tested model; for a test on a source, `<source>.<table>` (and `source` is set). */
  model: string;
  /** Set for a test declared on a source table in sources.yml. */
  source?: { source: string; table: string };
  /** The column the test is declared on; null for a model-level test (or a singular test). */
  column: string | null;
  file: string;
  line: number;
  /** `warn` tests report failures without failing `cdp test`. */
  severity: 'error' | 'warn';
  /** dbt's thresholds on the failure count (`!=0`, `>10`). */
  warnIf: string;
  errorIf: string;
  /** Keep the failing rows in `<target schema>_dbt_test__audit.<test name>`. */
  storeFailures: boolean;
  tags: string[];
  /** Arguments of a macro test (everything but config), by name. */
  args: Record<string, unknown>;
  /** Set for a singular test: the .sql file's template. */
  singular?: { template: string; path: string };
  /** Nodes a singular test refs (selection: the test runs with them). */
  refs?: string[];
  /** Only rows matching this SQL condition are tested. */
  where: string | null;
  /** accepted_values: the allowed values; `quote: false` writes numbers/booleans unquoted. */
  values: Array<string | number | boolean>;
  quote: boolean;
  /** relationships: `ref('model')` or `source('schema','table')`, and the column there. */
  to: string | null;
  field: string | null;
}

const testConfigSchema = z
  .object({
    severity: z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.enum(['error', 'warn']))
      .optional(),
    where: z.string().min(1).optional(),
    warn_if: z.string().regex(/^\s*(!=|<>|>=|<=|==|=|>|<)\s*\d+\s*$/, "a comparison with a number, e.g. '>10' or '!=0'").optional(),
    error_if: z.string().regex(/^\s*(!=|<>|>=|<=|==|=|>|<)\s*\d+\s*$/, "a comparison with a number, e.g. '>10' or '!=0'").optional(),
    store_failures: z.boolean().optional(),
    tags: z.union([z.string().transform((t) => [t]), z.array(z.string())]).optional(),
    enabled: z.boolean().optional(),
    limit: z.number().int().positive().optional(),
    name: z.string().optional(),
    alias: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const noArgsSchema = z.object({ config: testConfigSchema.optional() }).strict();
const acceptedValuesSchema = z
  .object({
    values: z.array(z.union([z.string(), z.number(), z.boolean()])).min(1, 'list at least one accepted value'),
    quote: z.boolean().optional(),
    config: testConfigSchema.optional(),
  })
  .strict();
const relationshipsSchema = z
  .object({
    to: z.string().min(1),
    field: z.string().min(1),
    config: testConfigSchema.optional(),
  })
  .strict();
const argsSchemas = { unique: noArgsSchema, not_null: noArgsSchema, accepted_values: acceptedValuesSchema, relationships: relationshipsSchema };

/** A test entry: `unique`, or `{ accepted_values: { values: [...] } }` (one key). */
const testEntrySchema = z.union([
  z.string().min(1),
  z.record(z.string(), z.unknown()).refine((entry) => Object.keys(entry).length === 1, 'a test is a name or a mapping with exactly one key: the test name'),
]);

const columnSchema = z.looseObject({
  name: z.string().min(1),
  tests: z.array(testEntrySchema).optional(),
  data_tests: z.array(testEntrySchema).optional(),
});

const modelSchema = z.looseObject({
  name: z.string().min(1),
  columns: z.array(columnSchema).optional(),
  tests: z.array(testEntrySchema).optional(),
  data_tests: z.array(testEntrySchema).optional(),
});

/** dbt's schema.yml: `version: 2` and `models:`; other top-level keys (sources, seeds...) are allowed and ignored. */
export const schemaFileSchema = z.looseObject({
  version: z.literal(2).optional(),
  models: z.array(modelSchema).optional(),
});

type Path = Array<string | number>;

function lineAt(document: Document, lines: LineCounter, path: Path): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function invalid(file: string, line: number | undefined, message: string, path: string, hint: string): CdpError {
  return new CdpError('SCHEMA_TEST', message, { location: { file, line, path: path || undefined }, hint });
}

/** Parses one schema YAML file into its tests; every problem names the file, line and field. */
export function parseSchemaFile(source: ProjectFile): SchemaTest[] {
  const lines = new LineCounter();
  const document = parseDocument(source.text, { lineCounter: lines });
  const syntax = document.errors[0];
  if (syntax) {
    throw invalid(source.file, syntax.linePos?.[0].line, `invalid YAML: ${syntax.message.split('\n')[0]}`, '', 'fix the YAML syntax (indentation, brackets, quotes)');
  }
  const parsed = schemaFileSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    throw invalid(source.file, lineAt(document, lines, path), `invalid schema file: ${issue.message}`, formatPath(path), 'see docs/models.md "Schema tests" for the format');
  }
  const tests: SchemaTest[] = [];
  type Entries = Array<string | Record<string, unknown>> | undefined;
  const data = document.toJS() as { sources?: Array<{ name?: string; tables?: Array<{ name?: string; tests?: Entries; data_tests?: Entries; columns?: Array<{ name?: string; tests?: Entries; data_tests?: Entries }> }> }> } | null;
  // Tests on sources, named as dbt names them: source_<test>_<source>_<table>[_<column>].
  (data?.sources ?? []).forEach((declared, s) =>
    (declared?.tables ?? []).forEach((table, t) => {
      if (typeof declared?.name !== 'string' || typeof table?.name !== 'string') return;
      const on = { source: declared.name, table: table.name };
      const add = (entries: Entries, column: string | null, path: Path) =>
        (Array.isArray(entries) ? entries : []).forEach((entry, i) => {
          const at: Path = [...path, i];
          const test = toTest(entry, { model: `${on.source}.${on.table}`, column, file: source.file, line: lineAt(document, lines, at) ?? 1, path: at });
          const named = typeof entry === 'object' && entry !== null && typeof (Object.values(entry)[0] as { config?: { name?: unknown } } | undefined)?.config?.name === 'string';
          tests.push({ ...test, source: on, name: named ? test.name : `source_${test.name.replace(`_${on.source}.${on.table}`, `_${on.source}_${on.table}`)}` });
        });
      for (const key of ['tests', 'data_tests'] as const) add(table[key], null, ['sources', s, 'tables', t, key]);
      (table.columns ?? []).forEach((column, c) => {
        if (typeof column?.name !== 'string') return;
        for (const key of ['tests', 'data_tests'] as const) add(column[key], column.name, ['sources', s, 'tables', t, 'columns', c, key]);
      });
    }),
  );
  (parsed.data.models ?? []).forEach((model, m) => {
    for (const key of ['tests', 'data_tests'] as const) {
      (model[key] ?? []).forEach((entry, t) => {
        const path: Path = ['models', m, key, t];
        tests.push(toTest(entry, { model: model.name, column: null, file: source.file, line: lineAt(document, lines, path) ?? 1, path }));
      });
    }
    (model.columns ?? []).forEach((column, c) => {
      for (const key of ['tests', 'data_tests'] as const) {
        (column[key] ?? []).forEach((entry, t) => {
          const path: Path = ['models', m, 'columns', c, key, t];
          tests.push(toTest(entry, { model: model.name, column: column.name, file: source.file, line: lineAt(document, lines, path) ?? 1, path }));
        });
      }
    });
  });
  return tests;
}

interface Where {
  model: string;
  column: string | null;
  file: string;
  line: number;
  path: Path;
}

function toTest(entry: string | Record<string, unknown>, where: Where): SchemaTest {
  const [kindText, rawArgs] = typeof entry === 'string' ? [entry, {}] : Object.entries(entry)[0]!;
  const subject = where.column === null ? where.model : `${where.model}.${where.column}`;
  // dbt >= 1.10 nests a test's arguments under `arguments:`; older files put them beside `config:`.
  const args = flattenArguments(rawArgs ?? {});
  const builtin = KINDS.find((k) => k === kindText);
  let values: Array<string | number | boolean> = [];
  let quote = true;
  let to: string | null = null;
  let field: string | null = null;
  let config: z.output<typeof testConfigSchema> = {};
  let macroArgs: Record<string, unknown> = {};
  if (builtin) {
    if (where.column === null && builtin !== 'relationships') {
      // A built-in test at model level names its column: `- unique: {column_name: id}`.
      const column = (args as { column_name?: unknown }).column_name;
      if (typeof column !== 'string') throw invalid(where.file, where.line, `${builtin} test on model ${where.model} needs column_name`, formatPath(where.path), `write: - ${builtin}: {column_name: id}`);
      where = { ...where, column };
      delete (args as { column_name?: unknown }).column_name;
    }
    const parsed = argsSchemas[builtin].safeParse(args);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const fieldPath = formatPath([...where.path, kindText, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')]);
      throw invalid(where.file, where.line, `invalid ${builtin} test on ${subject}: ${issue.message}`, fieldPath, exampleOf(builtin));
    }
    const data = parsed.data as { config?: z.output<typeof testConfigSchema>; values?: Array<string | number | boolean>; quote?: boolean; to?: string; field?: string };
    values = data.values ?? [];
    quote = data.quote ?? true;
    to = data.to ?? null;
    field = data.field ?? null;
    config = data.config ?? {};
  } else {
    const { config: rawConfig, ...rest } = (typeof args === 'object' && args !== null ? args : {}) as Record<string, unknown>;
    const parsed = testConfigSchema.safeParse(rawConfig ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw invalid(where.file, where.line, `invalid config of the ${kindText} test on ${subject}: ${issue.message}`, formatPath([...where.path, kindText, 'config', ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')]), 'see https://docs.getdbt.com/reference/data-test-configs');
    }
    config = parsed.data;
    macroArgs = rest;
  }
  const extra = builtin === 'accepted_values' ? values.map(String) : builtin === 'relationships' ? [field!, to!] : Object.values(macroArgs).filter((v) => typeof v !== 'object').map(String);
  return {
    name: config.name ?? testName(kindText.replace(/\./g, '_'), where.model, where.column, extra),
    kind: kindText,
    model: where.model,
    column: where.column,
    file: where.file,
    line: where.line,
    severity: config.severity ?? 'error',
    warnIf: config.warn_if ?? '!=0',
    errorIf: config.error_if ?? '!=0',
    storeFailures: config.store_failures ?? false,
    tags: config.tags ?? [],
    args: macroArgs,
    where: config.where ?? null,
    values,
    quote,
    to,
    field,
  };
}

function flattenArguments(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const { arguments: nested, ...rest } = raw as Record<string, unknown>;
  return typeof nested === 'object' && nested !== null ? { ...(nested as Record<string, unknown>), ...rest } : raw;
}

function exampleOf(kind: SchemaTestKind): string {
  switch (kind) {
    case 'accepted_values':
      return "write: - accepted_values: { values: ['a', 'b'] }";
    case 'relationships':
      return "write: - relationships: { to: ref('customers'), field: customer_id }";
    default:
      return `write: - ${kind}`;
  }
}

function testName(kind: string, model: string, column: string | null, extra: string[]): string {
  const suffix = extra.map((part) => part.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '')).join('__');
  return `${kind}_${model}${column === null ? '' : `_${column}`}${suffix ? `__${suffix}` : ''}`;
}
