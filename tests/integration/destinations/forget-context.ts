import { HttpClient, RateLimiter, type Destination, type Row, type RowResult, type SendContext } from '../../../src/destinations/index.js';
import type { SecretRef } from '../../../src/config/index.js';
import { logger } from '../../../src/logger.js';

/**
 * Calls a destination's `forget` the way the privacy deletion does: a SendContext for one batch
 * with the sync's mapped fields, an HTTP client with fast retries, secrets from the environment.
 */
export async function forget<C>(
  destination: Destination<C>,
  rawConfig: unknown,
  rows: Row[],
  options: { fields: readonly string[]; requestsPerSecond?: number },
): Promise<RowResult[]> {
  if (!destination.forget) throw new Error(`${destination.type} has no forget verb`);
  const config = destination.config.parse(rawConfig);
  const limiter = new RateLimiter({ requests: options.requestsPerSecond ?? 1000, perSeconds: 1 });
  const http = new HttpClient({ limiter, vendor: destination.type, policy: { baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 5000 } });
  const secret = (ref: SecretRef): string => {
    if (!('env' in ref)) throw new Error('tests use {env: NAME} secrets');
    return process.env[ref.env] ?? '';
  };
  const ctx: SendContext<C> = {
    config,
    secret,
    projectDir: process.cwd(),
    http,
    logger,
    sync: 'privacy_test',
    runId: 'run-forget',
    mode: 'mirror',
    keyColumn: 'id',
    fields: options.fields,
    signal: new AbortController().signal,
    batch: { op: 'remove', planId: 'run-forget', index: 1, count: 1, rows: rows.length, idempotencyKey: 'run-forget:1' },
  };
  return destination.forget(rows, ctx);
}

/** Rows as the deletion hands them over: key plus the values last delivered. */
export function rowsOf(list: Array<Record<string, unknown>>): Row[] {
  return list.map((fields, i) => ({ key: `p${String(i + 1).padStart(6, '0')}`, fields }));
}
