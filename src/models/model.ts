import { getDialect, type Dialect, type RelationRef } from '../warehouse/index.js';
import { findCalls, lineOfCall } from './call-lines.js';
import { applyConfigCall, modelConfigOf } from './config.js';
import type { NodeConfig } from './dbt/node-config.js';
import { defaultTarget } from '../project/dbt/profiles.js';
import { modelNameOf, type ProjectFile } from './discover.js';
import { mapRenderedLine } from './line-map.js';
import { didYouMean } from '../util/suggest.js';
import { renderTemplate, TemplateFailure, type TemplateContext } from './template.js';
import type { RefTarget, RenderEnv } from './render-env.js';
import { injectCtes } from './ephemeral.js';
import { RelationValue } from './relation-value.js';
import type { Model, RefCall, SourceCall } from './types.js';

/** How a model is rendered for a build: which engine's quoting, and whether this is an incremental run. */
export interface RenderOptions {
  dialect: Dialect;
  /** Only with a plain set of model names: the schema every model is in. */
  modelSchema?: string;
  /** What `{{ is_incremental() }}` returns. */
  isIncremental: boolean;
}

/** What a render saw: the calls made, in order. */
interface Recording {
  settings: NodeConfig;
  refs: string[];
  sources: SourceCall[];
}

const TRACKED = new Set(['ref', 'source', 'config']);

function requireName(value: unknown, what: string, example: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new TemplateFailure('MODEL_PARSE', `${what} needs a name as a string`, `write e.g. ${example}`);
  }
  return value;
}

const COLUMN_KINDS = ['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json'] as const;
type ColumnKindName = (typeof COLUMN_KINDS)[number];

/** One render: the node, the env, and the ephemeral models inlined so far (as CTEs, in order). */
interface RenderState {
  name: string;
  self: RelationRef;
  env: RenderEnv;
  dialect: Dialect;
  isIncremental: boolean;
  /** false while parsing (dbt's parse phase), true when building or compiling. */
  execute: boolean;
  ctes: Array<{ name: string; sql: string }>;
  recording: Recording;
}

/** The functions and variables a model template sees (dbt's names). */
function templateContext(state: RenderState): TemplateContext {
  const { env, dialect, recording, name } = state;
  const refTo = (target: string): string | RelationValue => {
    const node = env.nodes.get(target);
    if (!node) {
      throw new TemplateFailure(
        'MODEL_UNKNOWN_REF',
        `ref('${target}') in model ${name}: there is no model named ${target}`,
        didYouMean(target, env.nodes.keys(), 'models are the .sql files under the model paths, seeds the .csv files under the seed paths, named by their file name'),
      );
    }
    if (!recording.refs.includes(target)) recording.refs.push(target);
    const fixture = env.fixtures?.get(`ref:${target}`);
    if (fixture !== undefined) return inlineFixture(state, `__dbt__cte__${target}`, fixture);
    if (node.ephemeral && state.execute) return inlineEphemeral(state, node);
    return new RelationValue(node.relation, dialect, env.target.database);
  };
  return {
    ref(...args: unknown[]): string | RelationValue {
      const positional = args.filter((arg) => typeof arg !== 'object' || arg === null);
      if (positional.length !== args.length) {
        throw new TemplateFailure('MODEL_PARSE', 'ref() with keyword arguments (model versions) is not supported', "write {{ ref('model_name') }}");
      }
      if (positional.length === 2) {
        const pkg = requireName(args[0], 'ref() package', "{{ ref('package', 'model_name') }}");
        if (pkg !== env.projectName) {
          throw new TemplateFailure('MODEL_UNKNOWN_REF', `ref('${pkg}', ...) in ${name}: cdp builds only the nodes of project ${env.projectName}`, `write {{ ref('${String(args[1])}') }}`);
        }
        return refTo(requireName(args[1], 'ref()', "{{ ref('model_name') }}"));
      }
      if (positional.length !== 1) {
        throw new TemplateFailure('MODEL_PARSE', `ref() takes one model name, got ${args.length} arguments`, "write {{ ref('model_name') }}");
      }
      return refTo(requireName(args[0], 'ref()', "{{ ref('model_name') }}"));
    },
    source(...args: unknown[]): RelationValue | string {
      if (args.length !== 2) {
        throw new TemplateFailure('MODEL_PARSE', `source() takes a source name and a table, got ${args.length} arguments`, "write {{ source('raw', 'orders') }}");
      }
      const sourceName = requireName(args[0], 'source() source name', "{{ source('raw', 'orders') }}");
      const table = requireName(args[1], 'source() table', "{{ source('raw', 'orders') }}");
      const fixture = env.fixtures?.get(`source:${sourceName}.${table}`);
      if (fixture !== undefined) return inlineFixture(state, `__dbt__cte__${sourceName}__${table}`, fixture);
      const declared = env.sources.get(sourceName)?.get(table);
      if (!declared && env.strictSources) {
        const known = [...env.sources].flatMap(([s, tables]) => [...tables.keys()].map((t) => `${s}.${t}`));
        throw new TemplateFailure('MODEL_UNKNOWN_REF', `source('${sourceName}', '${table}') in ${name}: no such source is declared`, didYouMean(`${sourceName}.${table}`, known, 'declare it in a yml file under the model paths: sources: - name: ... tables: - name: ...'));
      }
      const relation = declared ? { schema: declared.schema, name: declared.identifier } : { schema: sourceName, name: table };
      if (!recording.sources.some((s) => s.source === sourceName && s.table === table)) recording.sources.push({ source: sourceName, table, schema: relation.schema, identifier: relation.name, line: 0 });
      return new RelationValue(relation, dialect, env.target.database);
    },
    config(...args: unknown[]): string {
      recording.settings = applyConfigCall(recording.settings, args);
      return '';
    },
    is_incremental(): boolean {
      return state.isIncremental;
    },
    this: new RelationValue(state.self, dialect, env.target.database),
    /** The engine's name for a column kind, so casts port across warehouses: `cast(x as {{ type('string') }})`. */
    type(...args: unknown[]): string {
      const kind = args[0];
      if (typeof kind !== 'string' || !COLUMN_KINDS.includes(kind as ColumnKindName)) {
        throw new TemplateFailure('MODEL_PARSE', `type() takes one of ${COLUMN_KINDS.join(', ')}`, "write {{ type('string') }}");
      }
      return dialect.typeName(kind as ColumnKindName);
    },
    env_var(...args: unknown[]): string {
      const variable = requireName(args[0], 'env_var()', "{{ env_var('NAME', 'default') }}");
      const value = process.env[variable] ?? (args.length > 1 ? args[1] : undefined);
      if (value === undefined || value === null) {
        throw new TemplateFailure('MODEL_PARSE', `environment variable ${variable} is not set`, `set ${variable} or give a default: env_var('${variable}', 'default')`);
      }
      return String(value);
    },
    var(...args: unknown[]): unknown {
      const variable = requireName(args[0], 'var()', "{{ var('name', 'default') }}");
      if (Object.hasOwn(env.vars, variable)) return env.vars[variable];
      if (args.length > 1) return args[1];
      throw new TemplateFailure('MODEL_PARSE', `var('${variable}') is not defined`, `define it under vars: in dbt_project.yml, pass --vars '{${variable}: ...}', or give a default: var('${variable}', 'default')`);
    },
    target: { ...state.env.target, warehouse: undefined, file: undefined, profile_name: env.projectName, type: dialect.name },
    project_name: env.projectName,
    execute: state.execute,
    ...env.globals({ self: state.self, execute: state.execute, dialect }),
  };
}

/** A unit test's given rows stand in for an input, as a CTE. */
function inlineFixture(state: RenderState, cteName: string, sql: string): string {
  if (!state.ctes.some((cte) => cte.name === cteName)) state.ctes.push({ name: cteName, sql });
  return cteName;
}

/** An ephemeral model's SELECT becomes a CTE named as dbt names it; ref() returns that name. */
function inlineEphemeral(state: RenderState, node: RefTarget): string {
  const cteName = `__dbt__cte__${node.name}`;
  if (!state.ctes.some((cte) => cte.name === cteName)) {
    const model = node.ephemeral!;
    const inner: RenderState = { ...state, name: model.name, self: model.relation, isIncremental: false, recording: { settings: model.settings, refs: [], sources: [] } };
    const sql = renderTemplate(model.template, model.file, templateContext(inner)).trim().replace(/;+$/, '');
    state.ctes.push({ name: cteName, sql });
  }
  return cteName;
}

function render(source: ProjectFile, state: RenderState): string {
  const sql = renderTemplate(source.text, source.file, templateContext(state));
  return state.ctes.length ? injectCtes(sql, state.ctes) : sql;
}

/** The dialect used only to record calls; the relation text it produces is thrown away. */
const RECORDING_DIALECT = getDialect('duckdb');

/** Where a node is described, to parse it: its fqn and its configs from dbt_project.yml and yml. */
export interface ParseInput {
  fqn: string[];
  baseSettings: NodeConfig;
}

/**
 * Reads a model's config, refs and sources by rendering it with recording functions: once as a
 * first build and, for incremental models, once more as an incremental run, so refs inside
 * `{% if is_incremental() %}` blocks count as dependencies too. Its relation is set by the loader.
 */
export function parseModel(source: ProjectFile, env: RenderEnv, input: ParseInput): Model {
  const name = modelNameOf(source.path);
  const self = { schema: env.target.schema, name };
  const state = (isIncremental: boolean): RenderState => ({ name, self, env, dialect: RECORDING_DIALECT, isIncremental, execute: false, ctes: [], recording: { settings: input.baseSettings, refs: [], sources: [] } });
  const firstState = state(false);
  if (input.baseSettings.enabled === false) return disabledModel(source, name, input, firstState.recording.settings);
  let firstSql: string;
  try {
    firstSql = render(source, firstState);
  } catch (error) {
    // A model disabled by its own config() is not parsed further, as in dbt: its refs may be gone.
    if (firstState.recording.settings.enabled === false) return disabledModel(source, name, input, firstState.recording.settings);
    throw error;
  }
  const passes = [firstState.recording];
  const config = modelConfigOf(firstState.recording.settings);
  if (config.materialized === 'incremental') {
    const second = state(true);
    render(source, second);
    passes.push(second.recording);
  }

  const written = findCalls(source.text, TRACKED);
  const bodyLine = firstSqlLine(source.text, firstSql);
  const refs: RefCall[] = [];
  const sources: SourceCall[] = [];
  for (const pass of passes) {
    for (const ref of pass.refs) {
      if (!refs.some((r) => r.name === ref)) refs.push({ name: ref, line: lineOfCall(written, 'ref', [ref], bodyLine) });
    }
    for (const call of pass.sources) {
      if (!sources.some((s) => s.source === call.source && s.table === call.table)) sources.push({ ...call, line: lineOfCall(written, 'source', [call.source, call.table], bodyLine) });
    }
  }
  return {
    name,
    path: source.path,
    file: source.file,
    template: source.text,
    config,
    settings: firstState.recording.settings,
    refs,
    sources,
    relation: self,
    fqn: input.fqn,
    bodyLine,
  };
}

function disabledModel(source: ProjectFile, name: string, input: ParseInput, settings: NodeConfig): Model {
  return { name, path: source.path, file: source.file, template: source.text, config: { materialized: 'view', uniqueKey: [], tags: [] }, settings: { ...settings, enabled: false }, refs: [], sources: [], relation: { schema: '', name }, fqn: input.fqn, bodyLine: 1 };
}

/** The line of the config() call, for errors about the config (e.g. a unique_key that is not a column). */
export function configLine(model: Model): number {
  return lineOfCall(findCalls(model.template, TRACKED), 'config', [], model.bodyLine);
}

/** A render env for a plain set of model names all built in one schema (cdp projects, tests). */
export function plainEnv(names: ReadonlySet<string>, schema: string): RenderEnv {
  const nodes = new Map<string, RefTarget>([...names].map((name) => [name, { name, kind: 'model', relation: { schema, name } }]));
  return { projectName: 'cdp', nodes, sources: new Map(), strictSources: false, target: { ...defaultTarget(), schema }, vars: {}, globals: () => ({}) };
}

/** The model's SELECT as it will run: refs resolved to relations quoted for `options.dialect`, ephemeral refs inlined as CTEs. */
export function renderModel(model: Model, envOrNames: RenderEnv | ReadonlySet<string>, options: RenderOptions): string {
  const env = envOrNames instanceof Set ? plainEnv(envOrNames, options.modelSchema ?? model.relation.schema) : (envOrNames as RenderEnv);
  const self = envOrNames instanceof Set ? { schema: options.modelSchema ?? model.relation.schema, name: model.name } : model.relation;
  const state: RenderState = { name: model.name, self, env, dialect: options.dialect, isIncremental: options.isIncremental, execute: true, ctes: [], recording: { settings: model.settings, refs: [], sources: [] } };
  return render({ path: model.path, file: model.file, text: model.template }, state);
}

/** The template line of the first rendered line that is SQL (not blank, not a `--` comment). */
function firstSqlLine(template: string, rendered: string): number {
  const lines = rendered.split('\n');
  const index = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('--'));
  return index < 0 ? 1 : mapRenderedLine(template, rendered, index + 1);
}

/**
 * The template names of a node that is not a model (a test, a hook, a snapshot): ref, source,
 * var, target, macros..., with `this` set to `self`, as at build time (execute is true).
 */
export function nodeContext(env: RenderEnv, dialect: Dialect, self: RelationRef, name = 'test'): TemplateContext {
  return templateContext({ name, self, env, dialect, isIncremental: false, execute: true, ctes: [], recording: { settings: {}, refs: [], sources: [] } });
}

/** Renders a piece of Jinja (a hook, a test argument) in a node's context. */
export function renderInNode(text: string, file: string, env: RenderEnv, dialect: Dialect, self: RelationRef): string {
  return renderTemplate(text, file, nodeContext(env, dialect, self));
}
