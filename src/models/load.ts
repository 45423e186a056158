import type { Project } from '../project/index.js';
import { CdpError } from '../errors.js';
import { findFiles, modelNameOf } from './discover.js';
import { ModelGraph } from './graph.js';
import { parseModel } from './model.js';

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

/** The folder holding the project's models. */
export function modelsDir(project: Project): string {
  return project.path(project.config.models.path);
}

/**
 * Finds every `models/**\/*.sql`, parses each (config, refs, sources) and builds the DAG.
 * Fails on the first problem: duplicate names, names of generated tables, template errors,
 * unknown refs and ref cycles, each naming the file and line.
 */
export function loadModels(project: Project): ModelGraph {
  const files = findFiles(project.dir, modelsDir(project), ['.sql']);
  const seen = new Map<string, string>();
  for (const source of files) {
    const name = modelNameOf(source.path);
    const other = seen.get(name.toLowerCase());
    if (other) {
      throw new CdpError('MODEL_PARSE', `two models are named ${name}: ${other} and ${source.file}`, {
        location: { file: source.file, line: 1 },
        hint: 'a model is named by its file name; rename one of the files',
      });
    }
    seen.set(name.toLowerCase(), source.file);
    if (project.modelSchema === project.schema && isGeneratedName(name)) {
      throw new CdpError('MODEL_PARSE', `model ${name} would overwrite the generated table ${project.schema}.${name}`, {
        location: { file: source.file, line: 1 },
        hint: `rename the file (generated tables: ${GENERATED_TABLES.join(', ')}, and names starting ${GENERATED_PREFIXES.join(', ')}) or set models.schema to another schema`,
      });
    }
  }
  const known = new Set(files.map((source) => modelNameOf(source.path)));
  return new ModelGraph(files.map((source) => parseModel(source, known, project.modelSchema)));
}
