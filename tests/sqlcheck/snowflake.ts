/**
 * The Snowflake checker: sqlparser-rs (datafusion-sqlparser-rs, compiled to WebAssembly) parses
 * each statement with its `snowflake` dialect, then every function called must be a Snowflake
 * function (SNOWFLAKE_FUNCTIONS) and no other engine's type name may appear in a cast. Syntax and
 * names only: columns and types are not resolved (no offline Snowflake analyzer exists).
 */
import { init, parse } from '@guanmingchiu/sqlparser-ts';
import { FOREIGN_TYPE_NAMES, SNOWFLAKE_ADAPTER_UDFS, SNOWFLAKE_FUNCTIONS } from './snowflake-functions.js';

let ready: Promise<void> | undefined;

export function initSnowflakeChecker(): Promise<void> {
  ready ??= init();
  return ready;
}

export type SnowflakeCheck = { ok: true; functions: string[] } | { ok: false; error: string };

export async function checkSnowflake(sql: string): Promise<SnowflakeCheck> {
  await initSnowflakeChecker();
  let ast: unknown;
  try {
    ast = parse(sql, 'snowflake');
  } catch (error) {
    return { ok: false, error: `syntax: ${(error as Error).message}` };
  }
  if (!Array.isArray(ast) || ast.length !== 1) return { ok: false, error: `expected one statement, parsed ${Array.isArray(ast) ? ast.length : 0}` };
  const functions = new Set<string>();
  collectFunctions(ast, functions);
  const unknown = [...functions].filter((name) => !SNOWFLAKE_FUNCTIONS.has(name) && !SNOWFLAKE_ADAPTER_UDFS.has(name));
  if (unknown.length) return { ok: false, error: `not Snowflake function(s): ${unknown.join(', ')}` };
  const foreign = foreignTypes(sql);
  if (foreign.length) return { ok: false, error: `not Snowflake type(s) in a cast: ${foreign.join(', ')}` };
  return { ok: true, functions: [...functions].sort() };
}

/** Function names as Snowflake resolves them (unquoted parts upper-cased), qualified when qualified. */
function collectFunctions(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectFunctions(item, into);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'Function' && typeof value === 'object' && value !== null && Array.isArray((value as { name?: unknown }).name)) {
      const parts = ((value as { name: Array<{ Identifier?: { value: string; quote_style?: string | null } }> }).name).map((part) => {
        const id = part.Identifier;
        if (!id) return '?';
        return id.quote_style ? id.value : id.value.toUpperCase();
      });
      into.add(parts.join('.'));
    }
    collectFunctions(value, into);
  }
}

/** Other engines' type names after `AS` (casts) or `::`, outside string literals and quoted names. */
function foreignTypes(sql: string): string[] {
  const bare = sql.replace(/'(?:[^'\\]|\\.|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
  const found = new Set<string>();
  for (const type of FOREIGN_TYPE_NAMES) {
    if (new RegExp(`(\\bAS\\s+|::\\s*)${type}\\b`, 'i').test(bare)) found.add(type);
  }
  return [...found];
}
