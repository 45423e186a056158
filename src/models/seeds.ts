import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { ColumnKind, RelationRef, Warehouse } from '../warehouse/index.js';
import { parseCsv } from './csv.js';
import { FolderConfigs } from './dbt/folder-config.js';
import { mergeConfig, type NodeConfig } from './dbt/node-config.js';
import { nodeFiles, seedPaths } from './dbt/paths.js';
import type { Properties } from './dbt/properties.js';
import { defaultAliasName, defaultSchemaName } from './dbt/schema-names.js';

/** A seed: one CSV file under the seed paths, loaded as a table named after the file. */
export interface Seed {
  name: string;
  path: string;
  file: string;
  fqn: string[];
  settings: NodeConfig;
  relation: RelationRef;
}

/** Every `.csv` under the seed paths with its configs (dbt_project.yml `seeds:`, then yml `config:`). */
export function discoverSeeds(project: Project, properties: Properties, relationOf?: (name: string, settings: NodeConfig, fqn: string[]) => RelationRef): Seed[] {
  if (!project.dbt) return [];
  const folders = new FolderConfigs(project.dbt.seeds, project.dbt.yaml, 'seeds');
  folders.validate();
  return nodeFiles(project, seedPaths(project), ['.csv'])
    .map((file) => {
      const name = file.fqn[file.fqn.length - 1]!;
      const settings = mergeConfig(folders.configFor(file.fqn), properties.seeds.get(name)?.config ?? {});
      const relation = relationOf ? relationOf(name, settings, file.fqn) : { schema: defaultSchemaName(settings.schema, project.target), name: defaultAliasName(settings.alias, name) };
      return { name, path: file.path, file: file.file, fqn: file.fqn, settings, relation };
    })
    .filter((seed) => seed.settings.enabled !== false);
}

type Inferred = Exclude<ColumnKind, 'other' | 'json'>;

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const BOOLEAN = /^(true|false)$/i;

/**
 * The column kind dbt (agate) would infer from a seed column's values: the first of integer,
 * number, date, timestamp, boolean that every non-empty value fits; otherwise text. Empty
 * values are NULL and fit every kind.
 */
export function inferKind(values: readonly string[]): Inferred {
  const present = values.filter((value) => value !== '');
  if (present.length === 0) return 'string';
  const all = (pattern: RegExp) => present.every((value) => pattern.test(value.trim()));
  if (all(INTEGER)) return 'integer';
  if (all(NUMBER)) return 'number';
  if (all(DATE)) return 'date';
  if (all(DATETIME)) return 'timestamp';
  if (all(BOOLEAN)) return 'boolean';
  return 'string';
}

export interface SeedResult {
  seed: Seed;
  rows: number;
  seconds: number;
}

/**
 * Loads one seed: the CSV rows go into a scratch table as text with the engine's bulk path, then
 * one statement creates (replacing) the seed's table with every column cast to its type
 * (`column_types` first, else the inferred kind), and the scratch table is dropped.
 */
export async function loadSeed(warehouse: Warehouse, seed: Seed, text: string): Promise<SeedResult> {
  const started = performance.now();
  const dialect = warehouse.dialect;
  const { header, rows } = parseCsv(text, seed.file, seed.settings.delimiter ?? ',');
  const seen = new Set<string>();
  for (const column of header) {
    if (column.trim() === '' || seen.has(column.toLowerCase())) {
      throw new CdpError('MODEL_PARSE', column.trim() === '' ? 'a column of the header has no name' : `column ${column} appears twice in the header`, { location: { file: seed.file, line: 1 }, hint: 'give every column a distinct name' });
    }
    seen.add(column.toLowerCase());
  }
  const columnTypes = seed.settings.column_types ?? {};
  for (const name of Object.keys(columnTypes)) {
    if (!header.includes(name)) throw new CdpError('CONFIG_INVALID', `column_types names ${name}, which is not a column of seed ${seed.name}`, { location: { file: seed.file, line: 1 }, hint: `columns are: ${header.join(', ')}` });
  }
  const quote = seed.settings.quote_columns !== false;
  const names = header.map((column) => (quote ? column : dialect.unquotedName(column)));
  const scratch = { schema: seed.relation.schema, name: `${seed.relation.name}__cdp_seed_load` };
  await warehouse.createSchema(seed.relation.schema);
  const loaded = header.map((_, i) => ({ name: `c${i}`, kind: 'string' as const }));
  await warehouse.loadTable(scratch, loaded, [rows.map((row) => row.map((value) => (value === '' ? null : value)))]);
  const select = header
    .map((column, i) => {
      const type = columnTypes[column] ?? dialect.typeName(inferKind(rows.map((row) => row[i]!)));
      return `CAST(${dialect.quoteIdent(`c${i}`)} AS ${type}) AS ${dialect.quoteIdent(names[i]!)}`;
    })
    .join(', ');
  try {
    await warehouse.transaction(async (session) => {
      for (const statement of dialect.createOrReplaceTableAs(seed.relation, `SELECT ${select} FROM ${dialect.relation(scratch)}`)) await session.execute(statement);
    });
  } catch (error) {
    throw new CdpError('MODEL_SQL', `seed ${seed.name} failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`, {
      location: { file: seed.file, line: 1 },
      hint: 'a value does not fit its column type: fix the CSV, or set column_types for that column',
      cause: error,
    });
  } finally {
    await warehouse.execute(dialect.dropRelation(scratch, 'table'));
  }
  return { seed, rows: rows.length, seconds: (performance.now() - started) / 1000 };
}
