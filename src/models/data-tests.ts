import { CdpError, isCdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef, Warehouse } from '../warehouse/index.js';
import { findFiles } from './discover.js';
import type { ModelGraph } from './graph.js';
import { modelsDir } from './load.js';
import { parseSchemaFile, type SchemaTest } from './schema-yml.js';
import { didYouMean } from '../util/suggest.js';
import { renderTemplate, TemplateFailure } from './template.js';

/** A schema test ready to run: the one query that counts the rows failing it. */
export interface CompiledSchemaTest {
  test: SchemaTest;
  /** Returns one row with one column, `failures`. */
  sql: string;
  /** Relations the query reads; a test whose relation is missing is reported instead of run. */
  reads: RelationRef[];
}

export interface SchemaTestResult {
  test: SchemaTest;
  /** pass: no failing rows; fail: failing rows and severity error; warn: failing rows, severity warn; error: the query could not run. */
  status: 'pass' | 'fail' | 'warn' | 'error';
  failures: number | null;
  seconds: number;
  error: string | null;
  sql: string;
}

/** Every test declared in the schema YAML files under the models folder, checked against the models. */
export function loadSchemaTests(project: Project, graph: ModelGraph): SchemaTest[] {
  const files = findFiles(project.dir, modelsDir(project), ['.yml', '.yaml']);
  const tests = files.flatMap(parseSchemaFile);
  for (const test of tests) {
    if (!graph.get(test.model)) {
      throw new CdpError('SCHEMA_TEST', `tests declared for ${test.model}, but there is no model named ${test.model}`, {
        location: { file: test.file, line: test.line },
        hint: didYouMean(test.model, graph.names, 'name a model (a .sql file under the models folder)'),
      });
    }
    if (test.to !== null) relationshipTarget(test, graph);
  }
  return tests;
}

/**
 * Resolves `to: ref('x')` / `to: source('s','t')` with the same template engine models use, so
 * the syntax is exactly dbt's.
 */
function relationshipTarget(test: SchemaTest, graph: ModelGraph): RelationRef {
  let target: RelationRef | undefined;
  const context = {
    ref(name: unknown): string {
      const node = typeof name === 'string' ? graph.env.nodes.get(name) : undefined;
      if (!node) {
        throw new TemplateFailure('SCHEMA_TEST', `relationships test on ${test.model}.${test.column}: there is no model named ${String(name)}`, didYouMean(String(name), graph.env.nodes.keys(), "write to: ref('model_name')"));
      }
      target = node.relation;
      return '';
    },
    source(schema: unknown, table: unknown): string {
      if (typeof schema !== 'string' || typeof table !== 'string') throw new TemplateFailure('SCHEMA_TEST', 'source() takes a schema and a table', "write to: source('raw', 'orders')");
      const declared = graph.env.sources.get(schema)?.get(table);
      target = declared ? { schema: declared.schema, name: declared.identifier } : { schema, name: table };
      return '';
    },
  };
  try {
    renderTemplate(`{{ ${test.to} }}`, test.file, context);
  } catch (error) {
    const message = isCdpError(error) ? error.message : String(error);
    throw new CdpError('SCHEMA_TEST', message, { location: { file: test.file, line: test.line }, hint: isCdpError(error) ? error.hint : undefined });
  }
  if (!target) {
    throw new CdpError('SCHEMA_TEST', `relationships test on ${test.model}.${test.column}: 'to' must be ref('model') or source('schema', 'table')`, {
      location: { file: test.file, line: test.line },
      hint: "write to: ref('customers')",
    });
  }
  return target;
}

/**
 * The set-based query counting the rows that fail a test (NULLs pass every test but not_null,
 * as in dbt):
 * - not_null: rows where the column is NULL;
 * - unique: rows whose value appears more than once;
 * - accepted_values: rows whose value is not in the list;
 * - relationships: rows whose value has no match in `to`'s `field`.
 */
export function compileSchemaTest(test: SchemaTest, graph: ModelGraph, dialect: Dialect): CompiledSchemaTest {
  const model = graph.get(test.model)!;
  const relation = dialect.relation(model.relation);
  const from = test.where ? `(SELECT * FROM ${relation} WHERE ${test.where}) AS t` : `${relation} AS t`;
  const col = `t.${dialect.quoteIdent(test.column)}`;
  const reads: RelationRef[] = [model.relation];
  let sql: string;
  switch (test.kind) {
    case 'not_null':
      sql = `SELECT COUNT(*) AS failures FROM ${from} WHERE ${col} IS NULL`;
      break;
    case 'unique':
      sql = `SELECT COALESCE(SUM(d.n), 0) AS failures FROM (SELECT COUNT(*) AS n FROM ${from} WHERE ${col} IS NOT NULL GROUP BY ${col} HAVING COUNT(*) > 1) AS d`;
      break;
    case 'accepted_values': {
      const values = test.values.map((value) => dialect.literal(test.quote ? String(value) : value)).join(', ');
      sql = `SELECT COUNT(*) AS failures FROM ${from} WHERE ${col} IS NOT NULL AND ${col} NOT IN (${values})`;
      break;
    }
    case 'relationships': {
      const target = relationshipTarget(test, graph);
      reads.push(target);
      sql =
        `SELECT COUNT(*) AS failures FROM ${from} WHERE ${col} IS NOT NULL AND NOT EXISTS ` +
        `(SELECT 1 FROM ${dialect.relation(target)} AS p WHERE p.${dialect.quoteIdent(test.field!)} = ${col})`;
      break;
    }
  }
  return { test, sql, reads };
}

/** Runs compiled tests one after another; a test that cannot run is an `error` result, not an exception. */
export async function runCompiledTests(
  warehouse: Warehouse,
  tests: readonly CompiledSchemaTest[],
  onResult?: (result: SchemaTestResult) => void,
): Promise<SchemaTestResult[]> {
  const exists = new Map<string, boolean>();
  const results: SchemaTestResult[] = [];
  for (const { test, sql, reads } of tests) {
    const started = performance.now();
    let result: SchemaTestResult;
    const missing = await firstMissing(warehouse, reads, exists);
    if (missing) {
      result = { test, status: 'error', failures: null, seconds: 0, sql, error: `${missing.schema}.${missing.name} does not exist; run \`cdp run\` first` };
    } else {
      try {
        const [row] = await warehouse.query<{ failures: unknown }>(sql);
        const failures = Number(row?.failures ?? 0);
        const status = failures === 0 ? 'pass' : test.severity === 'warn' ? 'warn' : 'fail';
        result = { test, status, failures, seconds: (performance.now() - started) / 1000, sql, error: null };
      } catch (error) {
        const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
        result = { test, status: 'error', failures: null, seconds: (performance.now() - started) / 1000, sql, error: message };
      }
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}

async function firstMissing(warehouse: Warehouse, relations: readonly RelationRef[], cache: Map<string, boolean>): Promise<RelationRef | undefined> {
  for (const relation of relations) {
    const key = `${relation.schema}.${relation.name}`;
    if (!cache.has(key)) cache.set(key, await warehouse.relationExists(relation));
    if (!cache.get(key)) return relation;
  }
  return undefined;
}
