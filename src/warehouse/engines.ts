import type { WarehouseConfig } from '../config/index.js';

/**
 * Every warehouse engine cdp runs on: the one list. Dialect names, warehouse types, the
 * `dialect` options of the CLI and API, and the engines of the adapter contract suite
 * (tests/integration/warehouse) all read it. Adding an engine starts here; the compiler then
 * points at what else it needs (a Dialect in dialects/index.ts, a config schema in
 * src/config/schema.ts, a case in openWarehouse).
 */
export const ENGINE_NAMES = ['duckdb', 'postgres', 'bigquery', 'snowflake'] as const;

export type EngineName = (typeof ENGINE_NAMES)[number];

/**
 * Engines a machine runs itself (embedded, or a server on the local network), which the test
 * suites run for real; the cloud engines run against the fakes in tests/fixtures.
 */
export const SELF_HOSTED_ENGINES = ['duckdb', 'postgres'] as const satisfies readonly EngineName[];

/**
 * Engines embedded in the cdp process (a DuckDB file is open in one process only): nothing else
 * writes to them, so what this process built is all there is to know.
 */
export const EMBEDDED_ENGINES = ['duckdb'] as const satisfies readonly EngineName[];

export function isEmbeddedEngine(name: EngineName): boolean {
  return (EMBEDDED_ENGINES as readonly EngineName[]).includes(name);
}

export function isEngineName(value: string): value is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(value);
}

/** Fails to compile when the config's warehouse types and this list part ways. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const configNamesEveryEngine: Same<WarehouseConfig['type'], EngineName> = true;
void configNamesEveryEngine;
