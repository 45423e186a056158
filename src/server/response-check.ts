import { isDeepStrictEqual } from 'node:util';
import { HttpError } from './errors.js';
import type { AnyRouteSpec } from './routing.js';

/** Integers beyond 2^53 come back from the warehouse as bigint: JSON has no such type. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

/**
 * The answer as the client will read it (JSON) must parse with the route's schema and lose
 * nothing in the parse: a key the schema does not declare is a mismatch too.
 */
export function checkResponse(spec: AnyRouteSpec, result: unknown): void {
  if (!spec.response || result === undefined) return;
  const wire: unknown = JSON.parse(JSON.stringify(result, jsonReplacer) ?? 'null');
  const parsed = spec.response.safeParse(wire);
  const where = `${spec.method.toUpperCase()} ${spec.path}`;
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HttpError(500, 'INTERNAL', `the answer of ${where} does not match its response schema at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  if (!isDeepStrictEqual(parsed.data, wire)) {
    throw new HttpError(500, 'INTERNAL', `the answer of ${where} has fields its response schema does not declare`, null, firstDifference(wire, parsed.data));
  }
}

/** Where `actual` has what `declared` lost, e.g. `syncs.0.lastRun.extra`. */
function firstDifference(actual: unknown, declared: unknown, path: string[] = []): string {
  if (typeof actual === 'object' && actual !== null && typeof declared === 'object' && declared !== null) {
    for (const key of Object.keys(actual)) {
      const a = (actual as Record<string, unknown>)[key];
      const d = (declared as Record<string, unknown>)[key];
      if (!(key in declared)) return `undeclared: ${[...path, key].join('.')}`;
      if (!isDeepStrictEqual(a, d)) return firstDifference(a, d, [...path, key]);
    }
  }
  return `differs at ${path.join('.') || '(root)'}`;
}
