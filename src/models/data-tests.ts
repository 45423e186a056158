import { CdpError, isCdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef, Warehouse } from '../warehouse/index.js';
import { nodeFiles } from './dbt/paths.js';
import { findFiles } from './discover.js';
import type { ModelGraph } from './graph.js';
import { callMacro } from './jinja-compat.js';
import { modelPaths } from './dbt/paths.js';
import { nodeContext, parseModel, renderModel, renderInNode } from './model.js';
import { isBuiltinTest, parseSchemaFile, type SchemaTest } from './schema-yml.js';
import { didYouMean } from '../util/suggest.js';
import { renderTemplate, TemplateFailure, withGlobals } from './template.js';

/** A data test ready to run: the query returning its failing rows, and the one counting them. */
export interface CompiledSchemaTest {
  test: SchemaTest;
  /** Returns one row with one column, `failures`: the rows of `failingRows`, as dbt counts them. */
  sql: string;
  /** The test query itself (dbt's compiled test): one row per failure. */
  failingRows: string;
  /** Relations the query reads; a test whose relation is missing is reported instead of run. */
  reads: RelationRef[];
}

export interface SchemaTestResult {
  test: SchemaTest;
  /** pass: no failing rows; fail: failing rows and severity error; warn: failing rows, severity warn; error: the query could not run; skipped: a model it reads was not built (dbt build). */
  status: 'pass' | 'fail' | 'warn' | 'error' | 'skipped';
  failures: number | null;
  seconds: number;
  error: string | null;
  sql: string;
  /** Where the failing rows were stored (store_failures), if they were. */
  storedIn?: RelationRef;
}

/**
 * Every test of the project: generic tests declared in yml files under the model paths (built-in
 * or `{% test %}` macros of the project and its packages) and singular tests (`.sql` files under
 * the test paths), each checked against the models.
 */
export function loadSchemaTests(project: Project, graph: ModelGraph): SchemaTest[] {
  const files = modelPaths(project).flatMap((folder) => findFiles(project.dir, project.path(folder), ['.yml', '.yaml']));
  const tests = [...files.flatMap(parseSchemaFile), ...singularTests(project, graph)];
  for (const test of tests) {
    if (test.singular) continue;
    if (test.source) testedRelation(test, graph);
    else if (!graph.get(test.model)) {
      throw new CdpError('SCHEMA_TEST', `tests declared for ${test.model}, but there is no model named ${test.model}`, {
        location: { file: test.file, line: test.line },
        hint: didYouMean(test.model, graph.names, 'name a model (a .sql file under the models folder)'),
      });
    }
    if (!isBuiltinTest(test.kind) && !graph.env.testMacro?.(test.kind)) {
      throw new CdpError('SCHEMA_TEST', `unknown test '${test.kind}' on ${test.model}${test.column ? `.${test.column}` : ''}`, {
        location: { file: test.file, line: test.line },
        hint: `built-in tests: unique, not_null, accepted_values, relationships; others are {% test ${test.kind.split('.').pop()}(model, column_name) %} macros in the macros folder or an installed package`,
      });
    }
    if (test.to !== null) relationshipTarget(test, graph);
  }
  return tests;
}

/** The relation a generic test reads: its model's, or its source table's (declared in sources.yml). */
export function testedRelation(test: SchemaTest, graph: ModelGraph): RelationRef {
  if (!test.source) return graph.get(test.model)!.relation;
  const declared = graph.env.sources.get(test.source.source)?.get(test.source.table);
  if (!declared) {
    throw new CdpError('SCHEMA_TEST', `tests declared for source ${test.model}, but the source table is not declared`, { location: { file: test.file, line: test.line }, hint: 'declare it under sources: with its tables' });
  }
  return { schema: declared.schema, name: declared.identifier };
}

/** dbt's singular tests: each `.sql` under the test paths is a query returning the failing rows. */
function singularTests(project: Project, graph: ModelGraph): SchemaTest[] {
  if (!project.dbt) return [];
  return nodeFiles(project, project.dbt.testPaths, ['.sql']).map((file) => {
    const node = parseModel(file, graph.env, { fqn: file.fqn, baseSettings: {} });
    const config = node.settings;
    return {
      name: node.name,
      kind: 'singular',
      model: node.refs[0]?.name ?? '',
      column: null,
      file: file.file,
      line: 1,
      severity: config.severity ?? 'error',
      warnIf: config.warn_if ?? '!=0',
      errorIf: config.error_if ?? '!=0',
      storeFailures: config.store_failures ?? false,
      tags: config.tags ?? [],
      args: {},
      where: null,
      values: [],
      quote: true,
      to: null,
      field: null,
      singular: { template: file.text, path: file.path },
      refs: node.refs.map((ref) => ref.name),
    } as SchemaTest;
  });
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
 * The query returning a test's failing rows, as dbt's built-in generic tests write it (NULLs pass
 * every test but not_null), a `{% test %}` macro renders it, or a singular test's file says.
 */
export function compileSchemaTest(test: SchemaTest, graph: ModelGraph, dialect: Dialect): CompiledSchemaTest {
  if (test.singular) {
    const node = parseModel({ path: test.singular.path, file: test.file, text: test.singular.template }, graph.env, { fqn: [test.name], baseSettings: {} });
    const failingRows = renderModel(node, graph.env, { dialect, isIncremental: false }).trim().replace(/;+$/, '');
    const reads = node.refs.map((ref) => graph.env.nodes.get(ref.name)!).filter((n) => !n.ephemeral).map((n) => n.relation);
    return { test, failingRows, sql: countOf(failingRows), reads };
  }
  const tested = testedRelation(test, graph);
  const relation = dialect.relation(tested);
  const from = test.where ? `(select * from ${relation} where ${test.where}) dbt_subquery` : relation;
  const reads: RelationRef[] = [tested];
  const col = test.column === null ? '' : dialect.quoteIdent(test.column);
  let failingRows: string;
  switch (test.kind) {
    case 'not_null':
      failingRows = `select ${col}\nfrom ${from}\nwhere ${col} is null`;
      break;
    case 'unique':
      failingRows = `select\n    ${col} as unique_field,\n    count(*) as n_records\nfrom ${from}\nwhere ${col} is not null\ngroup by ${col}\nhaving count(*) > 1`;
      break;
    case 'accepted_values': {
      const values = test.values.map((value) => dialect.literal(test.quote ? String(value) : value)).join(', ');
      failingRows = `with all_values as (\n    select ${col} as value_field, count(*) as n_records\n    from ${from}\n    group by ${col}\n)\nselect * from all_values\nwhere value_field not in (${values})`;
      break;
    }
    case 'relationships': {
      const target = relationshipTarget(test, graph);
      reads.push(target);
      failingRows =
        `with child as (\n    select ${col} as from_field from ${from} where ${col} is not null\n),\n` +
        `parent as (\n    select ${dialect.quoteIdent(test.field!)} as to_field from ${dialect.relation(target)}\n)\n` +
        'select from_field from child left join parent on child.from_field = parent.to_field where parent.to_field is null';
      break;
    }
    default:
      failingRows = renderMacroTest(test, graph, dialect, from, reads);
  }
  return { test, failingRows, sql: countOf(failingRows), reads };
}

const countOf = (failingRows: string) => `select count(*) as failures from (\n${failingRows}\n) dbt_internal_test`;

/** A `{% test name(model, column_name, ...) %}` macro called as dbt calls it: model, column_name, then the yml arguments. */
function renderMacroTest(test: SchemaTest, graph: ModelGraph, dialect: Dialect, from: string, reads: RelationRef[]): string {
  const macro = graph.env.testMacro!(test.kind)!;
  const self = testedRelation(test, graph);
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(test.args)) {
    // dbt renders test arguments: `to: ref('customers')` is a relation.
    if (typeof value === 'string' && /^\s*(ref|source)\s*\(/.test(value)) {
      const rendered = renderInNode(`{{ ${value} }}`, test.file, graph.env, dialect, self);
      const referenced = /^\s*ref\s*\(\s*['"]([^'"]+)['"]/.exec(value)?.[1];
      const node = referenced ? graph.env.nodes.get(referenced) : undefined;
      if (node) reads.push(node.relation);
      args[key] = rendered;
    } else args[key] = value;
  }
  const kwargs = { __keywords: true, model: from, ...(test.column === null ? {} : { column_name: test.column }), ...args };
  try {
    const context = nodeContext(graph.env, dialect, self);
    return String(withGlobals(context, () => callMacro(() => macro(kwargs))) ?? '').trim();
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^\([^)]*\)\s*(\[Line \d+, Column \d+\])?\s*/, '') : String(error);
    throw new CdpError('SCHEMA_TEST', `test ${test.kind} on ${test.model}: ${message}`, { location: { file: test.file, line: test.line }, hint: 'check the test macro and its arguments', cause: error });
  }
}

/** dbt's `warn_if` / `error_if`: `!=0`, `>10`, `>=5`... against the failure count. */
function exceeds(condition: string, failures: number): boolean {
  const match = /^\s*(!=|<>|>=|<=|==|=|>|<)\s*(\d+)\s*$/.exec(condition);
  if (!match) return failures !== 0;
  const n = Number(match[2]);
  switch (match[1]) {
    case '>':
      return failures > n;
    case '>=':
      return failures >= n;
    case '<':
      return failures < n;
    case '<=':
      return failures <= n;
    case '=':
    case '==':
      return failures === n;
    default:
      return failures !== n;
  }
}

/** The status dbt gives a test with this many failures: error_if decides fail, then warn_if decides warn. */
export function testStatus(test: SchemaTest, failures: number): SchemaTestResult['status'] {
  if (test.severity === 'error' && exceeds(test.errorIf, failures)) return 'fail';
  if (exceeds(test.warnIf, failures)) return 'warn';
  return 'pass';
}

/** Runs compiled tests one after another; a test that cannot run is an `error` result, not an exception. */
export async function runCompiledTests(
  warehouse: Warehouse,
  tests: readonly CompiledSchemaTest[],
  onResult?: (result: SchemaTestResult) => void,
  auditSchema?: string,
): Promise<SchemaTestResult[]> {
  const exists = new Map<string, boolean>();
  const results: SchemaTestResult[] = [];
  for (const { test, sql, reads, failingRows } of tests) {
    const started = performance.now();
    let result: SchemaTestResult;
    const missing = await firstMissing(warehouse, reads, exists);
    if (missing) {
      result = { test, status: 'error', failures: null, seconds: 0, sql, error: `${missing.schema}.${missing.name} does not exist; run \`cdp run\` first` };
    } else {
      try {
        let storedIn: RelationRef | undefined;
        if (test.storeFailures && auditSchema) {
          storedIn = { schema: auditSchema, name: test.name.slice(0, 63) };
          await warehouse.createSchema(auditSchema);
          for (const statement of warehouse.dialect.createOrReplaceTableAs(storedIn, failingRows)) await warehouse.execute(statement);
        }
        const [row] = await warehouse.query<{ failures: unknown }>(storedIn ? `select count(*) as failures from ${warehouse.dialect.relation(storedIn)}` : sql);
        const failures = Number(row?.failures ?? 0);
        result = { test, status: testStatus(test, failures), failures, seconds: (performance.now() - started) / 1000, sql, error: null, ...(storedIn ? { storedIn } : {}) };
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
