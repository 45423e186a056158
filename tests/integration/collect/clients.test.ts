/**
 * The real Segment and RudderStack Node SDKs, unchanged, pointed at `cdp serve`: every message
 * lands once in collected_events with its payload intact, on DuckDB and on Postgres.
 */
import { randomUUID } from 'node:crypto';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectServer, richProperties, WRITE_KEYS, type CollectServer, type Engine } from './helpers.js';

describe.each<Engine>(['duckdb', 'postgres'])('collect with the real SDKs (%s)', (engine) => {
  let cdp: CollectServer;
  beforeAll(async () => {
    cdp = await collectServer(engine);
  }, 60_000);
  afterAll(async () => cdp?.stop());

  it('@segment/analytics-node: every call type lands once with its payload intact', async () => {
    const run = randomUUID().slice(0, 8);
    const analytics = new SegmentAnalytics({ writeKey: WRITE_KEYS.server, host: cdp.url, flushAt: 7, maxRetries: 2 });
    const ids: string[] = [];
    const id = (n: string) => {
      const messageId = `seg-${run}-${n}`;
      ids.push(messageId);
      return messageId;
    };
    for (let i = 0; i < 40; i++) {
      analytics.track({ messageId: id(`t${i}`), userId: `user-${i % 5}`, event: 'Order Completed', properties: richProperties(i), context: { ip: '0.0.0.0' } });
    }
    analytics.identify({ messageId: id('identify'), userId: 'user-1', traits: { email: 'zoë@example.com', plan: 'pro', seats: 3 } });
    analytics.page({ messageId: id('page'), anonymousId: 'anon-1', name: 'Pricing', properties: { path: '/pricing' } });
    analytics.screen({ messageId: id('screen'), userId: 'user-2', name: 'Home' });
    analytics.group({ messageId: id('group'), userId: 'user-3', groupId: 'acme', traits: { name: 'Acme Inc' } });
    analytics.alias({ messageId: id('alias'), userId: 'user-4', previousId: 'anon-4' });
    await analytics.closeAndFlush({ timeout: 20_000 });

    const rows = await cdp.rows(`message_id LIKE 'seg-${run}-%'`);
    expect(rows.map((r) => r.message_id).sort()).toEqual([...ids].sort());
    const byId = new Map(rows.map((r) => [r.message_id as string, r]));
    for (let i = 0; i < 40; i++) {
      const row = byId.get(`seg-${run}-t${i}`)!;
      expect(row).toMatchObject({ type: 'track', event: 'Order Completed', user_id: `user-${i % 5}`, source: 'server' });
      expect(row.properties).toEqual(richProperties(i));
      expect((row.context as { library: { name: string } }).library.name).toBe('@segment/analytics-node');
    }
    expect(byId.get(`seg-${run}-identify`)).toMatchObject({ type: 'identify', user_id: 'user-1', traits: { email: 'zoë@example.com', plan: 'pro', seats: 3 } });
    expect(byId.get(`seg-${run}-page`)).toMatchObject({ type: 'page', name: 'Pricing', anonymous_id: 'anon-1', properties: { path: '/pricing' } });
    expect(byId.get(`seg-${run}-screen`)).toMatchObject({ type: 'screen', name: 'Home' });
    expect(byId.get(`seg-${run}-group`)).toMatchObject({ type: 'group', group_id: 'acme', traits: { name: 'Acme Inc' } });
    expect(byId.get(`seg-${run}-alias`)).toMatchObject({ type: 'alias', user_id: 'user-4', previous_id: 'anon-4' });
    for (const row of rows) {
      expect(row.received_at).toBeInstanceOf(Date);
      expect(row.sent_at).toBeInstanceOf(Date);
      // Client and server share a clock here: the corrected time is within the request's span.
      expect(Math.abs((row.timestamp as Date).getTime() - (row.received_at as Date).getTime())).toBeLessThan(30_000);
    }
  }, 60_000);

  it('@rudderstack/rudder-sdk-node (gzip bodies): every message lands once with its payload intact', async () => {
    const run = randomUUID().slice(0, 8);
    const client = new RudderAnalytics(WRITE_KEYS.server, { dataPlaneUrl: cdp.url, flushAt: 9, logLevel: 'error' });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const messageId = `rud-${run}-${i}`;
      ids.push(messageId);
      const track = { messageId, anonymousId: `anon-${i}`, event: 'Product Viewed', properties: richProperties(i) };
      client.track(track);
    }
    // The SDK sends a given messageId on every call (its types do not list it).
    const identify = { messageId: `rud-${run}-identify`, userId: 'rudder-user', traits: { name: 'Ünïcode' } };
    const alias = { messageId: `rud-${run}-alias`, userId: 'rudder-user', previousId: 'anon-3' };
    client.identify(identify);
    client.alias(alias);
    ids.push(`rud-${run}-identify`, `rud-${run}-alias`);
    await new Promise<void>((resolve, reject) => client.flush((error?: unknown) => (error ? reject(error as Error) : resolve())));

    const rows = await cdp.rows(`message_id LIKE 'rud-${run}-%'`);
    expect(rows.map((r) => r.message_id).sort()).toEqual([...ids].sort());
    for (const row of rows.filter((r) => r.type === 'track')) {
      const i = Number(String(row.message_id).split('-').at(-1));
      expect(row).toMatchObject({ event: 'Product Viewed', anonymous_id: `anon-${i}`, source: 'server' });
      expect(row.properties).toEqual(richProperties(i));
    }
    expect(rows.find((r) => r.type === 'alias')).toMatchObject({ user_id: 'rudder-user', previous_id: 'anon-3' });
    expect(rows.find((r) => r.type === 'identify')).toMatchObject({ user_id: 'rudder-user' });
  }, 60_000);

  it('a resent messageId is stored once (client retries, replays)', async () => {
    const messageId = `dup-${randomUUID()}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await fetch(`${cdp.url}/v1/track`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${WRITE_KEYS.server}:`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messageId, userId: 'u', event: 'Retried', properties: { attempt } }),
      });
      expect(res.status).toBe(200);
      // Twice in the same micro-batch, once in a later one.
      if (attempt === 1) await cdp.server.context.collect.collector.flush();
    }
    const rows = await cdp.rows(`message_id = '${messageId}'`);
    expect(rows).toHaveLength(1);
  });

  it('a batch’s sentAt and context apply to its messages; the client clock’s skew is corrected as Segment does', async () => {
    const run = randomUUID().slice(0, 8);
    // The client's clock is an hour ahead; the event happened 5 s before the batch was sent.
    const sentAt = new Date(Date.now() + 3_600_000);
    const before = Date.now();
    const res = await fetch(`${cdp.url}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({
        writeKey: WRITE_KEYS.web,
        sentAt: sentAt.toISOString(),
        context: { library: { name: 'custom' }, app: { version: '1.2' } },
        batch: [{ type: 'track', messageId: `skew-${run}`, userId: 'u', event: 'Skewed', timestamp: new Date(sentAt.getTime() - 5000).toISOString(), context: { app: { version: '2.0' } } }],
      }),
    });
    const after = Date.now();
    expect(res.status).toBe(200);
    const [row] = await cdp.rows(`message_id = 'skew-${run}'`);
    expect(row).toMatchObject({ source: 'web', context: { library: { name: 'custom' }, app: { version: '2.0' } } });
    expect((row!.sent_at as Date).getTime()).toBe(sentAt.getTime());
    const corrected = (row!.timestamp as Date).getTime();
    expect(corrected).toBeGreaterThanOrEqual(before - 5000 - 1);
    expect(corrected).toBeLessThanOrEqual(after - 5000 + 1);
    expect((row!.received_at as Date).getTime() - corrected).toBe(5000);
  });
});
