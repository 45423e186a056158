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

/** Vendor text that may be shown or stored (errors, samples): emails masked, length capped. */
export function redactPii(text: string, max = 300): string {
  const masked = text.replace(EMAIL, '<email>');
  return masked.length > max ? `${masked.slice(0, max)}…` : masked;
}
