import type { PathParts } from './errors.js';

/**
 * How big an audience definition may be. A definition arrives from anyone with the builder, and
 * its SQL is built on the service's event loop: these bounds keep one request from building a
 * statement (or a validation) that stalls the service. They are far above what a person writes;
 * larger logic is split into saved audiences that refer to each other (each compiled once).
 */
export const AUDIENCE_LIMITS = {
  /** Groups (all/any/not, and property filter groups) nested inside one another. */
  depth: 20,
  /** Conditions and property filters in one definition, groups included. */
  conditions: 500,
  /** `{audience: name}` references in one definition. */
  references: 50,
  /** Distinct audiences one definition reaches through references, directly or not. */
  audiencesReferenced: 50,
  /** Conditions of the definition and of every audience it reaches (each counted once). */
  conditionsReached: 2_000,
} as const;

/** Conditions and property filters in a (structurally valid) condition tree, groups included. */
export function countConditions(where: unknown): number {
  let n = 0;
  const stack: unknown[] = [where];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    n++;
    const record = value as Record<string, unknown>;
    for (const key of GROUP_KEYS) if (Array.isArray(record[key])) stack.push(...(record[key] as unknown[]));
    if ('not' in record) stack.push(record.not);
    if ('event' in record && 'where' in record) stack.push(record.where);
    if (Array.isArray(record.sequence)) for (const step of record.sequence as unknown[]) if (isRecord(step) && 'where' in step) stack.push(step.where);
  }
  return n;
}

export interface LimitProblem {
  message: string;
  path: PathParts;
}

const GROUP_KEYS = ['all', 'any'] as const;

/**
 * The first limit a raw definition's `where` breaks (before its structure is checked: the walk is
 * iterative, so a definition nested a thousand deep is refused instead of overflowing the stack).
 */
export function whereLimitProblem(where: unknown, base: PathParts = []): LimitProblem | undefined {
  const hint = 'split it into saved audiences and refer to them with `{audience: name}`';
  let conditions = 0;
  let references = 0;
  const stack: Array<{ value: unknown; path: PathParts; depth: number }> = [{ value: where, path: base, depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    if (depth > AUDIENCE_LIMITS.depth) {
      return { message: `the definition nests groups more than ${AUDIENCE_LIMITS.depth} deep (the limit); ${hint}`, path };
    }
    if (++conditions > AUDIENCE_LIMITS.conditions) {
      return { message: `the definition has more than ${AUDIENCE_LIMITS.conditions} conditions (the limit); ${hint}`, path };
    }
    if ('audience' in value && ++references > AUDIENCE_LIMITS.references) {
      return { message: `the definition has more than ${AUDIENCE_LIMITS.references} audience references (the limit); refer to an audience once`, path };
    }
    const record = value as Record<string, unknown>;
    // Pushed in reverse so the walk (and the first problem found) follows the definition's order.
    for (const key of GROUP_KEYS) {
      const items = record[key];
      if (Array.isArray(items)) for (let i = items.length - 1; i >= 0; i--) stack.push({ value: items[i], path: [...path, key, i], depth: depth + 1 });
    }
    if ('not' in record) stack.push({ value: record.not, path: [...path, 'not'], depth: depth + 1 });
    if ('event' in record && 'where' in record) stack.push({ value: record.where, path: [...path, 'where'], depth: depth + 1 });
    const steps = record.sequence;
    if (Array.isArray(steps)) {
      for (let i = steps.length - 1; i >= 0; i--) {
        const step: unknown = steps[i];
        if (isRecord(step) && 'where' in step) stack.push({ value: step.where, path: [...path, 'sequence', i, 'where'], depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
