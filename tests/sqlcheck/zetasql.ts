/**
 * ZetaSQL, the analyzer behind BigQuery, run locally: the Linux server binary shipped by
 * @fivetrandevelopers/zetasql, spoken to over gRPC through the package's client. Statements are
 * *analyzed* (names, columns, function signatures and types resolved against a catalog), not
 * just parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import zetasql from '@fivetrandevelopers/zetasql';
import type { BigQueryCatalog } from './bigquery-catalog.js';

const { LanguageOptions, ZetaSQLClient } = zetasql;
type AnalyzeRequest = Parameters<ReturnType<typeof ZetaSQLClient.getInstance>['analyze']>[0];

/** The statement kinds our generators emit; anything else is reported as unsupported. */
const STATEMENT_KINDS = [
  'RESOLVED_QUERY_STMT',
  'RESOLVED_CREATE_TABLE_AS_SELECT_STMT',
  'RESOLVED_CREATE_TABLE_STMT',
  'RESOLVED_CREATE_VIEW_STMT',
  'RESOLVED_CREATE_SCHEMA_STMT',
  'RESOLVED_CREATE_FUNCTION_STMT',
  'RESOLVED_MERGE_STMT',
  'RESOLVED_INSERT_STMT',
  'RESOLVED_UPDATE_STMT',
  'RESOLVED_DELETE_STMT',
  'RESOLVED_TRUNCATE_STMT',
  'RESOLVED_DROP_STMT',
  'RESOLVED_DROP_FUNCTION_STMT',
  'RESOLVED_ALTER_TABLE_STMT',
] as const;

export interface AnalyzedColumn {
  name: string;
  /** ZetaSQL type kind name, e.g. TYPE_STRING. */
  type: string;
}

export type Analysis =
  | { ok: true; kind: string; node: Record<string, unknown>; columns: AnalyzedColumn[] }
  | { ok: false; error: string };

interface LanguageOptionsProto {
  [key: string]: unknown;
}

/** One per process: the package's gRPC client is a singleton bound to the last server started. */
export class ZetaSqlServer {
  private languageOptions: LanguageOptionsProto | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly output: string[],
  ) {}

  /** Starts the server on a free local port and waits until it answers. */
  static async start(): Promise<ZetaSqlServer> {
    const port = await freePort();
    const require = createRequire(import.meta.url);
    const packageDir = dirname(require.resolve('@fivetrandevelopers/zetasql/package.json'));
    const binary = join(packageDir, 'lib', 'zetasql', process.arch.startsWith('arm') ? 'remote_server_arm.so' : 'remote_server.so');
    const child = spawn(binary, ['localhost', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const server = new ZetaSqlServer(child, output);
    ZetaSQLClient.init(port);
    // testConnection polls for ~7 s; a loaded CI machine may need longer to start the binary.
    let up = false;
    for (let attempt = 0; attempt < 4 && !up && child.exitCode === null; attempt++) up = await ZetaSQLClient.getInstance().testConnection();
    if (!up) {
      server.stop();
      throw new Error(`the ZetaSQL server did not start: ${output.join('')}`);
    }
    const max = await LanguageOptions.getMaxFeatures();
    // PRODUCT_EXTERNAL is BigQuery's mode: INT64/FLOAT64 type names, no proto/enum types.
    server.languageOptions = { ...max, productMode: 'PRODUCT_EXTERNAL', supportedStatementKinds: [...STATEMENT_KINDS] };
    return server;
  }

  async analyze(sql: string, catalog: BigQueryCatalog): Promise<Analysis> {
    const languageOptions = this.languageOptions!;
    try {
      const response = await ZetaSQLClient.getInstance().analyze({
        sqlStatement: sql,
        simpleCatalog: catalog.toProto(languageOptions),
        options: { languageOptions, errorMessageMode: 'ERROR_MESSAGE_ONE_LINE', allowUndeclaredParameters: true, defaultTimezone: 'UTC' },
      } as unknown as AnalyzeRequest);
      const statement = response?.resolvedStatement as unknown as Record<string, unknown> | undefined;
      if (!statement) return { ok: false, error: 'no resolved statement' };
      const node = innermost(statement);
      return { ok: true, kind: node.kind, node: node.value, columns: outputColumns(node.value) };
    } catch (error) {
      const details = (error as { details?: string }).details;
      return { ok: false, error: details ?? (error as Error).message };
    }
  }

  /**
   * Evaluates a constant expression with ZetaSQL's reference implementation (BigQuery's
   * semantics; default time zone UTC as on BigQuery): lets tests compare what an expression
   * computes on BigQuery with DuckDB's value.
   */
  evaluate(sql: string): Promise<unknown> {
    const api = ZetaSQLClient.API as unknown as {
      evaluate(request: unknown, callback: (error: { details?: string } | null, response: { value?: ValueProto }) => void): void;
    };
    return new Promise((resolve, reject) => {
      api.evaluate({ sql, options: { languageOptions: this.languageOptions, defaultTimezone: 'UTC' } }, (error, response) => {
        if (error) reject(new Error(error.details ?? 'evaluate failed'));
        else resolve(fromValue(response.value));
      });
    });
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

interface Long {
  low: number;
  high: number;
  unsigned?: boolean;
}

interface ValueProto {
  value?: string;
  int64Value?: Long;
  stringValue?: string;
  boolValue?: boolean;
  doubleValue?: number;
  timestampValue?: { seconds: Long; nanos: number };
  dateValue?: number;
  bytesValue?: Buffer;
  jsonValue?: string;
}

function longToBigInt(long: Long): bigint {
  return (BigInt(long.high) << 32n) + BigInt(long.low >>> 0);
}

/** A ZetaSQL ValueProto as a JS value (INT64 as bigint, TIMESTAMP as Date, NULL as null). */
function fromValue(value: ValueProto | undefined): unknown {
  switch (value?.value) {
    case 'int64Value':
      return longToBigInt(value.int64Value!);
    case 'stringValue':
      return value.stringValue;
    case 'boolValue':
      return value.boolValue;
    case 'doubleValue':
      return value.doubleValue;
    case 'timestampValue':
      return new Date(Number(longToBigInt(value.timestampValue!.seconds)) * 1000 + Math.floor(value.timestampValue!.nanos / 1e6));
    case 'dateValue':
      return new Date(value.dateValue! * 86_400_000);
    case 'bytesValue':
      return value.bytesValue;
    case 'jsonValue':
      return value.jsonValue;
    default:
      return null;
  }
}

/** Follows `{ node: 'xNode', xNode: {...} }` wrappers down to the concrete resolved node. */
function innermost(wrapper: Record<string, unknown>): { kind: string; value: Record<string, unknown> } {
  let current = wrapper;
  let kind = 'unknown';
  for (;;) {
    const name = current.node;
    if (typeof name !== 'string' || typeof current[name] !== 'object' || current[name] === null) return { kind, value: current };
    kind = name;
    current = current[name] as Record<string, unknown>;
  }
}

const TYPE_NAMES = new Map<number, string>(
  Object.entries(zetasql.TypeKind as Record<string, number>).map(([name, value]) => [value, name]),
);

/** Output columns of a query or CREATE ... AS SELECT, with their resolved types. */
function outputColumns(node: Record<string, unknown>): AnalyzedColumn[] {
  const list = findKey(node, 'outputColumnList');
  if (!Array.isArray(list)) return [];
  return list.map((entry) => {
    const item = entry as { name: string; column: { type: TypeJson } };
    return { name: item.name, type: typeName(item.column.type) };
  });
}

interface TypeJson {
  typeKind: number | string;
  arrayType?: { elementType: TypeJson };
}

/** A type kind's name; arrays as `TYPE_ARRAY<element>` (what the catalog turns back into an array type). */
function typeName(type: TypeJson): string {
  const kind = typeof type.typeKind === 'number' ? (TYPE_NAMES.get(type.typeKind) ?? 'TYPE_UNKNOWN') : type.typeKind;
  return kind === 'TYPE_ARRAY' && type.arrayType ? `TYPE_ARRAY<${typeName(type.arrayType.elementType)}>` : kind;
}

function findKey(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  if (key in value) return (value as Record<string, unknown>)[key];
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) {
      const found = findKey(child, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
