import type { RelationRef } from '../warehouse/index.js';
import type { NodeConfig } from './dbt/node-config.js';

export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral';

/** What `{{ config(...) }}` in a model declares, with defaults filled in. */
export interface ModelConfig {
  materialized: Materialization;
  /** Columns that identify a row of an incremental model; empty = insert-only. */
  uniqueKey: string[];
  tags: string[];
}

/** One `{{ ref('name') }}` call and the 1-based line of the model file it is on. */
export interface RefCall {
  name: string;
  line: number;
}

/** One `{{ source('source_name', 'table') }}` call, the relation it resolved to (schema, identifier) and its line. */
export interface SourceCall {
  source: string;
  table: string;
  schema: string;
  identifier: string;
  line: number;
}

/** A SQL model: one `.sql` file under the models folder, parsed but not yet rendered for a build. */
export interface Model {
  /** The file's basename without `.sql`; also the name of the relation it builds. */
  name: string;
  /** Absolute path of the `.sql` file. */
  path: string;
  /** Path relative to the project directory (what error messages show). */
  file: string;
  /** The template text as written. */
  template: string;
  config: ModelConfig;
  /** Distinct refs, in the order first seen. */
  refs: RefCall[];
  /** Distinct sources, in the order first seen. */
  sources: SourceCall[];
  /** The warehouse relation this model builds (schema and alias as generate_schema_name/generate_alias_name decide). */
  relation: RelationRef;
  /** dbt's fully qualified name: [project, ...folders under the model path, name]. */
  fqn: string[];
  /** Every config of the model (dbt_project.yml folders, then yml `config:`, then the file's config()), by dbt's names. */
  settings: NodeConfig;
  /** Line of the first line of SQL (after leading config/comment/blank lines), for errors with no better line. */
  bodyLine: number;
}

export type BuildStatus = 'success' | 'error' | 'skipped';

/** What happened to one model in a run. */
export interface ModelBuildResult {
  model: string;
  file: string;
  relation: RelationRef;
  materialized: Materialization;
  status: BuildStatus;
  /** 'create' = (re)built from scratch; 'incremental' = rows inserted/merged into the existing table. */
  mode: 'create' | 'incremental' | null;
  /** Rows in the built table; null for views and for models not built. */
  rows: number | null;
  seconds: number;
  startedAt: Date;
  finishedAt: Date;
  /** The one-line error (failed) or why it was skipped. */
  error: string | null;
  /** The rendered SELECT, when the model was compiled (for target/compiled). */
  compiledSql?: string;
}
