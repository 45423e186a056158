import { CdpError } from '../errors.js';

/**
 * The destination cannot take this run at all (bad credentials, missing list, an answer that is
 * not what the vendor documents). Thrown from `send` or `check`; the run stops and every row not
 * confirmed stays planned for the next run.
 */
export class DestinationError extends CdpError {
  constructor(message: string, options: { hint?: string; cause?: unknown; path?: string } = {}) {
    super('DESTINATION', message, {
      hint: options.hint,
      cause: options.cause,
      location: options.path ? { path: options.path } : undefined,
    });
    this.name = 'DestinationError';
  }
}

export function isDestinationError(error: unknown): error is DestinationError {
  return error instanceof DestinationError;
}

const EMAIL = /[^\s@"'<>,;:()[\]]+@[^\s@"'<>,;:()[\]]+\.[A-Za-z]{2,}/g;

/**
 * Vendor text that may be shown or stored (errors, samples): emails masked, length capped. Only
 * the start that can be kept is masked (an address is at most 254 characters): the pattern is
 * quadratic on a long run without spaces, and a 100 kB answer took 40 s.
 */
export function redactPii(text: string, max = 300): string {
  const masked = text.slice(0, max + 256).replace(EMAIL, '<email>');
  return masked.length > max || text.length > max + 256 ? `${masked.slice(0, max)}…` : masked;
}
