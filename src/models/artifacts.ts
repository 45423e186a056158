import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Project } from '../project/index.js';
import type { Dialect } from '../warehouse/index.js';
import type { SchemaTestResult } from './data-tests.js';
import type { ModelGraph } from './graph.js';
import type { SchemaTest } from './schema-yml.js';
import type { SeedResult } from './seeds.js';
import type { ModelBuildResult } from './types.js';

/**
 * dbt's artifacts under the target path, in dbt's schemas (manifest v12, run_results v6), with the
 * fields tools that read them rely on (unique_id, resource_type, fqn, depends_on, relation_name,
 * config, parent_map/child_map; status, timing, execution_time, failures), plus the compiled SQL
 * of each node under target/compiled/<project>/<path>.
 */
const DBT_VERSION = '1.8.0';
const invocationId = crypto.randomUUID();

const targetDir = (project: Project) => project.path(project.dbt?.targetPath ?? 'target');

function write(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
}

const metadata = (project: Project, schema: string) => ({
  dbt_schema_version: `https://schemas.getdbt.com/dbt/${schema}.json`,
  dbt_version: DBT_VERSION,
  generated_at: new Date().toISOString(),
  invocation_id: invocationId,
  adapter_type: project.config.warehouse.type,
  project_name: project.dbt?.name ?? 'cdp',
  env: {},
});

export function uniqueIdOf(graph: ModelGraph, name: string): string {
  const node = graph.env.nodes.get(name);
  return `${node?.kind ?? 'model'}.${graph.env.projectName}.${name}`;
}

export const testUniqueId = (graph: ModelGraph, test: SchemaTest) => `test.${graph.env.projectName}.${test.name}`;

/** target/manifest.json: every model, seed, test and source, with dependencies both ways. */
export function writeManifest(project: Project, graph: ModelGraph, tests: readonly SchemaTest[], dialect: Dialect): void {
  const pkg = graph.env.projectName;
  const database = project.target.database;
  const nodes: Record<string, unknown> = {};
  const parentMap: Record<string, string[]> = {};
  const relationName = (relation: { schema: string; name: string }) => dialect.relation(relation);
  for (const seed of graph.seeds) {
    const id = `seed.${pkg}.${seed.name}`;
    nodes[id] = { unique_id: id, resource_type: 'seed', package_name: pkg, name: seed.name, fqn: seed.fqn, path: seed.file, original_file_path: seed.file, database, schema: seed.relation.schema, alias: seed.relation.name, relation_name: relationName(seed.relation), config: { enabled: true, materialized: 'seed', ...seed.settings }, tags: seed.settings.tags ?? [], depends_on: { macros: [], nodes: [] }, columns: {} };
    parentMap[id] = [];
  }
  for (const model of graph.models) {
    const id = `model.${pkg}.${model.name}`;
    const parents = [...model.refs.map((ref) => uniqueIdOf(graph, ref.name)), ...model.sources.map((s) => `source.${pkg}.${s.source}.${s.table}`)];
    nodes[id] = {
      unique_id: id,
      resource_type: 'model',
      package_name: pkg,
      name: model.name,
      fqn: model.fqn,
      path: model.file,
      original_file_path: model.file,
      database,
      schema: model.relation.schema,
      alias: model.relation.name,
      relation_name: model.config.materialized === 'ephemeral' ? null : relationName(model.relation),
      config: { enabled: true, ...model.settings, materialized: model.config.materialized, tags: model.config.tags },
      tags: model.config.tags,
      meta: model.settings.meta ?? {},
      language: 'sql',
      raw_code: model.template,
      refs: model.refs.map((ref) => ({ name: ref.name, package: null, version: null })),
      sources: model.sources.map((s) => [s.source, s.table]),
      depends_on: { macros: [], nodes: parents },
      columns: {},
    };
    parentMap[id] = parents;
  }
  for (const test of tests) {
    const id = testUniqueId(graph, test);
    const parents = test.source ? [`source.${pkg}.${test.source.source}.${test.source.table}`] : (test.singular ? (test.refs ?? []) : [test.model]).map((name) => uniqueIdOf(graph, name));
    nodes[id] = { unique_id: id, resource_type: 'test', package_name: pkg, name: test.name, fqn: [pkg, test.name], original_file_path: test.file, column_name: test.column, test_metadata: test.singular ? undefined : { name: test.kind, kwargs: { column_name: test.column, ...test.args } }, config: { severity: test.severity.toUpperCase(), warn_if: test.warnIf, error_if: test.errorIf, store_failures: test.storeFailures, tags: test.tags }, tags: test.tags, depends_on: { macros: [], nodes: parents } };
    parentMap[id] = parents;
  }
  const sources: Record<string, unknown> = {};
  for (const [sourceName, tables] of graph.env.sources) {
    for (const table of tables.values()) {
      const id = `source.${pkg}.${sourceName}.${table.table}`;
      sources[id] = { unique_id: id, resource_type: 'source', package_name: pkg, source_name: sourceName, name: table.table, identifier: table.identifier, schema: table.schema, database: table.database ?? database, fqn: [pkg, sourceName, table.table], original_file_path: table.file, loaded_at_field: table.loadedAtField, freshness: table.freshness, relation_name: relationName({ schema: table.schema, name: table.identifier }) };
      parentMap[id] = [];
    }
  }
  const childMap: Record<string, string[]> = Object.fromEntries(Object.keys(parentMap).map((id) => [id, []]));
  for (const [child, parents] of Object.entries(parentMap)) for (const parent of parents) (childMap[parent] ??= []).push(child);
  write(join(targetDir(project), 'manifest.json'), {
    metadata: metadata(project, 'manifest/v12'),
    nodes,
    sources,
    macros: {},
    docs: {},
    exposures: {},
    metrics: {},
    groups: {},
    selectors: {},
    disabled: {},
    parent_map: parentMap,
    child_map: childMap,
    group_map: {},
    saved_queries: {},
    semantic_models: {},
    unit_tests: {},
  });
}

/** target/compiled/<project>/<file>: a node's compiled SQL, as dbt writes it. */
export function writeCompiled(project: Project, file: string, sql: string): void {
  write(join(targetDir(project), 'compiled', project.dbt?.name ?? 'cdp', file), sql.endsWith('\n') ? sql : `${sql}\n`);
}

export interface RunResultsInput {
  which: 'run' | 'test' | 'seed' | 'build';
  models?: readonly ModelBuildResult[];
  seeds?: readonly SeedResult[];
  tests?: readonly SchemaTestResult[];
  elapsed: number;
}

/** target/run_results.json of one command. */
export function writeRunResults(project: Project, graph: ModelGraph, input: RunResultsInput): void {
  const timing = (started: Date, seconds: number) => [{ name: 'execute', started_at: started.toISOString(), completed_at: new Date(started.getTime() + seconds * 1000).toISOString() }];
  const now = new Date();
  const results = [
    ...(input.seeds ?? []).map((r) => ({ unique_id: `seed.${graph.env.projectName}.${r.seed.name}`, status: 'success', timing: timing(now, r.seconds), thread_id: 'Thread-1', execution_time: r.seconds, adapter_response: { rows_affected: r.rows }, message: `INSERT ${r.rows}`, failures: null, relation_name: null })),
    ...(input.models ?? []).map((r) => ({ unique_id: uniqueIdOf(graph, r.model), status: r.status, timing: timing(r.startedAt, r.seconds), thread_id: 'Thread-1', execution_time: r.seconds, adapter_response: r.rows === null ? {} : { rows_affected: r.rows }, message: r.error ?? (r.rows === null ? 'OK' : `OK ${r.rows}`), failures: null, relation_name: `${r.relation.schema}.${r.relation.name}` })),
    ...(input.tests ?? []).map((r) => ({ unique_id: testUniqueId(graph, r.test), status: r.status, timing: timing(now, r.seconds), thread_id: 'Thread-1', execution_time: r.seconds, adapter_response: {}, message: r.error ?? (r.failures ? `Got ${r.failures} results, configured to ${r.status === 'fail' ? 'fail' : 'warn'} if ${r.test.errorIf}` : null), failures: r.failures, compiled_code: r.sql, relation_name: r.storedIn ? `${r.storedIn.schema}.${r.storedIn.name}` : null })),
  ];
  write(join(targetDir(project), 'run_results.json'), { metadata: metadata(project, 'run-results/v6'), results, elapsed_time: input.elapsed, args: { which: input.which } });
}
