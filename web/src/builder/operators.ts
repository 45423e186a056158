import type { ColumnKind, Operator } from '../lib/types';

/**
 * The operators the builder offers for a column of each kind, in menu order, with words a
 * marketer reads. A subset of what the compiler accepts (the operator registry,
 * src/audiences/operator-registry.ts): ordering comparisons on text are left to YAML.
 */
const BY_KIND: Record<ColumnKind, ReadonlyArray<[Operator, string]>> = {
  string: [
    ['eq', 'is'],
    ['neq', 'is not'],
    ['in', 'is one of'],
    ['not_in', 'is none of'],
    ['contains', 'contains'],
    ['not_contains', 'does not contain'],
    ['starts_with', 'starts with'],
    ['ends_with', 'ends with'],
    ['is_not_null', 'is set'],
    ['is_null', 'is empty'],
  ],
  integer: [
    ['eq', '='],
    ['neq', '≠'],
    ['gt', '>'],
    ['gte', '≥'],
    ['lt', '<'],
    ['lte', '≤'],
    ['between', 'between'],
    ['in', 'is one of'],
    ['not_in', 'is none of'],
    ['is_not_null', 'is set'],
    ['is_null', 'is empty'],
  ],
  number: [],
  boolean: [
    ['is_true', 'is true'],
    ['is_false', 'is false'],
    ['is_not_null', 'is known'],
    ['is_null', 'is unknown'],
  ],
  timestamp: [
    ['within_last', 'in the last'],
    ['not_within_last', 'not in the last'],
    ['after', 'after'],
    ['before', 'before'],
    ['between', 'between'],
    ['eq', 'on'],
    ['is_not_null', 'is set'],
    ['is_null', 'is empty'],
  ],
  date: [],
  json: [
    ['is_not_null', 'is set'],
    ['is_null', 'is empty'],
  ],
  other: [],
};
BY_KIND.number = BY_KIND.integer;
BY_KIND.date = BY_KIND.timestamp;
BY_KIND.other = BY_KIND.json;

export function operatorsFor(kind: ColumnKind): ReadonlyArray<[Operator, string]> {
  return BY_KIND[kind];
}

export function defaultOperator(kind: ColumnKind): Operator {
  switch (kind) {
    case 'string':
      return 'eq';
    case 'integer':
    case 'number':
      return 'gte';
    case 'boolean':
      return 'is_true';
    case 'timestamp':
    case 'date':
      return 'within_last';
    default:
      return 'is_not_null';
  }
}

/** What value input an operator takes. */
export type ValueShape = 'none' | 'scalar' | 'pair' | 'list' | 'instant' | 'duration';

export function valueShape(op: Operator): ValueShape {
  switch (op) {
    case 'is_null':
    case 'is_not_null':
    case 'is_true':
    case 'is_false':
      return 'none';
    case 'between':
      return 'pair';
    case 'in':
    case 'not_in':
      return 'list';
    case 'before':
    case 'after':
      return 'instant';
    case 'within_last':
    case 'not_within_last':
      return 'duration';
    default:
      return 'scalar';
  }
}

export function isTemporal(kind: ColumnKind): boolean {
  return kind === 'timestamp' || kind === 'date';
}

export function isNumeric(kind: ColumnKind): boolean {
  return kind === 'integer' || kind === 'number';
}

export const KIND_LABELS: Record<ColumnKind, string> = {
  string: 'text',
  integer: 'whole number',
  number: 'number',
  boolean: 'yes/no',
  timestamp: 'date & time',
  date: 'date',
  json: 'JSON',
  other: 'other',
};
