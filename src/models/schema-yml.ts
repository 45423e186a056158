import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { CdpError, formatPath } from '../errors.js';
import type { ProjectFile } from './discover.js';

export type SchemaTestKind = 'unique' | 'not_null' | 'accepted_values' | 'relationships';
const KINDS: readonly SchemaTestKind[] = ['unique', 'not_null', 'accepted_values', 'relationships'];

/** One generic test applied to one column, as declared in a schema YAML file. */
export interface SchemaTest {
  /** dbt-style name, e.g. `not_null_orders_order_id`. */
  name: string;
  kind: SchemaTestKind;
  model: string;
  column: string;
  file: string;
  line: number;
  /** `warn` tests report failures without failing `cdp test`. */
  severity: 'error' | 'warn';
  /** Only rows matching this SQL condition are tested. */
  where: string | null;
  /** accepted_values: the allowed values; `quote: false` writes numbers/booleans unquoted. */
  values: Array<string | number | boolean>;
  quote: boolean;
  /** relationships: `ref('model')` or `source('schema','table')`, and the column there. */
  to: string | null;
  field: string | null;
}

const testConfigSchema = z.looseObject({
  severity: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['error', 'warn']))
    .optional(),
  where: z.string().min(1).optional(),
});

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
  (parsed.data.models ?? []).forEach((model, m) => {
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
  column: string;
  file: string;
  line: number;
  path: Path;
}

function toTest(entry: string | Record<string, unknown>, where: Where): SchemaTest {
  const [kindText, rawArgs] = typeof entry === 'string' ? [entry, {}] : Object.entries(entry)[0]!;
  const kind = KINDS.find((k) => k === kindText);
  if (!kind) {
    throw invalid(where.file, where.line, `unknown test '${kindText}' on ${where.model}.${where.column}`, formatPath(where.path), `supported tests: ${KINDS.join(', ')}`);
  }
  // dbt >= 1.10 nests a test's arguments under `arguments:`; older files put them beside `config:`.
  const args = flattenArguments(rawArgs ?? {});
  const parsed = argsSchemas[kind].safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = formatPath([...where.path, kindText, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')]);
    throw invalid(where.file, where.line, `invalid ${kind} test on ${where.model}.${where.column}: ${issue.message}`, field, exampleOf(kind));
  }
  const data = parsed.data as { config?: z.output<typeof testConfigSchema>; values?: Array<string | number | boolean>; quote?: boolean; to?: string; field?: string };
  const values = data.values ?? [];
  return {
    name: testName(kind, where.model, where.column, kind === 'accepted_values' ? values.map(String) : kind === 'relationships' ? [data.field!, data.to!] : []),
    kind,
    model: where.model,
    column: where.column,
    file: where.file,
    line: where.line,
    severity: data.config?.severity ?? 'error',
    where: data.config?.where ?? null,
    values,
    quote: data.quote ?? true,
    to: data.to ?? null,
    field: data.field ?? null,
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

function testName(kind: SchemaTestKind, model: string, column: string, extra: string[]): string {
  const suffix = extra.map((part) => part.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '')).join('__');
  return `${kind}_${model}_${column}${suffix ? `__${suffix}` : ''}`;
}
