/**
 * A landing the warehouse refuses is retried with backoff: the events stay in the spool (and are
 * still acknowledged), nothing is dropped, and they land once the warehouse takes them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableSql } from '../../../src/collect/index.js';
import { collectServer, WRITE_KEYS, type CollectServer } from './helpers.js';

describe('collect: landing failures', () => {
  let cdp: CollectServer;
  beforeAll(async () => {
    cdp = await collectServer('duckdb', { batch: { maxEvents: 1000, maxAgeSeconds: 0.1 } });
  }, 60_000);
  afterAll(async () => cdp?.stop());

  it('retries until the warehouse accepts the batch; nothing lost, nothing twice', async () => {
    const table = `"${cdp.schema}"."collected_events"`;
    await cdp.server.context.collect.collector.flush(); // the table exists
    // The warehouse now refuses inserts: the table is replaced by a view of the same name.
    await cdp.warehouse.execute(`DROP TABLE ${table}`);
    await cdp.warehouse.execute(`CREATE VIEW ${table} AS SELECT 1 AS message_id`);

    const auth = { authorization: `Basic ${Buffer.from(`${WRITE_KEYS.server}:`).toString('base64')}` };
    const batch = Array.from({ length: 25 }, (_, i) => ({ type: 'track', messageId: `retry-${i}`, userId: 'u', event: 'Retried Landing' }));
    const res = await fetch(`${cdp.url}/v1/batch`, { method: 'POST', headers: auth, body: JSON.stringify({ batch }) });
    expect(res.status).toBe(200);

    // A few failed attempts later, the events are still only in the spool.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const spooled = readdirSync(join(cdp.dir, 'spool')).filter((f) => f.endsWith('.ndjson'));
    expect(spooled.length).toBeGreaterThan(0);
    expect(cdp.server.context.collect.stats.totals().landed).toBe(0);

    // The warehouse is fixed: the table is back.
    await cdp.warehouse.execute(`DROP VIEW ${table}`);
    await cdp.warehouse.execute(createTableSql(cdp.warehouse, { schema: cdp.schema, name: 'collected_events' }));

    await expect.poll(() => cdp.server.context.collect.stats.totals().landed, { timeout: 40_000, interval: 250 }).toBe(25);
    const rows = await cdp.rows(`message_id LIKE 'retry-%'`);
    expect(rows.map((r) => r.message_id).sort()).toEqual(batch.map((m) => m.messageId).sort());
    expect(readdirSync(join(cdp.dir, 'spool')).filter((f) => f.endsWith('.ndjson'))).toEqual([]);
  }, 90_000);
});
