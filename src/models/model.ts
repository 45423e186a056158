import { getDialect, type Dialect } from '../warehouse/index.js';
import { findCalls, lineOfCall } from './call-lines.js';
import { applyConfigCall, DEFAULT_MODEL_CONFIG } from './config.js';
import { modelNameOf, type ProjectFile } from './discover.js';
import { mapRenderedLine } from './line-map.js';
import { didYouMean } from '../util/suggest.js';
import { renderTemplate, TemplateFailure, type TemplateContext } from './template.js';
import type { Model, ModelConfig, RefCall, SourceCall } from './types.js';

/** How a model is rendered for a build: which engine's quoting, where models live, and whether this is an incremental run. */
export interface RenderOptions {
  dialect: Dialect;
  modelSchema: string;
  /** What `{{ is_incremental() }}` returns. */
  isIncremental: boolean;
}

/** What a render saw: the calls made, in order. */
interface Recording {
  config: ModelConfig;
  refs: string[];
  sources: Array<[string, string]>;
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

/** The functions and variables a model template sees (dbt's names). */
function templateContext(name: string, knownModels: ReadonlySet<string>, options: RenderOptions, recording: Recording): TemplateContext {
  const { dialect, modelSchema } = options;
  return {
    ref(...args: unknown[]): string {
      if (args.length !== 1) {
        throw new TemplateFailure('MODEL_PARSE', `ref() takes one model name, got ${args.length} arguments`, "write {{ ref('model_name') }}");
      }
      const target = requireName(args[0], 'ref()', "{{ ref('model_name') }}");
      if (!knownModels.has(target)) {
        throw new TemplateFailure(
          'MODEL_UNKNOWN_REF',
          `ref('${target}') in model ${name}: there is no model named ${target}`,
          didYouMean(target, knownModels, 'models are the .sql files under the models folder, named by their file name'),
        );
      }
      if (!recording.refs.includes(target)) recording.refs.push(target);
      return dialect.relation({ schema: modelSchema, name: target });
    },
    source(...args: unknown[]): string {
      if (args.length !== 2) {
        throw new TemplateFailure('MODEL_PARSE', `source() takes a schema and a table, got ${args.length} arguments`, "write {{ source('raw', 'orders') }}");
      }
      const schema = requireName(args[0], 'source() schema', "{{ source('raw', 'orders') }}");
      const table = requireName(args[1], 'source() table', "{{ source('raw', 'orders') }}");
      if (!recording.sources.some(([s, t]) => s === schema && t === table)) recording.sources.push([schema, table]);
      return dialect.relation({ schema, name: table });
    },
    config(...args: unknown[]): string {
      recording.config = applyConfigCall(recording.config, args);
      return '';
    },
    is_incremental(): boolean {
      return options.isIncremental;
    },
    this: dialect.relation({ schema: modelSchema, name }),
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
  };
}

function render(source: ProjectFile, knownModels: ReadonlySet<string>, options: RenderOptions): { sql: string; recording: Recording } {
  const recording: Recording = { config: { ...DEFAULT_MODEL_CONFIG }, refs: [], sources: [] };
  const name = modelNameOf(source.path);
  const sql = renderTemplate(source.text, source.file, templateContext(name, knownModels, options, recording));
  return { sql, recording };
}

/** The dialect used only to record calls; the relation text it produces is thrown away. */
const RECORDING_DIALECT = getDialect('duckdb');

/**
 * Reads a model's config, refs and sources by rendering it with recording functions: once as a
 * first build and, for incremental models, once more as an incremental run, so refs inside
 * `{% if is_incremental() %}` blocks count as dependencies too.
 */
export function parseModel(source: ProjectFile, knownModels: ReadonlySet<string>, modelSchema: string): Model {
  const name = modelNameOf(source.path);
  const base = { dialect: RECORDING_DIALECT, modelSchema };
  const first = render(source, knownModels, { ...base, isIncremental: false });
  const passes = [first.recording];
  if (first.recording.config.materialized === 'incremental') passes.push(render(source, knownModels, { ...base, isIncremental: true }).recording);

  const written = findCalls(source.text, TRACKED);
  const bodyLine = firstSqlLine(source.text, first.sql);
  const refs: RefCall[] = [];
  const sources: SourceCall[] = [];
  for (const pass of passes) {
    for (const ref of pass.refs) {
      if (!refs.some((r) => r.name === ref)) refs.push({ name: ref, line: lineOfCall(written, 'ref', [ref], bodyLine) });
    }
    for (const [schema, table] of pass.sources) {
      if (!sources.some((s) => s.schema === schema && s.table === table)) {
        sources.push({ schema, table, line: lineOfCall(written, 'source', [schema, table], bodyLine) });
      }
    }
  }
  return {
    name,
    path: source.path,
    file: source.file,
    template: source.text,
    config: first.recording.config,
    refs,
    sources,
    relation: { schema: modelSchema, name },
    bodyLine,
  };
}

/** The line of the config() call, for errors about the config (e.g. a unique_key that is not a column). */
export function configLine(model: Model): number {
  return lineOfCall(findCalls(model.template, TRACKED), 'config', [], model.bodyLine);
}

/** The model's SELECT as it will run: refs resolved to relations quoted for `options.dialect`. */
export function renderModel(model: Model, knownModels: ReadonlySet<string>, options: RenderOptions): string {
  const { sql } = render({ path: model.path, file: model.file, text: model.template }, knownModels, options);
  return sql;
}

/** The template line of the first rendered line that is SQL (not blank, not a `--` comment). */
function firstSqlLine(template: string, rendered: string): number {
  const lines = rendered.split('\n');
  const index = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('--'));
  return index < 0 ? 1 : mapRenderedLine(template, rendered, index + 1);
}
