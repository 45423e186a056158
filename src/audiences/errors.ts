import { CdpError, formatPath, type ErrorCode } from '../errors.js';
import { closestName as nearestName } from '../util/suggest.js';

export type PathParts = ReadonlyArray<string | number>;

/**
 * A CdpError that remembers the definition path as parts, so a loader that knows the source file
 * can turn it into a line number (see files.ts).
 */
export class AudienceError extends CdpError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly pathParts: PathParts,
    options: { hint?: string; file?: string; line?: number; cause?: unknown } = {},
  ) {
    super(code, message, {
      location: { path: pathParts.length ? formatPath(pathParts) : undefined, file: options.file, line: options.line },
      hint: options.hint,
      cause: options.cause,
    });
  }

  /** The same error, located in a file. */
  inFile(file: string, line: number | undefined): AudienceError {
    return new AudienceError(this.code, this.message, this.pathParts, { hint: this.hint, file, line, cause: this.cause });
  }
}

export function invalid(message: string, path: PathParts, hint?: string): AudienceError {
  return new AudienceError('AUDIENCE_INVALID', message, path, { hint });
}

/** The known name closest to `name`, however far, for "did you mean" hints. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  return nearestName(name, known, { maxDistance: Infinity });
}

/** `did you mean x?` plus the full list when it is short. */
export function suggestion(name: string, known: readonly string[], what: string): string {
  if (known.length === 0) return `no ${what} is available`;
  const closest = closestName(name, known);
  const list = known.length <= 12 ? ` (known: ${[...known].sort().join(', ')})` : '';
  return `did you mean \`${closest}\`?${list}`;
}
