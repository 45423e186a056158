import type { Project } from '../project/index.js';
import { compileSchemaTest, loadSchemaTests, runCompiledTests, type SchemaTestResult } from './data-tests.js';
import { loadModels } from './load.js';

export interface SchemaTestOptions {
  /** Only tests of these models (same selector syntax as `cdp run --select`). */
  select?: string[];
  exclude?: string[];
  onResult?: (result: SchemaTestResult) => void;
}

/** Runs the project's schema tests against the warehouse; failures are results, not exceptions. */
export async function runSchemaTests(project: Project, options: SchemaTestOptions = {}): Promise<SchemaTestResult[]> {
  const graph = loadModels(project);
  const selected = new Set(graph.select(options.select ?? [], options.exclude ?? []).map((model) => model.name));
  const tests = loadSchemaTests(project, graph).filter((test) => selected.has(test.model));
  const warehouse = await project.warehouse();
  const compiled = tests.map((test) => compileSchemaTest(test, graph, warehouse.dialect));
  return runCompiledTests(warehouse, compiled, options.onResult);
}
