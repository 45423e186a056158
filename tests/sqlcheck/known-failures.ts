/**
 * Generator SQL that the checkers reject today, each with the code that emits it and the fix.
 * A checker failure not listed here fails the sqlcheck tests; an entry that no longer matches
 * anything is printed as fixed (delete it). Keep entries precise: a regex on the error and, where
 * the error is generic, on the statement.
 */
import type { CheckFailure } from './check.js';
import type { Engine } from './collect.js';

export interface KnownFailure {
  engine: Engine;
  error: RegExp;
  sql?: RegExp;
  /** Where the SQL comes from. */
  source: string;
  /** What to change. */
  fix: string;
}

export const KNOWN_FAILURES: readonly KnownFailure[] = [
];

export interface Classified {
  unexplained: CheckFailure[];
  explained: Map<KnownFailure, CheckFailure[]>;
}

export function classify(engine: Engine, failures: readonly CheckFailure[]): Classified {
  const explained = new Map<KnownFailure, CheckFailure[]>();
  const unexplained: CheckFailure[] = [];
  for (const failure of failures) {
    const known = KNOWN_FAILURES.find((k) => k.engine === engine && k.error.test(failure.error) && (!k.sql || k.sql.test(failure.sql)));
    if (!known) unexplained.push(failure);
    else explained.set(known, [...(explained.get(known) ?? []), failure]);
  }
  return { unexplained, explained };
}
