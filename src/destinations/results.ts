import { describeResponse, type HttpResponse } from './http/client.js';
import type { Row, RowResult } from './types.js';

export const ok = (): RowResult => ({ status: 'ok' });
export const rejected = (reason: string): RowResult => ({ status: 'rejected', reason });
export const retryable = (reason: string): RowResult => ({ status: 'retryable', reason });

/** The same result for every row of a batch (APIs that answer for the batch as a whole). */
export function sameForAll(rows: readonly Row[], result: RowResult): RowResult[] {
  return rows.map(() => result);
}

/** 408/429/5xx: worth retrying later; 2xx: ok; any other status: refused. */
export function resultForStatus(response: HttpResponse): RowResult {
  const { status } = response;
  if (status >= 200 && status < 300) return ok();
  if (status === 408 || status === 429 || status >= 500) return retryable(describeResponse(response));
  return rejected(describeResponse(response));
}
