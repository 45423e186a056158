/**
 * Bad input against the real service: the right 4xx/5xx, nothing of a refused request stored,
 * the service up afterwards, rejections counted by reason, write keys never echoed.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectServer, WRITE_KEYS, type CollectServer } from './helpers.js';

const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

function post(cdp: CollectServer, path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${cdp.url}${path}`, { method: 'POST', headers: { authorization: basic(WRITE_KEYS.server), 'content-type': 'application/json', ...headers }, body });
}

interface ErrorBody {
  error: { code: string; message: string; path: string | null };
}
const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;

const track = (messageId: string, extra: Record<string, unknown> = {}) => ({ type: 'track', messageId, userId: 'u1', event: 'Clicked', ...extra });

describe('collect: bad input', () => {
  let cdp: CollectServer;
  beforeAll(async () => {
    cdp = await collectServer('duckdb');
  }, 60_000);
  afterAll(async () => cdp?.stop());

  async function stored(prefix: string): Promise<number> {
    return (await cdp.rows(`message_id LIKE '${prefix}%'`)).length;
  }

  it('a wrong or missing write key is 401, stores nothing, and the key is not echoed', async () => {
    const run = `bad-key-${randomUUID()}`;
    const wrong = await post(cdp, '/v1/track', JSON.stringify(track(`${run}-1`)), { authorization: basic('not-a-key-of-ours') });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('not-a-key-of-ours');
    const inBody = await fetch(`${cdp.url}/v1/batch`, { method: 'POST', body: JSON.stringify({ writeKey: 'also-not-ours', batch: [track(`${run}-2`)] }) });
    expect(inBody.status).toBe(401);
    const missing = await fetch(`${cdp.url}/v1/batch`, { method: 'POST', body: JSON.stringify({ batch: [track(`${run}-3`)] }) });
    expect(missing.status).toBe(401);
    const settings = await fetch(`${cdp.url}/v1/projects/not-a-key-of-ours/settings`);
    expect(settings.status).toBe(401);
    expect(await settings.text()).not.toContain('not-a-key-of-ours');
    // A session/API-token header is no write key either.
    const bearer = await post(cdp, '/v1/track', JSON.stringify(track(`${run}-4`)), { authorization: 'Bearer cdp_whatever' });
    expect(bearer.status).toBe(401);
    expect(await stored(run)).toBe(0);
  });

  it('malformed JSON (plain or gzip) is 400 MALFORMED_JSON', async () => {
    const plain = await post(cdp, '/v1/batch', '{"batch": [');
    expect(plain.status).toBe(400);
    expect((await errorOf(plain)).code).toBe('MALFORMED_JSON');
    const gz = await post(cdp, '/v1/batch', gzipSync('{"batch": nope'), { 'content-encoding': 'gzip' });
    expect(gz.status).toBe(400);
    const notGzip = await post(cdp, '/v1/batch', 'plain text', { 'content-encoding': 'gzip' });
    expect(notGzip.status).toBe(400);
    const brotli = await post(cdp, '/v1/batch', '{}', { 'content-encoding': 'br' });
    expect(brotli.status).toBe(415);
  });

  it('limits as Segment’s: 32 KB an event, 500 KB a batch, each named in the 400; nothing of the request stored', async () => {
    const run = `big-${randomUUID()}`;
    const bigEvent = await post(cdp, '/v1/track', JSON.stringify(track(`${run}-1`, { properties: { blob: 'x'.repeat(40 * 1024) } })));
    expect(bigEvent.status).toBe(400);
    expect((await errorOf(bigEvent)).message).toMatch(/32 KB/);

    const oneBigInBatch = await post(cdp, '/v1/batch', JSON.stringify({ batch: [track(`${run}-2`), track(`${run}-3`, { properties: { blob: 'x'.repeat(40 * 1024) } })] }));
    expect(oneBigInBatch.status).toBe(400);
    const body = (await oneBigInBatch.json()) as { error: { message: string; path: string } };
    expect(body.error.message).toMatch(/32 KB/);
    expect(body.error.path).toBe('batch[1]');

    const hugeBatch = await post(cdp, '/v1/batch', JSON.stringify({ batch: Array.from({ length: 40 }, (_, i) => track(`${run}-h${i}`, { properties: { blob: 'y'.repeat(16 * 1024) } })) }));
    expect(hugeBatch.status).toBe(400);
    expect((await errorOf(hugeBatch)).message).toMatch(/500 KB/);
    // Compressed small, inflated huge: the decompressed size counts.
    const bomb = await post(cdp, '/v1/batch', gzipSync(JSON.stringify({ batch: [track(`${run}-b`, { properties: { blob: 'z'.repeat(2 * 1024 * 1024) } })] })), { 'content-encoding': 'gzip' });
    expect(bomb.status).toBe(400);
    expect((await errorOf(bomb)).message).toMatch(/500 KB/);
    expect(await stored(run)).toBe(0);
  });

  it('one invalid message refuses its whole batch, naming the message and field', async () => {
    const run = `invalid-${randomUUID()}`;
    const res = await post(cdp, '/v1/batch', JSON.stringify({ batch: [track(`${run}-1`), { type: 'track', messageId: `${run}-2`, event: 'No ids' }, track(`${run}-3`)] }));
    expect(res.status).toBe(400);
    expect((await errorOf(res))).toMatchObject({ code: 'INVALID_INPUT', path: 'batch[1]' });
    const noEvent = await post(cdp, '/v1/track', JSON.stringify({ userId: 'u', messageId: `${run}-4` }));
    expect((await errorOf(noEvent)).path).toBe('body.event');
    const badType = await post(cdp, '/v1/batch', JSON.stringify({ batch: [{ ...track(`${run}-5`), type: 'purchase' }] }));
    expect((await errorOf(badType)).path).toBe('batch[0].type');
    const badTime = await post(cdp, '/v1/batch', JSON.stringify({ batch: [track(`${run}-6`, { timestamp: 'yesterday' })] }));
    expect((await errorOf(badTime)).path).toBe('batch[0].timestamp');
    expect(await stored(run)).toBe(0);
  });

  it('CORS: preflights answered, responses readable from any origin, no cookies', async () => {
    const pre = await fetch(`${cdp.url}/v1/t`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const res = await post(cdp, '/v1/t', JSON.stringify(track(`cors-${randomUUID()}`)), { origin: 'https://shop.example' });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('rejections are counted by reason for the Sources page', () => {
    const reasons = Object.fromEntries(cdp.server.context.collect.stats.rejectionList().map((r) => [r.reason, r.count]));
    expect(reasons).toMatchObject({ unauthorized: 5, malformed_json: 3, unsupported_encoding: 1, event_too_large: 2, batch_too_large: 2, invalid_event: 4 });
    for (const r of cdp.server.context.collect.stats.rejectionList()) expect(r.lastMessage).not.toContain(WRITE_KEYS.server);
  });
});

describe('collect: a flood beyond the spool', () => {
  let cdp: CollectServer;
  beforeAll(async () => {
    // Nothing lands on its own (huge batch, an hour): the spool only fills.
    cdp = await collectServer('duckdb', { batch: { maxEvents: 1_000_000, maxAgeSeconds: 3600 }, spool: { maxBytes: 64 * 1024 } });
  }, 60_000);
  afterAll(async () => cdp?.stop());

  it('answers 503 + Retry-After once full, stores exactly what it acknowledged, stays up, and takes events again after landing', async () => {
    const run = `flood-${randomUUID()}`;
    const acked: string[] = [];
    let refused = 0;
    let retryAfter: string | null = null;
    for (let i = 0; i < 60 && refused < 3; i++) {
      const batch = Array.from({ length: 10 }, (_, j) => track(`${run}-${i}-${j}`, { properties: { pad: 'p'.repeat(300) } }));
      const res = await post(cdp, '/v1/batch', JSON.stringify({ batch }));
      if (res.status === 200) acked.push(...batch.map((m) => m.messageId));
      else {
        expect(res.status).toBe(503);
        retryAfter = res.headers.get('retry-after');
        refused++;
      }
    }
    expect(refused).toBe(3);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(50);
    const health = await fetch(`${cdp.url}/api/health`);
    expect(health.status).toBeLessThan(500);
    // Landing empties the spool: every acknowledged event is there, nothing refused is.
    const rows = await cdp.rows(`message_id LIKE '${run}%'`);
    expect(rows.map((r) => r.message_id).sort()).toEqual([...acked].sort());
    const again = await post(cdp, '/v1/batch', JSON.stringify({ batch: [track(`${run}-after`)] }));
    expect(again.status).toBe(200);
  });
});
