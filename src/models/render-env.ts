import type { Dialect, RelationRef } from '../warehouse/index.js';
import type { Model } from './types.js';
import type { WarehouseRoundTrips } from './round-trips.js';
import type { DbtTarget } from '../project/dbt/profiles.js';
import type { SourceTable } from './dbt/properties.js';

/** What a ref() can point at: a model or a seed, built at `relation`; ephemeral models are inlined. */
export interface RefTarget {
  name: string;
  kind: 'model' | 'seed' | 'snapshot';
  relation: RelationRef;
  /** Set for ephemeral models: the model to inline as a CTE. */
  ephemeral?: Model;
}

/**
 * Everything a template resolves against that is the same for every model of one project:
 * ref targets, declared sources, dbt's `target`, vars, and the template functions macros add.
 */
export interface RenderEnv {
  /** The project (package) name: dbt's `project_name`, and the first part of each fqn. */
  projectName: string;
  nodes: ReadonlyMap<string, RefTarget>;
  /** source name -> table name -> declared table. */
  sources: ReadonlyMap<string, ReadonlyMap<string, SourceTable>>;
  /**
   * When true (a dbt project), source() must name a source declared in yml; otherwise (a cdp
   * project) `source('schema', 'table')` reads that relation as written.
   */
  strictSources: boolean;
  target: DbtTarget;
  vars: Readonly<Record<string, unknown>>;
  /** Extra names every template sees (macros of the project and its packages). */
  globals: (call: RenderCall) => Record<string, unknown>;
  /**
   * Columns of relations, read before a build (templates cannot wait for the warehouse), keyed by
   * the relation as the dialect quotes it: what adapter.get_columns_in_relation() answers.
   * Present when a template of the project asks for columns.
   */
  catalog?: Map<string, Array<{ name: string; type: string }>>;
  /** Answers to run_query()/statement/get_relation while rendering (see round-trips.ts); attached to a warehouse by builds and compiles. */
  roundTrips?: WarehouseRoundTrips;
  /** Unit tests: `ref:<name>` / `source:<source>.<table>` -> the SELECT of given rows that replaces it (as a CTE). */
  fixtures?: ReadonlyMap<string, string>;
  /** A generic test's macro (`{% test name %}` of the project or a package). */
  testMacro?: (name: string) => ((...args: unknown[]) => unknown) | undefined;
}

/** One render of one node: what the globals need to know. */
export interface RenderCall {
  /** `this` */
  self: RelationRef;
  /** dbt's `execute`: false while parsing, true when building or compiling. */
  execute: boolean;
  dialect: Dialect;
}

export function sourceIndex(tables: readonly SourceTable[]): Map<string, Map<string, SourceTable>> {
  const index = new Map<string, Map<string, SourceTable>>();
  for (const table of tables) {
    if (!index.has(table.source)) index.set(table.source, new Map());
    index.get(table.source)!.set(table.table, table);
  }
  return index;
}
