import { z } from 'zod';
import type { ColumnKind, Dialect } from '../warehouse/index.js';
import { parseDateValue } from './dates.js';
import { operatorNamed, registerOperator, type OperatorDefinition, type ValueChecks } from './operator-registry.js';
import type { Predicate } from './schema.js';
import { dateStringSchema, durationLabel, durationSchema, scalarSchema, valueLabel, type Duration, type ScalarValue } from './values.js';

/**
 * The built-in audience operators, registered in the operator registry in the order they are
 * offered for a column (see `operatorsForKind`).
 *
 * NULL semantics: positive operators never match NULL; the negative ones (`neq`, `not_in`,
 * `not_contains`, `not_within_last`) are the exact complement of their positive twin, so they do
 * match NULL.
 */

const ORDERED: readonly ColumnKind[] = ['string', 'integer', 'number', 'timestamp', 'date'];
const COMPARABLE: readonly ColumnKind[] = [...ORDERED, 'boolean'];
const NUMERIC_OR_TEXT: readonly ColumnKind[] = ['string', 'integer', 'number'];
const TEMPORAL: readonly ColumnKind[] = ['timestamp', 'date'];
const ANY: readonly ColumnKind[] = ['string', 'integer', 'number', 'boolean', 'timestamp', 'date', 'json', 'other'];

export function isTemporal(kind: ColumnKind): boolean {
  return kind === 'timestamp' || kind === 'date';
}

type DateValue = NonNullable<ReturnType<typeof parseDateValue>>;

/** An ordering comparison: on dates and timestamps by the day or instant written, else on the value. */
function comparison(op: string, symbol: string, temporal: (expr: string, v: DateValue, d: Dialect) => string, plain: string): OperatorDefinition<ScalarValue> {
  return {
    op,
    kinds: ORDERED,
    value: scalarSchema,
    check: (value, checks) => checks.scalar(value),
    sql: ({ d, expr, kind, value, positive }) =>
      positive(isTemporal(kind) ? temporal(expr, parseDateValue(String(value))!, d) : `${expr} ${plain} ${d.literal(value)}`),
    describe: (subject, value) => `${subject} ${symbol} ${valueLabel(value)}`,
  };
}

const after = (expr: string, v: DateValue, d: Dialect) => `${expr} >= ${d.literal(v.end)}`;
const before = (expr: string, v: DateValue, d: Dialect) => `${expr} < ${d.literal(v.start)}`;

/** Before or after a day (the whole day) or an instant, on dates and timestamps. */
function instant(op: string, bound: (expr: string, v: DateValue, d: Dialect) => string): OperatorDefinition<string> {
  return {
    op,
    kinds: TEMPORAL,
    value: dateStringSchema,
    check: (value, checks) => checks.scalar(value),
    sql: ({ d, expr, value, positive }) => positive(bound(expr, parseDateValue(value)!, d)),
  };
}

/** Text matching: the dialect says how (LIKE with escapes, or a function). */
function textMatch(op: 'contains' | 'starts_with' | 'ends_with'): OperatorDefinition<string> {
  return { op, kinds: ['string'], value: z.string(), sql: ({ d, expr, value, positive }) => positive(d.textMatch(expr, op, value)) };
}

function unary(op: string, kinds: readonly ColumnKind[], sql: (expr: string) => string, positiveOp: boolean): OperatorDefinition<null | undefined> {
  return { op, kinds, value: z.null().optional(), sql: ({ expr, positive }) => (positiveOp ? positive(sql(expr)) : sql(expr)) };
}

function scalars(values: ScalarValue[], checks: ValueChecks): void {
  values.forEach((v, i) => checks.scalar(v, i));
}

const listLabel = (values: ScalarValue[]) => `(${values.map(valueLabel).join(', ')})`;

registerOperator<ScalarValue>({
  op: 'eq',
  kinds: COMPARABLE,
  value: scalarSchema,
  check: (value, checks) => checks.scalar(value),
  sql: ({ d, expr, kind, value, positive }) => positive(equals(d, expr, kind, value)),
  describe: (subject, value) => `${subject} = ${valueLabel(value)}`,
});
registerOperator<ScalarValue>({
  op: 'neq',
  kinds: COMPARABLE,
  value: scalarSchema,
  check: (value, checks) => checks.scalar(value),
  sql: ({ d, expr, kind, value, complement }) => complement(`(${equals(d, expr, kind, value)})`),
  describe: (subject, value) => `${subject} ≠ ${valueLabel(value)}`,
});
registerOperator(comparison('gt', '>', after, '>'));
registerOperator(comparison('gte', '≥', (expr, v, d) => `${expr} >= ${d.literal(v.start)}`, '>='));
registerOperator(comparison('lt', '<', before, '<'));
registerOperator(comparison('lte', '≤', (expr, v, d) => (v.dateOnly ? `${expr} < ${d.literal(v.end)}` : `${expr} <= ${d.literal(v.end)}`), '<='));
registerOperator<[ScalarValue, ScalarValue]>({
  op: 'between',
  kinds: ORDERED,
  value: z.tuple([scalarSchema, scalarSchema]),
  check: ([low, high], checks) => {
    scalars([low, high], checks);
    const ordered = isTemporal(checks.kind) ? parseDateValue(String(low))!.start <= parseDateValue(String(high))!.end : low <= high;
    if (!ordered) checks.fail('the lower bound is above the upper bound', 'write [low, high]');
  },
  sql: ({ d, expr, kind, value: [low, high], positive }) =>
    positive(isTemporal(kind) ? dateBounds(d, expr, String(low), String(high)) : `${expr} BETWEEN ${d.literal(low)} AND ${d.literal(high)}`),
  describe: (subject, [low, high]) => `${subject} between ${valueLabel(low)} and ${valueLabel(high)}`,
});
registerOperator<ScalarValue[]>({
  op: 'in',
  kinds: NUMERIC_OR_TEXT,
  value: z.array(scalarSchema),
  check: scalars,
  sql: ({ d, expr, value, positive }) => (value.length === 0 ? 'FALSE' : positive(`${expr} IN (${value.map((v) => d.literal(v)).join(', ')})`)),
  describe: (subject, value) => `${subject} in ${listLabel(value)}`,
});
registerOperator<ScalarValue[]>({
  op: 'not_in',
  kinds: NUMERIC_OR_TEXT,
  value: z.array(scalarSchema),
  check: scalars,
  sql: ({ d, expr, value }) => (value.length === 0 ? 'TRUE' : `(${expr} IS NULL OR ${expr} NOT IN (${value.map((v) => d.literal(v)).join(', ')}))`),
  describe: (subject, value) => `${subject} not in ${listLabel(value)}`,
});
registerOperator(textMatch('contains'));
registerOperator<string>({
  op: 'not_contains',
  kinds: ['string'],
  value: z.string(),
  sql: ({ d, expr, value, complement }) => complement(`(${d.textMatch(expr, 'contains', value)})`),
});
registerOperator(textMatch('starts_with'));
registerOperator(textMatch('ends_with'));
registerOperator(unary('is_true', ['boolean'], (expr) => `${expr} = TRUE`, true));
registerOperator(unary('is_false', ['boolean'], (expr) => `${expr} = FALSE`, true));
registerOperator(instant('before', before));
registerOperator(instant('after', after));
registerOperator<Duration>({
  op: 'within_last',
  kinds: TEMPORAL,
  value: durationSchema,
  sql: ({ d, expr, value, positive }) => positive(`${expr} >= ${ago(d, value)}`),
  describe: (subject, value) => `${subject} within the last ${durationLabel(value)}`,
});
registerOperator<Duration>({
  op: 'not_within_last',
  kinds: TEMPORAL,
  value: durationSchema,
  sql: ({ d, expr, value }) => `(${expr} IS NULL OR ${expr} < ${ago(d, value)})`,
  describe: (subject, value) => `${subject} not within the last ${durationLabel(value)}`,
});
registerOperator(unary('is_null', ANY, (expr) => `${expr} IS NULL`, false));
registerOperator(unary('is_not_null', ANY, (expr) => `${expr} IS NOT NULL`, false));

/**
 * SQL for `expr <op> value` on a column of `kind` (already validated by resolve.ts), by the
 * operator's registered definition. `twoValued` makes positive operators yield FALSE instead of
 * NULL, which a `not` above them needs to be an exact complement.
 */
export function predicateSql(d: Dialect, expr: string, kind: ColumnKind, p: Predicate, twoValued: boolean): string {
  return operatorNamed(p.op).sql({
    d,
    expr,
    kind,
    value: p.value,
    positive: (sql) => (twoValued ? `COALESCE(${sql}, FALSE)` : sql),
    complement: (sql) => `(${expr} IS NULL OR NOT ${sql})`,
  });
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
