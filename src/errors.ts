/**
 * Errors a user can act on. Every failure that reaches the CLI or the API is a CdpError: a stable
 * code, where it happened (file and line, or a field path), what went wrong and what to do about it.
 */
export type ErrorCode =
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_INVALID'
  | 'MODEL_PARSE'
  | 'MODEL_SQL'
  | 'MODEL_CYCLE'
  | 'MODEL_UNKNOWN_REF'
  | 'MODEL_NOT_FOUND'
  | 'SOURCE_MISSING'
  | 'SCHEMA_TEST'
  | 'WAREHOUSE'
  | 'IDENTITY_INVALID'
  | 'IDENTITY_NOT_CONVERGED'
  | 'AUDIENCE_INVALID'
  | 'AUDIENCE_NOT_FOUND'
  | 'AUDIENCE_CYCLE'
  | 'SYNC_INVALID'
  | 'SYNC_NOT_FOUND'
  | 'DESTINATION'
  | 'SECRET_MISSING'
  | 'STATE'
  | 'NOT_FOUND'
  | 'INVALID_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONFLICT';

export interface ErrorLocation {
  /** File the problem is in, relative to the project when possible. */
  file?: string;
  /** 1-based line in that file. */
  line?: number;
  /** Dotted path of the field at fault, e.g. `identity.sources[0].key`. */
  path?: string;
}

export class CdpError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { location?: ErrorLocation; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CdpError';
    this.code = code;
    this.location = options.location ?? {};
    this.hint = options.hint;
  }

  /** One line for a terminal: `file:line: message (path) — hint`. */
  oneLine(): string {
    const { file, line, path } = this.location;
    const where = file ? `${file}${line ? `:${line}` : ''}: ` : '';
    const field = path ? ` (at ${path})` : '';
    const hint = this.hint ? ` — ${this.hint}` : '';
    return `${where}${this.message}${field}${hint}`.replace(/\s*\n\s*/g, ' ');
  }
}

export function isCdpError(error: unknown): error is CdpError {
  return error instanceof CdpError;
}

/** Formats a zod issue path as `a.b[0].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
