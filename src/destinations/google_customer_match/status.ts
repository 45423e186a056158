import { setTimeout as sleep } from 'node:timers/promises';
import { DestinationError } from '../errors.js';
import { parseJsonResponse, type HttpClient } from '../http/client.js';
import { readGoogleError, retrieveStatusResponse, type RequestStatus, type RequestStatusPerDestination } from './api.js';

/**
 * Data Manager answers an upload at once with a request id and processes it afterwards;
 * `GET /v1/requestStatus:retrieve?requestId=` tells how it went (per destination: SUCCESS,
 * PROCESSING, FAILED or PARTIAL_SUCCESS, with error counts by reason, never which records).
 */
export interface RequestOutcome {
  requestId: string;
  status: RequestStatus;
  /** `reason: count` pairs of errorInfo, e.g. PROCESSING_ERROR_REASON_INVALID_FORMAT: 3. */
  errors: Array<{ reason: string; records: number }>;
  warnings: Array<{ reason: string; records: number }>;
}

const VENDOR = 'Google Data Manager';
const FIRST_POLL_MS = 250;
const MAX_POLL_MS = 5_000;

function outcomeOf(requestId: string, status: RequestStatusPerDestination | undefined): RequestOutcome {
  return {
    requestId,
    status: status?.requestStatus ?? 'REQUEST_STATUS_UNKNOWN',
    errors: (status?.errorInfo?.errorCounts ?? []).map((e) => ({ reason: e.reason, records: e.recordCount })),
    warnings: (status?.warningInfo?.warningCounts ?? []).map((w) => ({ reason: w.reason, records: w.recordCount })),
  };
}

/** One status read. An id Google does not know yet (NOT_FOUND, INVALID_REQUEST_ID) reads as PROCESSING. */
export async function retrieveRequestStatus(http: HttpClient, requestId: string): Promise<RequestOutcome> {
  const response = await http.request({ method: 'GET', path: 'v1/requestStatus:retrieve', query: { requestId } });
  if (response.status !== 200) {
    const error = readGoogleError(response);
    if (response.status === 404 || error?.reasons.includes('INVALID_REQUEST_ID') || response.status === 429 || response.status >= 500) {
      return { requestId, status: 'PROCESSING', errors: [], warnings: [] };
    }
    throw new DestinationError(
      `${VENDOR} answered HTTP ${response.status}${error ? ` ${error.status ?? ''}: ${error.message}` : ''} when asked for the status of request ${requestId}`,
      { hint: 'check access_token (scope https://www.googleapis.com/auth/datamanager) and base_url' },
    );
  }
  const body = parseJsonResponse(response, retrieveStatusResponse, VENDOR);
  // One destination per request, so the first status is ours.
  return outcomeOf(requestId, body.requestStatusPerDestination[0]);
}

/** Polls until the request leaves PROCESSING or `waitSeconds` pass (backing off from 250 ms to 5 s). */
export async function awaitRequestStatus(
  http: HttpClient,
  requestId: string,
  waitSeconds: number,
  options: { signal?: AbortSignal } = {},
): Promise<RequestOutcome> {
  const deadline = Date.now() + waitSeconds * 1000;
  let delay = FIRST_POLL_MS;
  for (;;) {
    const outcome = await retrieveRequestStatus(http, requestId);
    if (outcome.status !== 'PROCESSING' && outcome.status !== 'REQUEST_STATUS_UNKNOWN') return outcome;
    if (Date.now() + delay > deadline || options.signal?.aborted) return { ...outcome, status: 'PROCESSING' };
    try {
      await sleep(delay, undefined, { signal: options.signal });
    } catch {
      // Shutting down: the upload was accepted, stop waiting for its outcome.
      return { ...outcome, status: 'PROCESSING' };
    }
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

export function describeCounts(counts: Array<{ reason: string; records: number }>): string {
  return counts.map((c) => `${c.reason.replace(/^PROCESSING_(ERROR|WARNING)_REASON_/, '')} x${c.records}`).join(', ');
}
