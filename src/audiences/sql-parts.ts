import type { ColumnKind, Dialect } from '../warehouse/index.js';
import type { EventStreamInfo } from './catalog.js';
import { predicateSql } from './operators.js';
import type { ResolvedFilter } from './resolve.js';

/** Pieces of SQL text the audience compilers share: groups, parentheses, indentation, property filters. */

/** A property filter over the events of `stream` (aliased `s`). */
export function filterSql(d: Dialect, node: ResolvedFilter, stream: EventStreamInfo, twoValued: boolean): string {
  switch (node.type) {
    case 'all':
      return group(node.items.map((item) => filterSql(d, item, stream, twoValued)), 'AND', 'TRUE');
    case 'any':
      return group(node.items.map((item) => filterSql(d, item, stream, twoValued)), 'OR', 'FALSE');
    case 'not':
      return `NOT ${parenthesise(filterSql(d, node.item, stream, true))}`;
    case 'property': {
      // A property this stream does not have is NULL for its events.
      const expr = stream.columns.has(node.column) ? `s.${d.quoteIdent(node.column)}` : nullOf(d, node.kind);
      return predicateSql(d, expr, node.kind, node.predicate, twoValued);
    }
  }
}

export function nullOf(d: Dialect, kind: ColumnKind): string {
  return kind === 'other' ? 'NULL' : `CAST(NULL AS ${d.typeName(kind)})`;
}

export function group(items: string[], joiner: 'AND' | 'OR', empty: string): string {
  if (items.length === 0) return empty;
  if (items.length === 1) return items[0]!;
  // Continuation lines of nested items are indented under their group.
  return `(${items.map((item) => indentContinuation(parenthesise(item), '  ')).join(`\n  ${joiner} `)})`;
}

export function parenthesise(sql: string): string {
  return /^\(.*\)$/s.test(sql) && balanced(sql.slice(1, -1)) ? sql : `(${sql})`;
}

/** True when the parentheses of `sql` (ignoring quoted text) never close below depth 0. */
function balanced(sql: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Indents every line of `text` (outside quoted strings and identifiers, whose newlines are content). */
export function indent(text: string, by = '  '): string {
  return by + indentContinuation(text, by);
}

/** Indents the lines after the first, leaving newlines inside quotes alone. */
function indentContinuation(text: string, by: string): string {
  let out = '';
  let quote: string | undefined;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') quote = ch;
    out += ch === '\n' && !quote ? `\n${by}` : ch;
  }
  return out;
}
