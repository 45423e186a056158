/**
 * Collected events as an identity source, through the staging models `cdp init` scaffolds:
 * anonymous ids stitched to the user they identify as, an alias's previous id too.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProject } from '../../../src/pipeline/index.js';
import { collectServer, WRITE_KEYS, type CollectServer } from './helpers.js';

const TEMPLATE_MODELS = fileURLToPath(new URL('../../../src/cli/templates/init/models/collect/', import.meta.url));

describe('collected events stitched by identity', () => {
  let cdp: CollectServer;
  beforeAll(async () => {
    cdp = await collectServer(
      'duckdb',
      {},
      {
        // The scaffold's models read source('cdp', 'collected_events').
        schema: 'cdp',
        identity: {
          sources: [{ name: 'events', relation: 'stg_collected_identities', key: 'event_key', timestamp: 'ts', ids: { anonymous_id: 'anonymous_id', user_id: 'user_id' } }],
          idTypes: { user_id: { priority: 1, maxPerProfile: 1 }, anonymous_id: { priority: 9 } },
        },
      },
      (dir) => cpSync(TEMPLATE_MODELS, join(dir, 'models', 'collect'), { recursive: true }),
    );
  }, 60_000);
  afterAll(async () => cdp?.stop());

  it('anonymous_id ↔ user_id per event and alias previous_id → one profile per person', async () => {
    const analytics = new Analytics({ writeKey: WRITE_KEYS.web, host: cdp.url });
    analytics.track({ anonymousId: 'anon-phone', event: 'Viewed Product' });
    analytics.identify({ anonymousId: 'anon-phone', userId: 'ann', traits: { email: 'ann@example.com' } });
    analytics.page({ anonymousId: 'anon-laptop', name: 'Home' });
    analytics.alias({ previousId: 'anon-laptop', userId: 'ann' });
    analytics.track({ anonymousId: 'anon-stranger', event: 'Viewed Product' });
    await analytics.closeAndFlush();
    await cdp.server.context.collect.collector.flush();

    await runProject(cdp.project);
    const graph = await cdp.warehouse.query<{ profile_id: string; id_type: string; id_value: string }>(
      'SELECT profile_id, id_type, id_value FROM cdp.identity_graph ORDER BY id_type, id_value',
    );
    const profileOf = (value: string) => graph.find((g) => g.id_value === value)?.profile_id;
    expect(profileOf('ann')).toBeDefined();
    expect(profileOf('anon-phone')).toBe(profileOf('ann'));
    expect(profileOf('anon-laptop')).toBe(profileOf('ann'));
    expect(profileOf('anon-stranger')).toBeDefined();
    expect(profileOf('anon-stranger')).not.toBe(profileOf('ann'));
    expect(new Set(graph.map((g) => g.profile_id)).size).toBe(2);
  }, 120_000);
});
