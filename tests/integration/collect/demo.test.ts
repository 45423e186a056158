/** `cdp demo --serve` sends recent website events through /v1 with the real Segment client. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SOURCE, sendDemoEvents } from '../../../src/demo/collect.js';
import { generateDemo } from '../../../src/demo/index.js';
import { collectServer, type CollectServer } from './helpers.js';

describe('demo events through the collection API', () => {
  let cdp: CollectServer;
  beforeAll(async () => {
    cdp = await collectServer('duckdb');
    await generateDemo(cdp.warehouse, { people: 60, seed: 7, referenceDate: new Date('2026-01-01T00:00:00Z') });
  }, 120_000);
  afterAll(async () => cdp?.stop());

  it('every sent web event lands once as the demo-web source, ids and times as generated', async () => {
    const sent = await sendDemoEvents(cdp.url, cdp.server.context.collect, cdp.warehouse, { limit: 300 });
    expect(sent).toBe(300);
    const landed = await cdp.rows(`source = '${DEMO_SOURCE}'`);
    const expected = await cdp.warehouse.query<{ event_id: string; ts: Date; event: string }>(
      `SELECT event_id, ts, event FROM raw.web_events WHERE anonymous_id IS NOT NULL OR user_id IS NOT NULL ORDER BY ts DESC, event_id LIMIT 300`,
    );
    expect(landed.map((r) => r.message_id).sort()).toEqual(expected.map((r) => r.event_id).sort());
    const byId = new Map(landed.map((r) => [r.message_id, r]));
    for (const row of expected) {
      const got = byId.get(row.event_id)!;
      expect(got.type).toBe(row.event === 'page_view' ? 'page' : 'track');
      if (row.event !== 'page_view') expect(got.event).toBe(row.event);
      // Same clock on both ends: the corrected time is the generated one, give or take the send delay.
      expect(Math.abs((got.timestamp as Date).getTime() - row.ts.getTime())).toBeLessThan(60_000);
    }
    // Sending again (a second `cdp demo --serve`) lands nothing twice.
    await sendDemoEvents(cdp.url, cdp.server.context.collect, cdp.warehouse, { limit: 300 });
    expect(await cdp.rows(`source = '${DEMO_SOURCE}'`)).toHaveLength(300);
  }, 120_000);
});
