import { CdpError } from '../../errors.js';
import type { ProjectFile } from '../discover.js';
import { checkConfig, mergeConfig, type NodeConfig } from './node-config.js';
import { parseYaml, type YamlFile } from '../../project/dbt/yaml-file.js';

/** A node's entry in a properties (schema) yml file: its `config:` block and where it is written. */
export interface NodeProperties {
  name: string;
  file: string;
  line: number;
  config: NodeConfig;
}

/** One table of a source declared in yml, and the relation `source()` resolves it to. */
export interface SourceTable {
  source: string;
  table: string;
  schema: string;
  identifier: string;
  database: string | null;
  file: string;
  line: number;
  loadedAtField: string | null;
  freshness: Freshness | null;
}

export interface FreshnessRule {
  count: number;
  period: 'minute' | 'hour' | 'day';
}

export interface Freshness {
  warnAfter: FreshnessRule | null;
  errorAfter: FreshnessRule | null;
  filter: string | null;
}

export interface Properties {
  models: Map<string, NodeProperties>;
  seeds: Map<string, NodeProperties>;
  snapshots: Map<string, NodeProperties>;
  sources: SourceTable[];
  files: YamlFile[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads the `models:`, `seeds:`, `snapshots:` and `sources:` of every properties file. */
/** Renders a yml value written with Jinja (`schema: "{{ target.schema }}_raw"`), as dbt does. */
export type ValueRenderer = (text: string, file: string) => string;

const plainText: ValueRenderer = (text) => text;

/**
 * `fold` gives the name the warehouse stores for an unquoted identifier (Dialect.unquotedName):
 * what a source's `quoting: {identifier: false}` (or schema/database) means, as dbt renders the
 * name unquoted and the engine folds it.
 */
export function readProperties(files: readonly ProjectFile[], render: ValueRenderer = plainText, fold: (name: string) => string = (name) => name): Properties {
  const out: Properties = { models: new Map(), seeds: new Map(), snapshots: new Map(), sources: [], files: [] };
  for (const source of files) {
    const yaml = parseYaml(source.text, source.file);
    out.files.push(yaml);
    if (!isObject(yaml.data)) continue;
    for (const section of ['models', 'seeds', 'snapshots'] as const) {
      const entries = yaml.data[section];
      if (entries === undefined || entries === null) continue;
      if (!Array.isArray(entries)) throw fail(yaml, [section], `${section}: must be a list`, `write ${section}:\n  - name: ...`);
      entries.forEach((entry, i) => {
        if (!isObject(entry) || typeof entry.name !== 'string') throw fail(yaml, [section, i], `${section}[${i}] needs a name`, 'write - name: <node name>');
        // Two entries for one node (cdp allows tests split across files): their configs add up.
        const existing = out[section].get(entry.name);
        const config = readConfigBlock(yaml, [section, i], entry);
        out[section].set(entry.name, existing ? { ...existing, config: mergeConfig(existing.config, config) } : { name: entry.name, file: yaml.file, line: yaml.lineOf([section, i, 'name']), config });
      });
    }
    out.sources.push(...readSources(yaml, (text) => (text.includes('{{') || text.includes('{%') ? render(text, yaml.file) : text), fold));
  }
  return out;
}

/** A node's `config:` block, plus the configs dbt also reads beside it (tags, meta). */
function readConfigBlock(yaml: YamlFile, path: Array<string | number>, entry: Record<string, unknown>): NodeConfig {
  const config: Record<string, unknown> = {};
  const written: Record<string, unknown> = { ...(entry.tags !== undefined ? { tags: entry.tags } : {}), ...(entry.meta !== undefined ? { meta: entry.meta } : {}) };
  if (entry.config !== undefined) {
    if (!isObject(entry.config)) throw fail(yaml, [...path, 'config'], 'config: must be a mapping', 'write config:\n  materialized: table');
    Object.assign(written, entry.config);
  }
  for (const [key, value] of Object.entries(written)) {
    const checked = checkConfig(key, value);
    if (!checked.ok) throw fail(yaml, [...path, entry.config && key in (entry.config as object) ? 'config' : key, ...(entry.config && key in (entry.config as object) ? [key] : [])], checked.message, checked.hint);
    config[checked.key] = checked.value;
  }
  return config as NodeConfig;
}

function readSources(yaml: YamlFile, render: (text: string) => string, fold: (name: string) => string): SourceTable[] {
  const data = yaml.data as Record<string, unknown>;
  const sources = data.sources;
  if (sources === undefined || sources === null) return [];
  if (!Array.isArray(sources)) throw fail(yaml, ['sources'], 'sources: must be a list', 'write sources:\n  - name: raw\n    tables:\n      - name: orders');
  const out: SourceTable[] = [];
  sources.forEach((source, s) => {
    if (!isObject(source) || typeof source.name !== 'string') throw fail(yaml, ['sources', s], 'a source needs a name', 'write - name: <source name>');
    for (const key of ['overrides', 'loader'] as const) if (key === 'overrides' && source[key] !== undefined) throw fail(yaml, ['sources', s, key], 'source overrides are not supported', 'declare the source in this project');
    const schema = render(typeof source.schema === 'string' ? source.schema : source.name);
    const database = typeof source.database === 'string' ? render(source.database) : null;
    const sourceFreshness = readFreshness(yaml, ['sources', s], source, null);
    const loadedAt = typeof source.loaded_at_field === 'string' ? source.loaded_at_field : null;
    const tables = source.tables ?? [];
    if (!Array.isArray(tables)) throw fail(yaml, ['sources', s, 'tables'], 'tables: must be a list', 'write tables:\n  - name: orders');
    tables.forEach((table, t) => {
      if (!isObject(table) || typeof table.name !== 'string') throw fail(yaml, ['sources', s, 'tables', t], 'a source table needs a name', 'write - name: <table>');
      const quoting = { ...(isObject(source.quoting) ? source.quoting : {}), ...(isObject(table.quoting) ? table.quoting : {}) };
      for (const [part, value] of Object.entries(quoting)) {
        if (!['database', 'schema', 'identifier'].includes(part) || typeof value !== 'boolean') {
          throw fail(yaml, ['sources', s, 'tables', t], `quoting.${part}: must be database, schema or identifier, set to true or false`, 'write quoting: {identifier: false}');
        }
      }
      // quoting: false = the name as the engine stores it unquoted (Snowflake upper-cases, Postgres lower-cases).
      const named = (part: 'database' | 'schema' | 'identifier', name: string) => (quoting[part] === false ? fold(name) : name);
      out.push({
        source: source.name as string,
        table: table.name,
        schema: named('schema', schema),
        identifier: named('identifier', render(typeof table.identifier === 'string' ? table.identifier : table.name)),
        database: database === null ? null : named('database', database),
        file: yaml.file,
        line: yaml.lineOf(['sources', s, 'tables', t, 'name']),
        loadedAtField: typeof table.loaded_at_field === 'string' ? table.loaded_at_field : loadedAt,
        freshness: readFreshness(yaml, ['sources', s, 'tables', t], table, sourceFreshness),
      });
    });
  });
  return out;
}

function readFreshness(yaml: YamlFile, path: Array<string | number>, entry: Record<string, unknown>, inherited: Freshness | null): Freshness | null {
  const raw = 'freshness' in entry ? entry.freshness : isObject(entry.config) && 'freshness' in entry.config ? entry.config.freshness : undefined;
  if (raw === undefined) return inherited;
  if (raw === null) return null;
  if (!isObject(raw)) throw fail(yaml, [...path, 'freshness'], 'freshness: must be a mapping', 'write freshness:\n  warn_after: {count: 12, period: hour}');
  const rule = (key: 'warn_after' | 'error_after'): FreshnessRule | null => {
    const value = raw[key];
    if (value === undefined) return inherited?.[key === 'warn_after' ? 'warnAfter' : 'errorAfter'] ?? null;
    if (value === null) return null;
    if (!isObject(value) || typeof value.count !== 'number' || !['minute', 'hour', 'day'].includes(String(value.period))) {
      throw fail(yaml, [...path, 'freshness', key], `${key} needs count (a number) and period (minute, hour or day)`, `write ${key}: {count: 12, period: hour}`);
    }
    return { count: value.count, period: value.period as FreshnessRule['period'] };
  };
  return { warnAfter: rule('warn_after'), errorAfter: rule('error_after'), filter: typeof raw.filter === 'string' ? raw.filter : (inherited?.filter ?? null) };
}

function fail(yaml: YamlFile, path: Array<string | number>, message: string, hint: string): CdpError {
  return new CdpError('CONFIG_INVALID', message, { location: { file: yaml.file, line: yaml.lineOf(path) }, hint });
}
