import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { DestinationError, HttpRequestError, RateLimiter, HttpClient, defineDestination, ok, type Row, type RowResult, type SendContext } from '../../../src/destinations/index.js';
import { logger } from '../../../src/logger.js';

/** The template wraps `forget` the way it wraps `send`: no call for no rows, one result per row, no answer → retryable. */

function destination(forget?: (rows: Row[]) => Promise<RowResult[]>) {
  const calls: Row[][] = [];
  const d = defineDestination<Record<string, never>>({
    type: 'forget_test',
    config: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
    modes: ['upsert'],
    batchSize: 10,
    rateLimit: { requests: 10, perSeconds: 1 },
    check: async () => {},
    upsert: async (rows) => rows.map(() => ok()),
    ...(forget
      ? {
          forget: async (rows: Row[]) => {
            calls.push(rows);
            return forget(rows);
          },
        }
      : {}),
  });
  return { d, calls };
}

const ctx = {
  config: {},
  secret: () => '',
  projectDir: '.',
  http: new HttpClient({ limiter: new RateLimiter({ requests: 10, perSeconds: 1 }) }),
  logger,
  sync: 's',
  runId: 'r',
  mode: 'upsert',
  keyColumn: 'id',
  fields: ['email'],
  signal: new AbortController().signal,
  batch: { op: 'remove', planId: 'r', index: 1, count: 1, rows: 2, idempotencyKey: 'r:1' },
} satisfies SendContext<Record<string, never>>;
const rows: Row[] = [
  { key: 'a', fields: { email: 'a@example.com' } },
  { key: 'b', fields: { email: 'b@example.com' } },
];

describe('defineDestination forget', () => {
  it('is absent when the destination has no forget verb', () => {
    expect(destination().d.forget).toBeUndefined();
  });

  it('passes rows through and makes no call for no rows', async () => {
    const { d, calls } = destination(async (r) => r.map(() => ok()));
    expect(await d.forget!(rows, ctx)).toEqual([{ status: 'ok' }, { status: 'ok' }]);
    expect(await d.forget!([], ctx)).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it('turns "no answer after every retry" into retryable rows', async () => {
    const { d } = destination(async () => {
      throw new HttpRequestError('connect ECONNREFUSED', 'network', 5);
    });
    expect(await d.forget!(rows, ctx)).toEqual([
      { status: 'retryable', reason: 'connect ECONNREFUSED' },
      { status: 'retryable', reason: 'connect ECONNREFUSED' },
    ]);
  });

  it('refuses a wrong number of results', async () => {
    const { d } = destination(async () => [ok()]);
    await expect(d.forget!(rows, ctx)).rejects.toBeInstanceOf(DestinationError);
  });
});
