import type { NextFunction, Request, Response } from 'express';
import { formatPath } from '../errors.js';
import { HttpError } from './errors.js';

/**
 * JSON nested deeper than this is refused before any schema sees it: schemas of recursive shapes
 * (audience conditions) validate recursively, and a body nested a thousand deep overflowed the
 * stack. Legitimate bodies stay far below (an audience may nest 20 groups: about 45 levels).
 */
export const MAX_JSON_DEPTH = 64;

interface Problem {
  message: string;
  path: string;
}

/**
 * Refuses, with a 400 naming the field, what no route accepts and some would trip over deep
 * inside (a warehouse literal, a file name, a recursive validator): NUL bytes in any key or value
 * of the body, the query or the URL path, and JSON nested deeper than MAX_JSON_DEPTH.
 */
export function checkRequestInput(req: Request, _res: Response, next: NextFunction): void {
  if (decodedPath(req.path).includes('\u0000')) {
    throw new HttpError(400, 'INVALID_INPUT', 'the URL path contains a NUL byte', 'params', 'remove the NUL (\\u0000) character');
  }
  const problem = inputProblem(req.query, 'query') ?? inputProblem(req.body, 'body');
  if (problem) throw new HttpError(400, 'INVALID_INPUT', `${problem.path}: ${problem.message}`, problem.path, 'fix the field and retry');
  next();
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // malformed escapes: Express answers those itself
  }
}

/** The first NUL byte or over-deep nesting in a parsed JSON value (iterative: no recursion to overflow). */
export function inputProblem(value: unknown, root: string): Problem | undefined {
  const stack: Array<{ value: unknown; path: ReadonlyArray<string | number>; depth: number }> = [{ value, path: [root], depth: 0 }];
  while (stack.length) {
    const item = stack.pop()!;
    const at = () => formatPath(item.path);
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) return { message: 'contains a NUL byte (\\u0000), which no field accepts', path: at() };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= MAX_JSON_DEPTH) return { message: `nested more than ${MAX_JSON_DEPTH} levels deep (the limit)`, path: at() };
    const entries: Array<[string | number, unknown]> = Array.isArray(item.value) ? item.value.map((v, i) => [i, v]) : Object.entries(item.value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (typeof key === 'string' && key.includes('\u0000')) return { message: 'a key contains a NUL byte (\\u0000)', path: at() };
      stack.push({ value: child, path: [...item.path, key], depth: item.depth + 1 });
    }
  }
  return undefined;
}
