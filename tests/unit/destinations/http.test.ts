import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, HttpRequestError, RateLimiter, backoffDelay, parseRetryAfter, type HttpRequest } from '../../../src/destinations/index.js';
import { startFakeServer, type FakeServer, type Reply } from '../../fixtures/vendors/server.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(replies: Reply[]): Promise<FakeServer> {
  server = await startFakeServer((_req, i) => replies[Math.min(i, replies.length - 1)]!);
  return server;
}

function client(url: string, policy: Partial<HttpClient['policy']> = {}, limiter = new RateLimiter({ requests: 1000, perSeconds: 1 })): HttpClient {
  return new HttpClient({ baseUrl: url, limiter, vendor: 'test', policy: { baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 2000, ...policy } });
}

describe('backoff and Retry-After', () => {
  it('full jitter stays within the exponential ceiling', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(1, policy, () => 0.999)).toBe(100);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(4, policy, () => 0)).toBe(0);
  });

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('token bucket', () => {
  it('lets a burst through, then spaces requests at the rate', async () => {
    const limiter = new RateLimiter({ requests: 5, perSeconds: 0.25 }); // 20 per second, bursts of 5
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 9 }, async () => {
        await limiter.acquire();
        times.push(Date.now() - started);
        limiter.release();
      }),
    );
    times.sort((a, b) => a - b);
    expect(times[4]!).toBeLessThan(40); // the burst
    expect(times[8]!).toBeGreaterThanOrEqual(180); // 4 more tokens at 50 ms each
  });

  it('caps requests in flight and pauses everyone after a Retry-After', async () => {
    const limiter = new RateLimiter({ requests: 100, perSeconds: 1 }, 2);
    await limiter.acquire();
    await limiter.acquire();
    let third = false;
    const pending = limiter.acquire().then(() => (third = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(third).toBe(false);
    limiter.release();
    await pending;
    expect(third).toBe(true);
    limiter.release();
    limiter.release();
    limiter.pauseUntil(Date.now() + 150);
    const t = Date.now();
    await limiter.acquire();
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });
});

describe('HttpClient', () => {
  const post: HttpRequest = { method: 'POST', path: 'x', json: { a: 1 } };

  it('retries 429 after the Retry-After the server asked for, and 5xx with backoff', async () => {
    const s = await serve([{ status: 429, headers: { 'retry-after': '1' }, body: 'slow down' }, { status: 503 }, { status: 200, body: { ok: true } }]);
    const started = Date.now();
    const res = await client(s.url).request(post);
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    expect(s.requests.map((r) => r.at - started)[1]!).toBeGreaterThanOrEqual(990);
    expect(JSON.parse(s.requests[2]!.body)).toEqual({ a: 1 });
    expect(s.requests[2]!.headers['content-type']).toBe('application/json');
  });

  it('returns the last 5xx when attempts run out, and never retries a 4xx', async () => {
    const s = await serve([{ status: 500, body: 'boom' }]);
    const res = await client(s.url, { maxAttempts: 3 }).request(post);
    expect(res.status).toBe(500);
    expect(s.requests).toHaveLength(3);
    const s2 = await startFakeServer(() => ({ status: 422, body: { error: 'bad' } }));
    try {
      const res2 = await client(s2.url).request(post);
      expect(res2.status).toBe(422);
      expect(s2.requests).toHaveLength(1);
    } finally {
      await s2.close();
    }
  });

  it('does not wait for a Retry-After longer than the policy allows', async () => {
    const s = await serve([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const started = Date.now();
    const res = await client(s.url, { maxRetryAfterMs: 100 }).request(post);
    expect(res.status).toBe(429);
    expect(s.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('times out, retries, then reports a timeout', async () => {
    const s = await serve([{ status: 200, delayMs: 800 }]);
    const error = await client(s.url, { timeoutMs: 100, maxAttempts: 2 })
      .request(post)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).kind).toBe('timeout');
    expect(s.requests).toHaveLength(2);
  });

  it('treats an answer that is not HTTP as a network failure', async () => {
    const s = await serve([{ raw: 'garbage\r\n\r\n' }]);
    const error = await client(s.url, { maxAttempts: 2 })
      .request(post)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).kind).toBe('network');
  });

  it('lets a vendor rule retry a 400 (Meta throttling codes)', async () => {
    const s = await serve([{ status: 400, body: { error: { code: 17 } } }, { status: 200, body: {} }]);
    const res = await client(s.url).request({ ...post, retry: (r) => (r.status === 400 && r.text.includes('"code":17') ? { retry: true, afterMs: 20 } : undefined) });
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(2);
  });
});
