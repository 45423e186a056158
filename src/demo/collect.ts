/**
 * `cdp demo --serve` sends the most recent website events of the demo through the collection API
 * with the real Segment client (@segment/analytics-node), as a site would: they land in
 * `<schema>.collected_events` under the source `demo-web` and show on the Sources page. The raw
 * tables stay as generated (the demo's models and truth tables do not change).
 */
import { Analytics } from '@segment/analytics-node';
import type { CollectService } from '../collect/index.js';
import type { Warehouse } from '../warehouse/index.js';

export const DEMO_SOURCE = 'demo-web';

interface WebEventRow {
  event_id: string;
  anonymous_id: string | null;
  user_id: string | null;
  event: string;
  page_url: string | null;
  ts: Date | string;
}

/** The demo source's write key: created (stored encrypted) on first use. */
async function demoWriteKey(collect: CollectService): Promise<string> {
  return (await collect.keys.sources()).some((s) => s.name === DEMO_SOURCE) ? collect.keys.rotate(DEMO_SOURCE, 'cdp demo') : collect.keys.create(DEMO_SOURCE, 'cdp demo');
}

/** Sends up to `limit` recent rows of raw.web_events to `url` (a running `cdp serve`); returns how many were acknowledged. */
export async function sendDemoEvents(url: string, collect: CollectService, warehouse: Warehouse, options: { limit?: number; rawSchema?: string } = {}): Promise<number> {
  const d = warehouse.dialect;
  const rows = await warehouse.query<WebEventRow & Record<string, unknown>>(
    `SELECT event_id, anonymous_id, user_id, event, page_url, ts FROM ${d.relation({ schema: options.rawSchema ?? 'raw', name: 'web_events' })}
     WHERE anonymous_id IS NOT NULL OR user_id IS NOT NULL ORDER BY ts DESC, event_id ${d.limit(options.limit ?? 2000)}`,
  );
  const analytics = new Analytics({ writeKey: await demoWriteKey(collect), host: url });
  let acknowledged = 0;
  let failed: unknown = null;
  for (const row of rows.reverse()) {
    const common = {
      messageId: row.event_id,
      timestamp: new Date(row.ts),
      ...(row.user_id ? { userId: row.user_id } : { anonymousId: row.anonymous_id! }),
      ...(row.user_id && row.anonymous_id ? { anonymousId: row.anonymous_id } : {}),
      context: { page: { path: row.page_url ?? undefined } },
    };
    const done = (error?: unknown) => (error ? (failed = error) : acknowledged++);
    if (row.event === 'page_view') analytics.page({ ...common, name: row.page_url ?? 'page', properties: { path: row.page_url } }, done);
    else analytics.track({ ...common, event: row.event, properties: { path: row.page_url } }, done);
  }
  await analytics.closeAndFlush({ timeout: 60_000 });
  if (failed && acknowledged === 0) throw failed instanceof Error ? failed : new Error(String(failed));
  return acknowledged;
}
