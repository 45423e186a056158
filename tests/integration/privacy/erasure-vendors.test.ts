import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteSubject } from '../../../src/privacy/requests/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { startBraze, type FakeBraze } from '../../fixtures/vendors/braze.js';
import { startHubSpot, type FakeHubSpot } from '../../fixtures/vendors/hubspot.js';
import { privacyProject, type PrivacyProject } from './fixture.js';

const BRAZE_KEY = '3f1e2d4c-0000-4000-8000-123456789abc';
const HUBSPOT_TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';

/** Erasure against the local Braze and HubSpot servers: the vendors' own delete APIs are called with the person's identifiers. */
describe('right to erasure at Braze and HubSpot', () => {
  let p: PrivacyProject;
  let bz: FakeBraze;
  let hs: FakeHubSpot;
  let alice: string;
  beforeAll(async () => {
    bz = await startBraze({ apiKey: BRAZE_KEY });
    hs = await startHubSpot({ token: HUBSPOT_TOKEN });
    process.env.CDP_TEST_PRIVACY_BRAZE_KEY = BRAZE_KEY;
    process.env.CDP_TEST_PRIVACY_HUBSPOT_TOKEN = HUBSPOT_TOKEN;
    p = await privacyProject('duckdb');
    p.writeSync(
      'braze_users',
      `name: braze_users\nfrom: { model: ${p.schema}.profiles }\nkey: profile_id\n` +
        `destination: { type: braze, config: { api_key: { env: CDP_TEST_PRIVACY_BRAZE_KEY }, base_url: "${bz.url}" } }\n` +
        'mode: upsert\nfields: { external_id: profile_id, first_name: first_name }\n',
    );
    p.writeSync(
      'hubspot_contacts',
      `name: hubspot_contacts\nfrom: { model: ${p.raw}.newsletter }\nkey: email\n` +
        `destination: { type: hubspot, config: { access_token: { env: CDP_TEST_PRIVACY_HUBSPOT_TOKEN }, base_url: "${hs.url}" } }\n` +
        'mode: upsert\nfields: { email: email, firstname: first_name }\n',
    );
    for (const name of ['braze_users', 'hubspot_contacts']) expect((await runSync(p.project, name, { http: { baseDelayMs: 1, maxDelayMs: 5 } })).status).toBe('success');
    const d = p.warehouse.dialect;
    alice = String((await p.warehouse.query(`SELECT profile_id FROM ${d.relation({ schema: p.schema, name: 'identity_graph' })} WHERE id_value = 'u1'`))[0]!.profile_id);
  }, 120_000);
  afterAll(async () => {
    await p?.close();
    await bz?.close();
    await hs?.close();
  });

  it('calls /users/delete at Braze and gdpr-delete at HubSpot for the person only', async () => {
    expect(bz.user('external_id', alice)).toBeDefined();
    expect([...hs.contacts.values()].map((c) => c.properties.email).sort()).toEqual(['alice@gmail.com', 'frank@work.com']);

    const report = await deleteSubject(p.project, { idType: 'user_id', value: 'u1' }, { actor: { type: 'cli', id: 'dpo', email: null } });
    expect(report.complete).toBe(true);
    expect(report.destinations.map((d) => [d.sync, d.destinationType, d.action, d.rows, d.status])).toEqual([
      ['braze_users', 'braze', 'deleted', 1, 'ok'],
      ['hubspot_contacts', 'hubspot', 'deleted', 1, 'ok'],
    ]);
    expect(bz.calls('delete').map((r) => JSON.parse(r.body))).toEqual([{ external_ids: [alice] }]);
    expect(bz.user('external_id', alice)).toBeUndefined();
    expect(bz.users.length).toBeGreaterThan(5);
    expect(hs.calls('gdpr-delete').map((r) => JSON.parse(r.body))).toEqual([{ objectId: 'alice@gmail.com', idProperty: 'email' }]);
    expect([...hs.contacts.values()].map((c) => c.properties.email)).toEqual(['frank@work.com']);
    expect(bz.violations).toEqual([]);
  });
});
