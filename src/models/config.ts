import { TemplateFailure } from './template.js';
import { checkConfig, mergeConfig, type NodeConfig } from './dbt/node-config.js';
import type { Materialization, ModelConfig } from './types.js';

export const DEFAULT_MODEL_CONFIG: ModelConfig = { materialized: 'view', uniqueKey: [], tags: [] };

const MODEL_MATERIALIZATIONS: readonly Materialization[] = ['view', 'table', 'incremental', 'ephemeral'];

/** The typed part of a model's config, read from all of its configs. */
export function modelConfigOf(settings: NodeConfig): ModelConfig {
  const materialized = settings.materialized ?? 'view';
  if (!MODEL_MATERIALIZATIONS.includes(materialized as Materialization)) {
    throw new TemplateFailure('MODEL_PARSE', `materialized='${materialized}' is not a model materialization`, `models are ${MODEL_MATERIALIZATIONS.join(', ')}; snapshots go in snapshots/ as {% snapshot %} blocks`);
  }
  return { materialized: materialized as Materialization, uniqueKey: settings.unique_key ?? [], tags: settings.tags ?? [] };
}

/**
 * Applies one `config(...)` call to what earlier calls (and dbt_project.yml, and yml `config:`)
 * set. nunjucks passes keyword arguments as a trailing object marked `__keywords`; a single dict
 * argument (`config({...})`) is accepted too. Unknown configs are errors so typos do not pass silently.
 */
export function applyConfigCall(current: NodeConfig, args: readonly unknown[]): NodeConfig {
  const last = args[args.length - 1];
  const isObject = typeof last === 'object' && last !== null && !Array.isArray(last);
  if (!isObject || args.length > 1) {
    throw new TemplateFailure('MODEL_PARSE', 'config() takes keyword arguments only', "write e.g. {{ config(materialized='table') }}");
  }
  const { __keywords: _marker, ...options } = last as Record<string, unknown>;
  const update: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    const checked = checkConfig(key, value);
    if (!checked.ok) throw new TemplateFailure('MODEL_PARSE', `invalid config(${key}=...): ${checked.message}`, checked.hint);
    update[checked.key] = checked.value;
  }
  const next = mergeConfig(current, update as NodeConfig);
  modelConfigOf(next);
  return next;
}
