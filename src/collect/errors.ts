/** Why a collection request was refused: the Sources page counts rejections by these reasons. */
export type RejectReason =
  | 'unauthorized'
  | 'malformed_json'
  | 'invalid_event'
  | 'event_too_large'
  | 'batch_too_large'
  | 'unsupported_encoding'
  | 'spool_full'
  | 'shutting_down';

export const REJECT_REASONS: readonly RejectReason[] = [
  'unauthorized',
  'malformed_json',
  'invalid_event',
  'event_too_large',
  'batch_too_large',
  'unsupported_encoding',
  'spool_full',
  'shutting_down',
];

/**
 * A refused collection request: nothing of it was stored. The route turns it into an HTTP answer;
 * messages never quote a write key or an event's values (they may be personal data).
 */
export class Rejected extends Error {
  constructor(
    readonly reason: RejectReason,
    readonly status: 400 | 401 | 413 | 415 | 503,
    message: string,
    readonly path: string | null = null,
    readonly hint?: string,
    /** Seconds a client should wait before retrying (503 only). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'Rejected';
  }
}
