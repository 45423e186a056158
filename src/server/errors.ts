import type { z } from 'zod';
import { CdpError, formatPath, isCdpError, type ErrorCode } from '../errors.js';

/** Codes an API error can carry: every CdpError code plus a few that only HTTP has. */
export type ApiErrorCode = ErrorCode | 'MALFORMED_JSON' | 'PAYLOAD_TOO_LARGE' | 'METHOD_NOT_ALLOWED' | 'NOT_IMPLEMENTED' | 'TOO_MANY_REQUESTS' | 'SHUTTING_DOWN' | 'INTERNAL';

/** A failure that only exists at the HTTP layer (parsing, limits, routes not wired yet). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly path: string | null = null,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The body of every error response. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; path: string | null; hint?: string };
}

const STATUS: Record<ErrorCode, number> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  AUDIENCE_NOT_FOUND: 404,
  SYNC_NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  CONFLICT: 409,
  AUDIENCE_INVALID: 422,
  AUDIENCE_CYCLE: 422,
  SYNC_INVALID: 422,
  CONFIG_INVALID: 422,
  CONFIG_NOT_FOUND: 422,
  IDENTITY_INVALID: 422,
  MODEL_PARSE: 422,
  MODEL_SQL: 422,
  MODEL_CYCLE: 422,
  MODEL_UNKNOWN_REF: 422,
  SCHEMA_TEST: 422,
  SOURCE_MISSING: 422,
  SECRET_MISSING: 422,
  IDENTITY_NOT_CONVERGED: 500,
  DESTINATION: 502,
  WAREHOUSE: 500,
  STATE: 500,
};

export function statusForCode(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}

/** Turns a zod failure of one request part into a 400 naming the first bad field, e.g. `body.config.url`. */
export function validationError(part: 'body' | 'query' | 'params', error: z.ZodError): CdpError {
  const issue = error.issues[0]!;
  const path = formatPath([part, ...issue.path]);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new CdpError('INVALID_INPUT', `${path}: ${issue.message}${more}`, { location: { path }, hint: 'fix the field and retry' });
}

/** Maps any thrown value to a status and the public error body. Unknown errors say nothing internal. */
export function toApiError(error: unknown): { status: number; body: ApiErrorBody; internal: boolean } {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message, path: error.path, ...(error.hint ? { hint: error.hint } : {}) } },
      internal: error.status >= 500,
    };
  }
  if (isCdpError(error)) {
    const status = statusForCode(error.code);
    // Warehouse hints quote SQL; keep them in the server's own logs only.
    const hint = error.code === 'WAREHOUSE' ? undefined : error.hint;
    const path = error.location.path ?? null;
    return { status, body: { error: { code: error.code, message: error.message, path, ...(hint ? { hint } : {}) } }, internal: status >= 500 };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; see the service log', path: null } }, internal: true };
}

export function notImplemented(what: string): HttpError {
  return new HttpError(501, 'NOT_IMPLEMENTED', `${what} is not available in this build yet`, null, 'this route is wired when its module lands');
}
