import type { ColumnKind, Dialect } from '../warehouse/index.js';
import { parseDateValue } from './dates.js';
import type { Duration, Operator, Predicate, ScalarValue } from './schema.js';

/** Which operators fit a column of each kind. */
export const OPERATORS_BY_KIND: Record<ColumnKind, readonly Operator[]> = {
  string: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'ends_with', 'is_null', 'is_not_null'],
  integer: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'not_in', 'is_null', 'is_not_null'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'not_in', 'is_null', 'is_not_null'],
  boolean: ['eq', 'neq', 'is_true', 'is_false', 'is_null', 'is_not_null'],
  timestamp: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'before', 'after', 'within_last', 'not_within_last', 'is_null', 'is_not_null'],
  date: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'before', 'after', 'within_last', 'not_within_last', 'is_null', 'is_not_null'],
  json: ['is_null', 'is_not_null'],
  other: ['is_null', 'is_not_null'],
};

export function isTemporal(kind: ColumnKind): boolean {
  return kind === 'timestamp' || kind === 'date';
}

/**
 * SQL for `expr <op> value` on a column of `kind` (already validated by resolve.ts).
 *
 * NULL semantics: positive operators never match NULL; the negative ones (`neq`, `not_in`,
 * `not_contains`, `not_within_last`) are the exact complement of their positive twin, so they do
 * match NULL. `twoValued` makes positive operators yield FALSE instead of NULL, which a `not`
 * above them needs to be an exact complement; elsewhere NULL already behaves as FALSE, and
 * leaving the bare comparison lets engines use min/max statistics.
 */
export function predicateSql(d: Dialect, expr: string, kind: ColumnKind, p: Predicate, twoValued: boolean): string {
  const positive = (sql: string) => (twoValued ? `COALESCE(${sql}, FALSE)` : sql);
  const complement = (sql: string) => `(${expr} IS NULL OR NOT ${sql})`;
  switch (p.op) {
    case 'is_null':
      return `${expr} IS NULL`;
    case 'is_not_null':
      return `${expr} IS NOT NULL`;
    case 'is_true':
      return positive(`${expr} = TRUE`);
    case 'is_false':
      return positive(`${expr} = FALSE`);
    case 'eq':
      return positive(equals(d, expr, kind, p.value));
    case 'neq':
      return complement(wrap(equals(d, expr, kind, p.value)));
    case 'gt':
    case 'after':
      return positive(temporalOrPlain(d, expr, kind, p.value, (v) => `${expr} >= ${d.literal(v.end)}`, (v) => `${expr} > ${v}`));
    case 'gte':
      return positive(temporalOrPlain(d, expr, kind, p.value, (v) => `${expr} >= ${d.literal(v.start)}`, (v) => `${expr} >= ${v}`));
    case 'lt':
    case 'before':
      return positive(temporalOrPlain(d, expr, kind, p.value, (v) => `${expr} < ${d.literal(v.start)}`, (v) => `${expr} < ${v}`));
    case 'lte':
      return positive(
        temporalOrPlain(d, expr, kind, p.value, (v) => (v.dateOnly ? `${expr} < ${d.literal(v.end)}` : `${expr} <= ${d.literal(v.end)}`), (v) => `${expr} <= ${v}`),
      );
    case 'between':
      return positive(between(d, expr, kind, p.value));
    case 'in':
      return p.value.length === 0 ? 'FALSE' : positive(`${expr} IN (${p.value.map((v) => d.literal(v)).join(', ')})`);
    case 'not_in':
      return p.value.length === 0 ? 'TRUE' : `(${expr} IS NULL OR ${expr} NOT IN (${p.value.map((v) => d.literal(v)).join(', ')}))`;
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      return positive(d.textMatch(expr, p.op, p.value));
    case 'not_contains':
      return complement(wrap(d.textMatch(expr, 'contains', p.value)));
    case 'within_last':
      return positive(`${expr} >= ${ago(d, p.value)}`);
    case 'not_within_last':
      return `(${expr} IS NULL OR ${expr} < ${ago(d, p.value)})`;
  }
}

/** `now - duration`, evaluated in the warehouse when the query runs. */
export function ago(d: Dialect, duration: Duration): string {
  return 'days' in duration ? d.dateAdd(d.currentTimestampUtc(), -duration.days, 'day') : d.dateAdd(d.currentTimestampUtc(), -duration.hours, 'hour');
}

/** `expr` lies in a day range or at an instant (for event windows and date traits alike). */
export function dateBounds(d: Dialect, expr: string, from: string, to: string): string {
  const lower = parseDateValue(from)!;
  const upper = parseDateValue(to)!;
  const upperSql = upper.dateOnly ? `${expr} < ${d.literal(upper.end)}` : `${expr} <= ${d.literal(upper.end)}`;
  return `${expr} >= ${d.literal(lower.start)} AND ${upperSql}`;
}

function equals(d: Dialect, expr: string, kind: ColumnKind, value: ScalarValue): string {
  if (isTemporal(kind)) {
    const v = parseDateValue(String(value))!;
    return v.dateOnly ? `${expr} >= ${d.literal(v.start)} AND ${expr} < ${d.literal(v.end)}` : `${expr} = ${d.literal(v.start)}`;
  }
  return `${expr} = ${d.literal(value)}`;
}

function between(d: Dialect, expr: string, kind: ColumnKind, [low, high]: [ScalarValue, ScalarValue]): string {
  if (isTemporal(kind)) return dateBounds(d, expr, String(low), String(high));
  return `${expr} BETWEEN ${d.literal(low)} AND ${d.literal(high)}`;
}

function temporalOrPlain(
  d: Dialect,
  expr: string,
  kind: ColumnKind,
  value: ScalarValue,
  temporal: (v: NonNullable<ReturnType<typeof parseDateValue>>) => string,
  plain: (literal: string) => string,
): string {
  if (isTemporal(kind)) return temporal(parseDateValue(String(value))!);
  return plain(d.literal(value));
}

function wrap(sql: string): string {
  return `(${sql})`;
}
