import { z } from 'zod';
import { formatPath } from '../errors.js';
import { TemplateFailure } from './template.js';
import type { ModelConfig } from './types.js';

const columnName = z.string().min(1, 'a column name');

/** The keyword arguments `{{ config(...) }}` accepts. Unknown keys are errors so typos do not pass silently. */
export const modelConfigArgsSchema = z
  .object({
    materialized: z.enum(['view', 'table', 'incremental']).optional(),
    unique_key: z.union([columnName, z.array(columnName).min(1)]).optional(),
    tags: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .strict();

export const DEFAULT_MODEL_CONFIG: ModelConfig = { materialized: 'view', uniqueKey: [], tags: [] };

/**
 * Applies one `config(...)` call to what earlier calls set. nunjucks passes keyword arguments as a
 * trailing object marked `__keywords`; positional arguments are not part of dbt's config().
 */
export function applyConfigCall(current: ModelConfig, args: readonly unknown[]): ModelConfig {
  const last = args[args.length - 1];
  const isKeywords = typeof last === 'object' && last !== null && (last as { __keywords?: unknown }).__keywords === true;
  if (!isKeywords || args.length > 1) {
    throw new TemplateFailure('MODEL_PARSE', 'config() takes keyword arguments only', "write e.g. {{ config(materialized='table') }}");
  }
  const { __keywords: _marker, ...options } = last as Record<string, unknown>;
  const parsed = modelConfigArgsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = formatPath(issue.path);
    throw new TemplateFailure(
      'MODEL_PARSE',
      `invalid config(${field ? `${field}=` : ''}...): ${issue.message}`,
      "config accepts materialized='view'|'table'|'incremental', unique_key='col' or ['a','b'], tags",
    );
  }
  const next = { ...current };
  if (parsed.data.materialized) next.materialized = parsed.data.materialized;
  if (parsed.data.unique_key !== undefined) {
    next.uniqueKey = typeof parsed.data.unique_key === 'string' ? [parsed.data.unique_key] : parsed.data.unique_key;
  }
  if (parsed.data.tags !== undefined) next.tags = typeof parsed.data.tags === 'string' ? [parsed.data.tags] : parsed.data.tags;
  return next;
}
