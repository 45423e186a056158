/**
 * Two `cdp serve` processes sharing one state store and one Postgres warehouse (behind a load
 * balancer): a client's retry may reach the other service. Landings take turns (a lease in the
 * state store), so each messageId is stored once.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectServer, POSTGRES_URL, WRITE_KEYS, type CollectServer } from './helpers.js';

describe('collect: two services, one warehouse', () => {
  const schema = `collect_two_${randomBytes(5).toString('hex')}`;
  const stateSchema = `collect_state_${randomBytes(5).toString('hex')}`;
  let a: CollectServer;
  let b: CollectServer;
  beforeAll(async () => {
    const shared = { schema, state: { client: 'pg' as const, connection: POSTGRES_URL, schema: stateSchema } };
    a = await collectServer('postgres', { batch: { maxEvents: 50, maxAgeSeconds: 0.05 } }, shared);
    b = await collectServer('postgres', { batch: { maxEvents: 50, maxAgeSeconds: 0.05 } }, shared);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${stateSchema}" CASCADE`);
    await db.end();
  });

  it('the same messages sent to both land once', async () => {
    const auth = { authorization: `Basic ${Buffer.from(`${WRITE_KEYS.server}:`).toString('base64')}` };
    const sends: Array<Promise<Response>> = [];
    for (let round = 0; round < 20; round++) {
      const batch = Array.from({ length: 20 }, (_, i) => ({ type: 'track', messageId: `both-${round}-${i}`, userId: 'u', event: 'Twice' }));
      for (const server of [a, b]) sends.push(fetch(`${server.url}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch }) }));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await Promise.all(sends)).map((r) => r.status)).toEqual(sends.map(() => 200));
    await Promise.all([a.server.context.collect.collector.flush(), b.server.context.collect.collector.flush()]);
    await expect.poll(() => a.server.context.collect.stats.totals().landed + b.server.context.collect.stats.totals().landed, { timeout: 60_000 }).toBe(800);
    const rows = await a.warehouse.query<{ message_id: string; n: unknown }>(`SELECT message_id, COUNT(*) AS n FROM "${schema}".collected_events GROUP BY message_id`);
    expect(rows).toHaveLength(400);
    expect(rows.filter((r) => Number(r.n) > 1)).toEqual([]);
  }, 90_000);
});
