import { safeExcerpt, scrubSecretText } from '../util/secret-scrub.js';
import type { AnyDestination, RowResult } from './types.js';

/**
 * Errors leave a destination only through here: the engine opens every destination wrapped (see
 * syncs/session.ts), so each row's reason and each thrown error's message, hint and cause are
 * scrubbed of every revealed secret (all encodings) and row reasons are cut to a bounded excerpt
 * before anything stores, logs or returns them.
 */
export function withScrubbedErrors(destination: AnyDestination): AnyDestination {
  const rows = async (work: Promise<RowResult[]>): Promise<RowResult[]> => (await guard(work)).map(scrubResult);
  const { send, sendRowsJson, forget, begin, finish, check } = destination;
  return {
    ...destination,
    check: (config, ctx) => guard(check.call(destination, config, ctx)),
    send: (op, batch, ctx) => rows(send.call(destination, op, batch, ctx)),
    ...(sendRowsJson ? { sendRowsJson: (op, json, count, ctx) => rows(sendRowsJson.call(destination, op, json, count, ctx)) } : {}),
    ...(forget ? { forget: (batch, ctx) => rows(forget.call(destination, batch, ctx)) } : {}),
    ...(begin ? { begin: (scope) => guard(begin.call(destination, scope)) } : {}),
    ...(finish ? { finish: (scope, outcome) => guard(finish.call(destination, scope, outcome)) } : {}),
  };
}

function scrubResult(result: RowResult): RowResult {
  return result.status === 'ok' ? result : { status: result.status, reason: safeExcerpt(result.reason) };
}

async function guard<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw scrubError(error);
  }
}

/** The same error (its class kept: the engine tells destination errors apart), its texts scrubbed. */
export function scrubError(error: unknown, depth = 0): unknown {
  if (typeof error === 'string') return scrubSecretText(error);
  if (!(error instanceof Error) || depth > 5) return error;
  error.message = scrubSecretText(error.message);
  if (error.stack) error.stack = scrubSecretText(error.stack);
  const hint = (error as { hint?: unknown }).hint;
  if (typeof hint === 'string') Object.defineProperty(error, 'hint', { value: scrubSecretText(hint) });
  if (error.cause !== undefined) error.cause = scrubError(error.cause, depth + 1);
  return error;
}
