import { CdpError } from '../errors.js';
import type { RelationInfo, Warehouse } from '../warehouse/index.js';
import { configLine, renderInNode, renderModel } from './model.js';
import { renderWithRoundTrips } from './round-trips.js';
import type { RenderEnv } from './render-env.js';
import { modelSqlError } from './sql-error.js';
import type { Model } from './types.js';

/** What a build needs to know about the world. */
export interface BuildContext {
  warehouse: Warehouse;
  /** What refs, sources, vars and macros resolve against (the graph's env). */
  env: RenderEnv;
  /** Rebuild incremental models from scratch. */
  fullRefresh: boolean;
  /** Kind of relation already at each `schema.name` of the schemas models are built in (one catalog read per schema and run). */
  existing: ReadonlyMap<string, RelationInfo['kind']>;
}

/** The key of `existing`. */
export const relationKey = (relation: { schema: string; name: string }): string => `${relation.schema}.${relation.name}`;

/** The statements that build one model, run in one transaction. */
export interface BuildPlan {
  model: Model;
  mode: 'create' | 'incremental';
  /** The rendered SELECT as embedded in the statements. */
  sql: string;
  statements: string[];
}

/** Trailing semicolons would break the statements the SELECT is embedded in; a final newline ends any `--` comment. */
function asEmbeddable(rendered: string, model: Model): string {
  let sql = rendered.trimEnd();
  while (sql.endsWith(';')) sql = sql.slice(0, -1).trimEnd();
  if (sql.trim() === '') {
    throw new CdpError('MODEL_PARSE', `model ${model.name} renders no SQL`, {
      location: { file: model.file, line: 1 },
      hint: 'a model is one SELECT statement',
    });
  }
  return `${sql}\n`;
}

/**
 * Decides how to build a model and renders the statements:
 * - view: create or replace the view;
 * - table, or incremental on its first run / --full-refresh: create or replace the table;
 * - incremental otherwise: merge the new rows by unique_key, or insert them when there is none.
 * A relation of the other kind (a view where a table goes) is dropped in the same transaction.
 */
export async function planBuild(model: Model, context: BuildContext): Promise<BuildPlan> {
  const { warehouse } = context;
  const dialect = warehouse.dialect;
  const target = model.relation;
  const existing = context.existing.get(relationKey(target));
  const { materialized } = model.config;
  const incremental = materialized === 'incremental' && existing === 'table' && !context.fullRefresh;
  const trips = context.env.roundTrips;
  trips?.attach(warehouse);
  const render = (isIncremental: boolean) => renderWithRoundTrips(trips, () => asEmbeddable(renderModel(model, context.env, { dialect, isIncremental }), model));

  const hooks = (key: 'pre_hook' | 'post_hook') =>
    renderWithRoundTrips(trips, () => (model.settings[key] ?? []).map((hook) => renderInNode(hook, model.file, context.env, dialect, target)).filter((hook) => hook.trim() !== ''));
  const [pre, post] = [await hooks('pre_hook'), await hooks('post_hook')];
  // full_refresh: false keeps an incremental model incremental even under --full-refresh, as in dbt.
  if (!incremental && !(materialized === 'incremental' && existing === 'table' && context.fullRefresh && model.settings.full_refresh === false)) {
    const sql = await render(false);
    const kind = materialized === 'view' ? 'view' : 'table';
    return { model, mode: 'create', sql, statements: [...pre, ...dialect.replaceRelationAs(target, kind, sql, existing), ...post] };
  }

  const sql = await render(true);
  const columns = await syncColumns(model, context, sql);
  const keys = model.config.uniqueKey;
  const missing = keys.filter((key) => !columns.includes(key));
  if (missing.length) {
    throw new CdpError('MODEL_PARSE', `unique_key ${missing.join(', ')} of model ${model.name} is not a column of ${target.schema}.${target.name}`, {
      location: { file: model.file, line: configLine(model) },
      hint: `columns are: ${columns.join(', ')}; or rebuild with --full-refresh after changing the columns`,
    });
  }
  const q = (column: string) => dialect.quoteIdent(column);
  const strategy = model.settings.incremental_strategy ?? (keys.length ? 'merge' : 'append');
  const insert = `INSERT INTO ${dialect.relation(target)} (${columns.map(q).join(', ')}) SELECT ${columns.map(q).join(', ')} FROM (${sql}) AS cdp_increment`;
  let statements: string[];
  if (strategy === 'append' || keys.length === 0) statements = [insert];
  else if (strategy === 'delete+insert') {
    const tuple = (prefix: string) => (keys.length === 1 ? `${prefix}${q(keys[0]!)}` : `(${keys.map((k) => `${prefix}${q(k)}`).join(', ')})`);
    statements = [`DELETE FROM ${dialect.relation(target)} WHERE ${tuple('')} IN (SELECT ${keys.map(q).join(', ')} FROM (${sql}) AS cdp_increment)`, insert];
  } else statements = dialect.merge({ target, source: sql, keys, insertColumns: columns, updateColumns: columns.filter((c) => !keys.includes(c)) });
  return { model, mode: 'incremental', sql, statements: [...pre, ...statements, ...post] };
}

/**
 * dbt's on_schema_change for an incremental run: `ignore` (default) inserts the columns the table
 * has; `fail` stops when the model's columns changed; `append_new_columns` adds new columns;
 * `sync_all_columns` also drops columns the model no longer selects. Returns the columns to insert.
 */
async function syncColumns(model: Model, context: BuildContext, sql: string): Promise<string[]> {
  const { warehouse } = context;
  const dialect = warehouse.dialect;
  const target = model.relation;
  const existing = await warehouse.listColumns(target);
  const mode = model.settings.on_schema_change ?? 'ignore';
  if (mode === 'ignore') return existing.map((column) => column.name);
  const probe = { schema: target.schema, name: `${target.name}__dbt_tmp` };
  for (const statement of dialect.createOrReplaceViewAs(probe, sql)) await warehouse.execute(statement);
  const incoming = await warehouse.listColumns(probe);
  await warehouse.execute(dialect.dropRelation(probe, 'view'));
  const added = incoming.filter((c) => !existing.some((e) => e.name === c.name));
  const removed = existing.filter((e) => !incoming.some((c) => c.name === e.name));
  if (added.length === 0 && removed.length === 0) return existing.map((column) => column.name);
  if (mode === 'fail') {
    throw new CdpError('MODEL_PARSE', `the columns of incremental model ${model.name} changed (added: ${added.map((c) => c.name).join(', ') || 'none'}; removed: ${removed.map((c) => c.name).join(', ') || 'none'}) and on_schema_change is fail`, {
      location: { file: model.file, line: configLine(model) },
      hint: 'rebuild with --full-refresh, or set on_schema_change to append_new_columns or sync_all_columns',
    });
  }
  for (const column of added) await warehouse.execute(`ALTER TABLE ${dialect.relation(target)} ADD COLUMN ${dialect.quoteIdent(column.name)} ${column.type}`);
  if (mode === 'sync_all_columns') for (const column of removed) await warehouse.execute(`ALTER TABLE ${dialect.relation(target)} DROP COLUMN ${dialect.quoteIdent(column.name)}`);
  const kept = mode === 'sync_all_columns' ? existing.filter((e) => !removed.includes(e)) : existing;
  return [...kept, ...added].map((column) => column.name).filter((name) => incoming.some((c) => c.name === name));
}

/**
 * Runs a plan's statements in one transaction, so a failure leaves the previous relation as it
 * was, then counts the rows of tables (views are not counted: that would run their query).
 */
export async function executeBuild(warehouse: Warehouse, plan: BuildPlan): Promise<{ rows: number | null }> {
  await warehouse.transaction(async (session) => {
    for (const statement of plan.statements) {
      try {
        await session.execute(statement);
      } catch (error) {
        throw modelSqlError(plan.model, statement, plan.sql, error);
      }
    }
  });
  if (plan.model.config.materialized === 'view') return { rows: null };
  const [row] = await warehouse.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${warehouse.dialect.relation(plan.model.relation)}`);
  return { rows: Number(row?.n ?? 0) };
}
