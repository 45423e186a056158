import type { z } from 'zod';
import { CdpError } from '../errors.js';
import type { ColumnKind, Dialect } from '../warehouse/index.js';
import { valueLabel, type ScalarValue } from './values.js';

/**
 * The one registry of the operators a trait or event-property condition may use (`op: eq`,
 * `op: contains`, ...). An operator is one definition: the column kinds it fits, the shape of its
 * value, how its value is checked against the column, its SQL and its words. The definition
 * schema, the resolver, the compiler, describe() and the fields API all read it from here; the
 * built-in ones are registered by operators.ts. docs/extending.md shows how to add one.
 */

export interface OperatorSqlArgs<V> {
  d: Dialect;
  /** The column, qualified and quoted. */
  expr: string;
  kind: ColumnKind;
  value: V;
  /**
   * Wraps a positive condition (one that never matches NULL) so it yields FALSE instead of NULL
   * where a `not` above it needs an exact complement; elsewhere it is left bare so engines can use
   * min/max statistics.
   */
  positive(sql: string): string;
  /** `(expr IS NULL OR NOT (sql))`: the exact complement of a positive twin, matching NULL. */
  complement(sql: string): string;
}

/** What a value check may use (resolve.ts supplies it, with the condition's path for errors). */
export interface ValueChecks {
  kind: ColumnKind;
  /** Checks one scalar fits the column (a number for a number column, a date for a date column...); `index` into a list value. */
  scalar(value: ScalarValue, index?: number): void;
  /** Refuses the value. */
  fail(message: string, hint: string): never;
}

export interface OperatorDefinition<V> {
  /** The name written in definitions: `op: <name>`. */
  op: string;
  /** The column kinds it fits, in the order it is offered for each kind (see `operatorsForKind`). */
  kinds: readonly ColumnKind[];
  /** The shape of `value` (for no value: `z.null().optional()`). */
  value: z.ZodType<V>;
  /** Checks the value against the column beyond its shape (default: nothing more to check). */
  check?(value: V, checks: ValueChecks): void;
  /** SQL that is TRUE for the rows that match (see `positive` and `complement` for NULLs). */
  sql(args: OperatorSqlArgs<V>): string;
  /** How describe() reads the condition (default: `subject op words value`). */
  describe?(subject: string, value: V): string;
}

/** An operator as the registry keeps it: its value parsed by its own schema before each use. */
export interface RegisteredOperator {
  op: string;
  kinds: readonly ColumnKind[];
  value: z.ZodType<unknown>;
  check(value: unknown, checks: ValueChecks): void;
  sql(args: OperatorSqlArgs<unknown>): string;
  describe(subject: string, value: unknown): string;
}

const operators = new Map<string, RegisteredOperator>();
let version = 0;

export function registerOperator<V>(definition: OperatorDefinition<V>): void {
  if (operators.has(definition.op)) throw new CdpError('CONFIG_INVALID', `audience operator ${definition.op} is registered twice`, { hint: 'pick another operator name' });
  // The value passed its schema when the definition was parsed; parsing it again here types it
  // without a cast (values are a few scalars).
  const typed = (value: unknown): V => definition.value.parse(value);
  operators.set(definition.op, {
    op: definition.op,
    kinds: definition.kinds,
    value: definition.value,
    check: (value, checks) => definition.check?.(typed(value), checks),
    sql: (args) => definition.sql({ ...args, value: typed(args.value) }),
    describe: (subject, value) =>
      definition.describe?.(subject, typed(value)) ?? `${subject} ${definition.op.replace(/_/g, ' ')}${value === undefined || value === null ? '' : ` ${valueLabel(value)}`}`,
  });
  version++;
}

/** Every registered operator, in registration order. */
export function registeredOperators(): RegisteredOperator[] {
  return [...operators.values()];
}

/** Changes whenever an operator is registered (schemas built from the registry cache on it). */
export function operatorRegistryVersion(): number {
  return version;
}

/** The operator named `op`; the definition schema has made sure it exists. */
export function operatorNamed(op: string): RegisteredOperator {
  const operator = operators.get(op);
  if (!operator) throw new CdpError('AUDIENCE_INVALID', `unknown operator \`${op}\``, { hint: `use one of: ${[...operators.keys()].join(', ')}` });
  return operator;
}

/** The operators that fit a column of `kind`, in registration order. */
export function operatorsForKind(kind: ColumnKind): string[] {
  return registeredOperators()
    .filter((o) => o.kinds.includes(kind))
    .map((o) => o.op);
}
