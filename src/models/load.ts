import type { Project } from '../project/index.js';
import { CdpError } from '../errors.js';
import { FolderConfigs } from './dbt/folder-config.js';
import { mergeConfig } from './dbt/node-config.js';
import { modelPaths, nodeFiles, projectNameOf, seedPaths } from './dbt/paths.js';
import { readProperties, type Properties } from './dbt/properties.js';
import { findFiles } from './discover.js';
import { ModelGraph } from './graph.js';
import { parseModel } from './model.js';
import { renderJinja } from './template.js';
import { sourceIndex, type RefTarget, type RenderEnv } from './render-env.js';
import { projectMacros } from './macros/index.js';
import { discoverSeeds } from './seeds.js';
import { discoverSnapshots } from './snapshots.js';
import type { Model } from './types.js';
import { WarehouseRoundTrips } from './round-trips.js';
import { getDialect } from '../warehouse/index.js';

/** Tables identity resolution writes into the project schema; a model of the same name would clobber one. */
export const GENERATED_TABLES: readonly string[] = [
  'identity_graph',
  'resolved_records',
  'profiles',
  'profile_merges',
  'identity_dropped',
  'identity_suppressions',
  'consent',
  'audience_membership',
  'audience_events',
  'audience_sizes',
];

/** Name prefixes of the platform's own working tables (identity scratch, sync state and plans). */
const GENERATED_PREFIXES: readonly string[] = ['_identity_', 'sync_state_', 'sync_plan_', 'sync_progress_', 'sync_results_', 'sync_log_', 'sync_source_', 'sync_dryplan_'];

function isGeneratedName(name: string): boolean {
  const lower = name.toLowerCase();
  return GENERATED_TABLES.includes(lower) || GENERATED_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** The (first) folder holding the project's models. */
export function modelsDir(project: Project): string {
  return project.path(modelPaths(project)[0]!);
}

/** The properties (schema) yml files under the model and seed paths. */
export function loadProperties(project: Project): Properties {
  const folders = [...modelPaths(project), ...(project.dbt ? seedPaths(project) : [])];
  const vars = varsOf(project);
  const target = { ...project.target, warehouse: undefined, file: undefined };
  const render = (text: string, file: string) =>
    renderJinja(text, file, {
      target,
      var: (name: unknown, fallback?: unknown) => (typeof name === 'string' && Object.hasOwn(vars, name) ? vars[name] : fallback),
      env_var: (name: unknown, fallback?: unknown) => process.env[String(name)] ?? fallback,
    });
  const dialect = getDialect(project.config.warehouse.type);
  return readProperties(
    folders.flatMap((folder) => findFiles(project.dir, project.path(folder), ['.yml', '.yaml'])),
    render,
    (name) => dialect.unquotedName(name),
  );
}

/** dbt_project.yml's vars (global, then those scoped to this project), then --vars. */
function varsOf(project: Project): Record<string, unknown> {
  const name = projectNameOf(project);
  const declared = project.dbt?.vars ?? {};
  const global = Object.fromEntries(Object.entries(declared).filter(([key, value]) => !(key === name && typeof value === 'object' && value !== null)));
  const scoped = typeof declared[name] === 'object' && declared[name] !== null ? (declared[name] as Record<string, unknown>) : {};
  return { ...global, ...scoped, ...project.cliVars };
}

/**
 * Finds every model (`.sql` under the model paths), reads its configs (dbt_project.yml folders,
 * yml `config:`, the file's config()), resolves schemas and aliases, and builds the DAG. Fails on
 * the first problem: duplicate names, names of generated tables, template errors, unknown refs,
 * refs to disabled models and ref cycles, each naming the file and line.
 */
export function loadModels(project: Project): ModelGraph {
  rejectUnsupported(project);
  const files = nodeFiles(project, modelPaths(project), ['.sql']);
  const seen = new Map<string, string>();
  for (const source of files) {
    const name = source.fqn[source.fqn.length - 1]!;
    const other = seen.get(name.toLowerCase());
    if (other) {
      throw new CdpError('MODEL_PARSE', `two models are named ${name}: ${other} and ${source.file}`, {
        location: { file: source.file, line: 1 },
        hint: 'a model is named by its file name; rename one of the files',
      });
    }
    seen.set(name.toLowerCase(), source.file);
  }
  const properties = loadProperties(project);
  const folders = new FolderConfigs(project.dbt?.models ?? {}, project.dbt?.yaml, 'models');
  folders.validate();
  const target = project.target;
  const vars = varsOf(project);
  const catalog = new Map<string, Array<{ name: string; type: string }>>();
  const roundTrips = new WarehouseRoundTrips((message) => process.stderr.write(`${message}\n`));
  const macros = projectMacros(project, vars, (message) => process.stderr.write(`${message}\n`), catalog, roundTrips);
  // Seeds are named by generate_schema_name/generate_alias_name too (the project's own, when defined).
  const seeds = discoverSeeds(project, properties, (name, settings, fqn) => macros.relationOf(name, settings, fqn, 'seed'));
  const parseNodes = new Map<string, RefTarget>();
  for (const seed of seeds) parseNodes.set(seed.name, { name: seed.name, kind: 'seed', relation: seed.relation });
  for (const source of files) {
    const name = source.fqn[source.fqn.length - 1]!;
    parseNodes.set(name, { name, kind: 'model', relation: { schema: target.schema, name } });
  }
  const baseEnv: RenderEnv = {
    projectName: projectNameOf(project),
    nodes: parseNodes,
    sources: sourceIndex(properties.sources),
    strictSources: project.dbt !== undefined,
    target,
    vars,
    globals: macros.globals,
    testMacro: macros.testMacro,
    ...(macros.usesCatalog ? { catalog } : {}),
    roundTrips,
  };
  const snapshots = discoverSnapshots(project, baseEnv, properties, (name, settings, fqn) => macros.relationOf(name, settings, fqn, 'snapshot'));
  for (const snapshot of snapshots) parseNodes.set(snapshot.name, { name: snapshot.name, kind: 'snapshot', relation: snapshot.relation });
  const parsed = files.map((source) => {
    const yml = properties.models.get(source.fqn[source.fqn.length - 1]!);
    const baseSettings = mergeConfig(folders.configFor(source.fqn), yml?.config ?? {});
    return parseModel(source, baseEnv, { fqn: source.fqn, baseSettings });
  });
  const enabled = parsed.filter((model) => model.settings.enabled !== false);
  const disabled = new Set(parsed.filter((model) => model.settings.enabled === false).map((model) => model.name));
  for (const model of enabled) {
    const ref = model.refs.find((r) => disabled.has(r.name));
    if (ref) {
      throw new CdpError('MODEL_UNKNOWN_REF', `model ${model.name} depends on ${ref.name}, which is disabled (enabled: false)`, {
        location: { file: model.file, line: ref.line },
        hint: `enable ${ref.name}, or disable ${model.name} too`,
      });
    }
  }
  const models = enabled.map((model) => withRelation(model, macros.relationOf(model.name, model.settings, model.fqn)));
  for (const model of models) {
    if (model.relation.schema === project.schema && isGeneratedName(model.relation.name)) {
      throw new CdpError('MODEL_PARSE', `model ${model.name} would overwrite the generated table ${project.schema}.${model.relation.name}`, {
        location: { file: model.file, line: 1 },
        hint: `rename the file (generated tables: ${GENERATED_TABLES.join(', ')}, and names starting ${GENERATED_PREFIXES.join(', ')}) or set models.schema to another schema`,
      });
    }
  }
  const nodes = new Map<string, RefTarget>();
  for (const seed of seeds) nodes.set(seed.name, { name: seed.name, kind: 'seed', relation: seed.relation });
  for (const snapshot of snapshots) nodes.set(snapshot.name, { name: snapshot.name, kind: 'snapshot', relation: snapshot.relation });
  for (const model of models) nodes.set(model.name, { name: model.name, kind: 'model', relation: model.relation, ...(model.config.materialized === 'ephemeral' ? { ephemeral: model } : {}) });
  return new ModelGraph(models, { ...baseEnv, nodes }, seeds, snapshots);
}

function withRelation(model: Model, relation: Model['relation']): Model {
  return { ...model, relation };
}

/**
 * What cdp does not run yet fails here, before anything is built, naming the file and what to do,
 * so a dbt project never half-runs with parts silently skipped.
 */
function rejectUnsupported(project: Project): void {
  const dbt = project.dbt;
  if (!dbt) return;
}
