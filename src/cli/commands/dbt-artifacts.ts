import { writeCompiled, writeManifest, writeRunResults, type RunResultsInput } from '../../models/artifacts.js';
import { loadModels, loadSchemaTests } from '../../models/index.js';
import type { Project } from '../../project/index.js';
import { getDialect, type DialectName } from '../../warehouse/index.js';

/**
 * After a dbt command on a dbt project: target/manifest.json, target/run_results.json and the
 * compiled SQL, for the tools that read dbt's artifacts. Written also when the command failed.
 */
export function saveArtifacts(project: Project, input: RunResultsInput): void {
  if (!project.dbt) return;
  const graph = loadModels(project);
  const tests = loadSchemaTests(project, graph);
  writeManifest(project, graph, tests, getDialect(project.config.warehouse.type as DialectName));
  for (const result of input.models ?? []) if (result.compiledSql) writeCompiled(project, result.file, result.compiledSql);
  for (const result of input.tests ?? []) writeCompiled(project, `${result.test.file.replace(/\.(yml|yaml|sql)$/, '')}/${result.test.name}.sql`, result.sql);
  writeRunResults(project, graph, input);
}
