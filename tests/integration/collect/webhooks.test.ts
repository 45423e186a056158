/** Webhook intake: arbitrary JSON or a CSV upload lands in collected_events as type `webhook`. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectServer, WRITE_KEYS, type CollectServer } from './helpers.js';

describe('collect: POST /v1/webhooks/<source>', () => {
  let cdp: CollectServer;
  beforeAll(async () => {
    cdp = await collectServer('duckdb');
  }, 60_000);
  afterAll(async () => cdp?.stop());

  const auth = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

  it('a JSON object is one event, an array one per element; Idempotency-Key dedups resends', async () => {
    const id = `hook-${randomUUID()}`;
    const payload = { event: 'invoice.paid', data: { amount: 1250, currency: 'EUR', customer: { email: 'zoë@example.com' } } };
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${cdp.url}/v1/webhooks/server`, { method: 'POST', headers: { ...auth(WRITE_KEYS.server), 'content-type': 'application/json', 'idempotency-key': id }, body: JSON.stringify(payload) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ success: true, events: 1 });
    }
    const many = await fetch(`${cdp.url}/v1/webhooks/server?writeKey=${WRITE_KEYS.server}`, { method: 'POST', headers: { 'idempotency-key': `${id}-arr` }, body: JSON.stringify([{ a: 1 }, { a: 2 }, 3]) });
    expect(await many.json()).toEqual({ success: true, events: 3 });

    const [row] = await cdp.rows(`message_id = '${id}'`);
    expect(row).toMatchObject({ type: 'webhook', source: 'server', properties: payload, event: null, user_id: null });
    const arr = await cdp.rows(`message_id LIKE '${id}-arr:%'`);
    expect(arr.map((r) => r.properties)).toEqual([{ a: 1 }, { a: 2 }, { value: 3 }]);
  });

  it('a CSV upload is one event per row, keyed by the header', async () => {
    const id = `csv-${randomUUID()}`;
    const csv = 'email,plan,note\r\nann@example.com,pro,"says ""hi"", twice"\nbob@example.com,free,"multi\nline"\n';
    const res = await fetch(`${cdp.url}/v1/webhooks/server`, { method: 'POST', headers: { ...auth(WRITE_KEYS.server), 'content-type': 'text/csv', 'idempotency-key': id }, body: csv });
    expect(await res.json()).toEqual({ success: true, events: 2 });
    const rows = await cdp.rows(`message_id LIKE '${id}:%'`);
    expect(rows.map((r) => r.properties)).toEqual([
      { email: 'ann@example.com', plan: 'pro', note: 'says "hi", twice' },
      { email: 'bob@example.com', plan: 'free', note: 'multi\nline' },
    ]);
    const ragged = await fetch(`${cdp.url}/v1/webhooks/server`, { method: 'POST', headers: { ...auth(WRITE_KEYS.server), 'content-type': 'text/csv' }, body: 'a,b\n1\n' });
    expect(ragged.status).toBe(400);
  });

  it('another source’s key, or none, is 401', async () => {
    const other = await fetch(`${cdp.url}/v1/webhooks/server`, { method: 'POST', headers: auth(WRITE_KEYS.web), body: '{}' });
    expect(other.status).toBe(401);
    const none = await fetch(`${cdp.url}/v1/webhooks/server`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    const unknownSource = await fetch(`${cdp.url}/v1/webhooks/nobody`, { method: 'POST', headers: auth(WRITE_KEYS.server), body: '{}' });
    expect(unknownSource.status).toBe(401);
  });
});
