import { z } from 'zod';

/**
 * The configs a dbt node can carry, by dbt's names (hyphens read as underscores), with the shape
 * each accepts. One table for dbt_project.yml (`+key`), schema yml `config:` blocks and the
 * model file's `config()`, so the three agree on what is valid.
 */
const strings = z.union([z.string().transform((s) => [s]), z.array(z.string())]);
const sqlList = z.union([z.string().transform((s) => [s]), z.array(z.union([z.string(), z.object({ sql: z.string() }).transform((h) => h.sql)]))]);

export const CONFIG_SCHEMAS = {
  materialized: z.enum(['view', 'table', 'incremental', 'ephemeral', 'seed', 'snapshot', 'test']),
  enabled: z.boolean(),
  schema: z.string().min(1).nullable(),
  alias: z.string().min(1).nullable(),
  database: z.string().min(1).nullable(),
  tags: strings,
  meta: z.record(z.string(), z.unknown()),
  docs: z.record(z.string(), z.unknown()),
  group: z.string(),
  access: z.enum(['private', 'protected', 'public']),
  persist_docs: z.record(z.string(), z.boolean()),
  pre_hook: sqlList,
  post_hook: sqlList,
  unique_key: z.union([z.string().min(1).transform((s) => [s]), z.array(z.string().min(1))]),
  incremental_strategy: z.enum(['merge', 'delete+insert', 'append']),
  on_schema_change: z.enum(['ignore', 'fail', 'append_new_columns', 'sync_all_columns']),
  full_refresh: z.boolean().nullable(),
  column_types: z.record(z.string(), z.string()),
  quote_columns: z.boolean(),
  delimiter: z.string().length(1),
  severity: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['error', 'warn'])),
  warn_if: z.string(),
  error_if: z.string(),
  store_failures: z.boolean(),
  where: z.string().nullable(),
  limit: z.number().int().positive().nullable(),
  fail_calc: z.string(),
  strategy: z.enum(['timestamp', 'check']),
  updated_at: z.string(),
  check_cols: z.union([z.literal('all'), z.array(z.string())]),
  target_schema: z.string(),
  target_database: z.string(),
  invalidate_hard_deletes: z.boolean(),
  unique_id: z.string(),
  sql_header: z.string(),
} as const;

export type ConfigKey = keyof typeof CONFIG_SCHEMAS;
export const CONFIG_KEYS = Object.keys(CONFIG_SCHEMAS) as ConfigKey[];

/** A node's configs, validated, by dbt's names. */
export type NodeConfig = { [K in ConfigKey]?: z.output<(typeof CONFIG_SCHEMAS)[K]> };

/** Configs whose values add up across levels (project, yml, file) instead of replacing: as in dbt. */
const ADDITIVE_LISTS = new Set<ConfigKey>(['tags', 'pre_hook', 'post_hook']);
const MERGED_DICTS = new Set<ConfigKey>(['meta', 'docs', 'persist_docs', 'column_types']);

/** `+pre-hook` and `pre_hook` are the same config. */
export function configKeyOf(written: string): ConfigKey | undefined {
  const key = written.replace(/^\+/, '').replace(/-/g, '_');
  return (CONFIG_KEYS as string[]).includes(key) ? (key as ConfigKey) : undefined;
}

export type ConfigCheck = { ok: true; key: ConfigKey; value: unknown } | { ok: false; message: string; hint: string };

/** Validates one written config. */
export function checkConfig(written: string, value: unknown): ConfigCheck {
  const key = configKeyOf(written);
  if (!key) {
    return { ok: false, message: `cdp does not support the config '${written}'`, hint: `supported configs: ${CONFIG_KEYS.join(', ')}; remove it or see docs/models.md` };
  }
  const parsed = CONFIG_SCHEMAS[key].safeParse(value);
  if (!parsed.success) return { ok: false, message: `invalid ${key}: ${parsed.error.issues[0]!.message}`, hint: `see https://docs.getdbt.com/reference/resource-configs/${key.replace(/_/g, '-')}` };
  return { ok: true, key, value: parsed.data };
}

/** `over` applied on `base`: scalars replace, tags and hooks add up, dicts merge. */
export function mergeConfig(base: NodeConfig, over: NodeConfig): NodeConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over) as Array<[ConfigKey, unknown]>) {
    if (value === undefined) continue;
    const before = out[key];
    if (ADDITIVE_LISTS.has(key) && Array.isArray(before)) out[key] = key === 'tags' ? [...new Set([...before, ...(value as unknown[])])] : [...before, ...(value as unknown[])];
    else if (MERGED_DICTS.has(key) && before && typeof before === 'object') out[key] = { ...(before as object), ...(value as object) };
    else out[key] = value;
  }
  return out as NodeConfig;
}
