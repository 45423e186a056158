import type { Project } from '../project/index.js';
import { compileSchemaTest, loadSchemaTests, runCompiledTests, type SchemaTestResult } from './data-tests.js';
import type { ModelGraph } from './graph.js';
import { loadModels } from './load.js';
import type { SchemaTest } from './schema-yml.js';
import { nodeKey, selectNodes, type SelectableNode } from './selection.js';
import { loadUnitTests, runUnitTest } from './unit-tests.js';

export interface SchemaTestOptions {
  /** dbt selectors: tests of the selected models, or tests picked by test_type:, test_name:, tag:. */
  select?: string[];
  exclude?: string[];
  onResult?: (result: SchemaTestResult) => void;
}

/** A test as selection sees it: its parents are the models it reads. */
export function testNode(test: SchemaTest, graph: ModelGraph): SelectableNode {
  if (test.source) {
    const name = `${test.source.source}.${test.source.table}`;
    return { name: test.name, kind: 'test', fqn: [graph.env.projectName, test.source.source, test.source.table, test.name], file: test.file, tags: test.tags, config: { severity: test.severity, store_failures: test.storeFailures }, parents: [`source:${name}`], testType: 'generic' };
  }
  const parents = test.singular ? (test.refs ?? []) : [test.model];
  return {
    name: test.name,
    kind: 'test',
    fqn: [graph.env.projectName, ...(test.singular ? [] : (graph.get(test.model)?.fqn.slice(1, -1) ?? [])), test.name],
    file: test.file,
    tags: test.tags,
    config: { severity: test.severity, store_failures: test.storeFailures },
    parents: parents.map((name) => `${graph.env.nodes.get(name)?.kind ?? 'model'}:${name}`),
    testType: test.singular ? 'singular' : 'generic',
  };
}

/** The tests a selection picks, with dbt's indirect selection: a test comes with the models it tests. */
export function selectTests(graph: ModelGraph, tests: readonly SchemaTest[], select: readonly string[], exclude: readonly string[]): SchemaTest[] {
  const nodes = tests.map((test) => testNode(test, graph));
  const chosen = selectNodes([...graph.selectable(), ...nodes], select, exclude);
  return tests.filter((_, i) => chosen.has(nodeKey(nodes[i]!)));
}

/** Runs the project's data tests against the warehouse; failures are results, not exceptions. */
export async function runSchemaTests(project: Project, options: SchemaTestOptions = {}): Promise<SchemaTestResult[]> {
  const graph = loadModels(project);
  const tests = selectTests(graph, loadSchemaTests(project, graph), options.select ?? [], options.exclude ?? []);
  const warehouse = await project.warehouse();
  const compiled = tests.map((test) => compileSchemaTest(test, graph, warehouse.dialect));
  const results = await runCompiledTests(warehouse, compiled, options.onResult, `${project.target.schema}_dbt_test__audit`);
  // dbt 1.8 unit tests: selected with their model, or by test_type:unit.
  const units = loadUnitTests(project, graph);
  const unitNodes = units.map((unit) => ({ ...testNode(unit.test, graph), testType: 'unit' as const }));
  const chosen = selectNodes([...graph.selectable(), ...unitNodes], options.select ?? [], options.exclude ?? []);
  for (const [i, unit] of units.entries()) {
    if (!chosen.has(nodeKey(unitNodes[i]!))) continue;
    const result = await runUnitTest(warehouse, graph, unit);
    results.push(result);
    options.onResult?.(result);
  }
  return results;
}
