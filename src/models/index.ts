/**
 * SQL models, dbt-style: `models/**\/*.sql` templated with Jinja (nunjucks), a DAG from refs,
 * materializations built atomically through the Dialect, and schema tests from YAML files.
 */
export type { Model, ModelConfig, Materialization, RefCall, SourceCall, ModelBuildResult, BuildStatus } from './types.js';
export { loadModels, modelsDir, GENERATED_TABLES } from './load.js';
export { ModelGraph, parseSelector, type Selector } from './graph.js';
export { parseModel, renderModel, type RenderOptions } from './model.js';
export { planBuild, executeBuild, type BuildPlan, type BuildContext } from './materialize.js';
export { checkInputs } from './preflight.js';
export { buildModels, buildContext, type BuildModelsOptions, type BuildModelsOutcome } from './build.js';
export { compileModel, resolveDialect } from './compile.js';
export { parseSchemaFile, type SchemaTest, type SchemaTestKind } from './schema-yml.js';
export { loadSchemaTests, compileSchemaTest, runCompiledTests, type CompiledSchemaTest, type SchemaTestResult } from './data-tests.js';
export { runSchemaTests, type SchemaTestOptions } from './test-project.js';
export { BuildTests } from './build-tests.js';
export { mapRenderedLine } from './line-map.js';
export { closestName } from '../util/suggest.js';
export { seedProject, snapshotProject, type SeedOptions } from './seed-project.js';
export { discoverSnapshots, runSnapshot, type Snapshot, type SnapshotResult } from './snapshots.js';
export { loadSeed, inferKind, discoverSeeds, type Seed, type SeedResult } from './seeds.js';
export { selectNodes, parseSelectorText, type SelectableNode } from './selection.js';
export { readDbtProject, type DbtProjectFile } from '../project/dbt/project-file.js';
export { resolveTarget, type DbtTarget } from '../project/dbt/profiles.js';
export { runProjectHooks } from './run-hooks.js';
