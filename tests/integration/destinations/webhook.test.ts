import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkSyncDestination, runSync, syncRowLog, type RunSyncOptions } from '../../../src/syncs/index.js';
import type { Reply } from '../../fixtures/vendors/server.js';
import { startWebhook, type FakeWebhook } from '../../fixtures/vendors/webhook.js';
import { loadPeople, makeProject, people, type TestProject } from '../syncs/helpers.js';

let t: TestProject;
let hook: FakeWebhook;
let replies: Reply[] = [];
const fast: RunSyncOptions = { http: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2, timeoutMs: 300 } };

beforeAll(async () => {
  t = await makeProject();
  process.env.CDP_TEST_WEBHOOK_SECRET = 'whsec_test';
  process.env.CDP_TEST_WEBHOOK_TOKEN = 'tok_123';
  hook = await startWebhook({ keyColumn: 'id', secret: 'whsec_test', respond: () => replies.shift() ?? { status: 200 } });
});
afterAll(async () => {
  await hook.close();
  await t.close();
});
beforeEach(() => {
  hook.batches.length = 0;
  hook.requests.length = 0;
  hook.violations.length = 0;
  replies = [];
});

function yaml(name: string, batch = 2): string {
  return `name: ${name}
from: { model: people }
key: id
destination:
  type: webhook
  config:
    base_url: ${hook.url}
    url: /hooks/cdp
    batch_size: ${batch}
    secret: { env: CDP_TEST_WEBHOOK_SECRET }
    headers: { X-Tenant: acme, Authorization: { env: CDP_TEST_WEBHOOK_TOKEN } }
mode: mirror
fields: { email: email, score: score }
`;
}

it('POSTs signed JSON batches exactly as documented, and removals with the key and last values', async () => {
  t.writeSync('wh_shape', yaml('wh_shape'));
  await loadPeople(t.project, people(3));
  const result = await runSync(t.project, 'wh_shape', fast);
  expect(result.counts).toMatchObject({ sent: 3, ok: 3 });
  const first = hook.requests[0]!;
  expect(first.method).toBe('POST');
  expect(first.path).toBe('/hooks/cdp');
  expect(JSON.parse(first.body)).toEqual({
    sync: 'wh_shape',
    op: 'upsert',
    rows: [
      { id: 'p000000', email: 'user0@example.com', score: 0 },
      { id: 'p000001', email: 'user1@example.com', score: 1 },
    ],
  });
  expect(Object.keys(JSON.parse(first.body) as object)).toEqual(['sync', 'op', 'rows']);
  expect(first.headers['x-cdp-signature']).toBe(`sha256=${createHmac('sha256', 'whsec_test').update(first.body).digest('hex')}`);
  expect(first.headers['x-tenant']).toBe('acme');
  expect(first.headers.authorization).toBe('tok_123');
  expect(first.headers['content-type']).toBe('application/json');

  await loadPeople(t.project, people(2));
  await runSync(t.project, 'wh_shape', fast);
  expect(hook.requests[2]!.body).toBe('{"sync":"wh_shape","op":"remove","rows":[{"id":"p000002","email":"user2@example.com","score":2}]}');
  expect(hook.violations).toEqual([]);
});

it('4xx rejects the batch, 429 waits for Retry-After, 5xx and timeouts are retried then left retryable', async () => {
  t.writeSync('wh_fail', yaml('wh_fail'));
  await loadPeople(t.project, people(8));
  replies = [
    { status: 422, body: { error: 'user0@example.com is not allowed' } }, // batch 1: rejected
    { status: 429, headers: { 'retry-after': '1' } }, // batch 2: waits a second, then ok
    { status: 200 },
    { status: 500, body: 'boom' }, // batch 3: 5xx twice -> retryable
    { status: 502 },
    { status: 200, delayMs: 1000 }, // batch 4: times out twice -> retryable
    { status: 200, delayMs: 1000 },
  ];
  const started = Date.now();
  const result = await runSync(t.project, 'wh_fail', { ...fast, concurrency: 1 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  expect(result.status).toBe('partial');
  expect(result.counts).toMatchObject({ sent: 8, ok: 2, rejected: 2, retryable: 4 });
  expect(result.firstErrors).toEqual([
    { key: 'p000000', op: 'upsert', status: 'rejected', error: 'HTTP 422: {"error":"<email> is not allowed"}' },
    { key: 'p000001', op: 'upsert', status: 'rejected', error: 'HTTP 422: {"error":"<email> is not allowed"}' },
    { key: 'p000004', op: 'upsert', status: 'retryable', error: 'HTTP 502' },
    { key: 'p000005', op: 'upsert', status: 'retryable', error: 'HTTP 502' },
    { key: 'p000006', op: 'upsert', status: 'retryable', error: 'no answer within 300 ms' },
    { key: 'p000007', op: 'upsert', status: 'retryable', error: 'no answer within 300 ms' },
  ]);
  // The next run retries only the retryable rows.
  hook.batches.length = 0;
  const next = await runSync(t.project, 'wh_fail', fast);
  expect(next.plan).toMatchObject({ retry: 4, total: 4 });
  expect(hook.rowsSent('upsert').map((r) => r.id)).toEqual(['p000004', 'p000005', 'p000006', 'p000007']);
  expect((await syncRowLog(t.project, 'wh_fail', { key: 'p000006' })).map((e) => e.status)).toEqual(['ok', 'retryable']);
});

it('an answer that is not HTTP leaves the rows retryable with the reason', async () => {
  t.writeSync('wh_garbage', yaml('wh_garbage', 10));
  await loadPeople(t.project, people(2));
  replies = [{ raw: 'SSH-2.0-OpenSSH_9.2\r\n' }, { raw: 'SSH-2.0-OpenSSH_9.2\r\n' }];
  const result = await runSync(t.project, 'wh_garbage', fast);
  expect(result.status).toBe('partial');
  expect(result.counts).toMatchObject({ retryable: 2, ok: 0 });
  expect(result.firstErrors[0]!.error).toMatch(/^request failed: /);
});

it('check() posts an empty signed batch', async () => {
  t.writeSync('wh_check', yaml('wh_check'));
  await checkSyncDestination(t.project, 'wh_check');
  expect(hook.requests.at(-1)!.body).toBe('{"sync":"check","op":"upsert","rows":[]}');
  expect(hook.violations).toEqual([]);
  replies = [{ status: 404 }];
  await expect(checkSyncDestination(t.project, 'wh_check', fast)).rejects.toThrow('webhook answered HTTP 404');
});
