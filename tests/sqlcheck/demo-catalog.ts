/**
 * The tables of the repo-root demo project, as the DuckDB warehouse has them after `cdp demo`
 * (raw tables) and `cdp run` (staging models, identity graph, profiles): the catalog the BigQuery
 * checker resolves names against and the recording warehouse answers listColumns from.
 */
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { Project } from '../../src/project/index.js';
import type { ColumnInfo, RelationRef } from '../../src/warehouse/index.js';
import { BigQueryCatalog, zetaColumn } from './bigquery-catalog.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface CatalogTable extends RelationRef {
  columns: ColumnInfo[];
}

export interface DemoCatalog {
  tables: CatalogTable[];
}

/** Loads the demo's config with a throwaway DuckDB file and state store. */
export async function demoProject(dir: string): Promise<Project> {
  const { config, file } = await loadConfig(REPO_ROOT);
  return new Project(REPO_ROOT, file, {
    ...config,
    warehouse: { type: 'duckdb', path: join(dir, 'warehouse.duckdb') },
    state: { client: 'better-sqlite3', filename: join(dir, 'state.sqlite') },
  });
}

/** A ZetaSQL catalog of the given tables (only raw ones when `schemas` says so). */
export function bigQueryCatalogOf(demo: DemoCatalog, schemas?: readonly string[]): BigQueryCatalog {
  const catalog = new BigQueryCatalog();
  for (const table of demo.tables) {
    if (schemas && !schemas.includes(table.schema)) continue;
    const columns = table.columns.flatMap((c) => zetaColumn(c) ?? []);
    catalog.addTable(table.schema, table.name, columns);
  }
  return catalog;
}
