import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSubject, PrivacyRequestRepository } from '../../../src/privacy/requests/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { forgettable } from './destinations.js';
import { privacyProject, profileSync, type Engine, type PrivacyProject } from './fixture.js';

const actor = { type: 'cli' as const, id: 'dpo', email: null };

/** Values of other people in the fixture: none may appear anywhere in alice's export. */
const OTHERS = ['frank@work.com', 'frank@home.net', 'test@test.com', 'till@store.com', 'u2', 'u3', 'u4', 'd1', 'd2', 'f9', '+16465550144', '+16465550155', '+12125550199', 'Dave', 'Erin', 'Frank', 'Nobody', 'o3', 'o5', 'c3', 'c4', 'w4', 'p1'];

describe.each<Engine>(['duckdb', 'postgres'])('right of access on %s', (engine) => {
  let p: PrivacyProject;
  let alice: string;
  beforeAll(async () => {
    p = await privacyProject(engine);
    const crm = forgettable();
    p.writeSync('crm', profileSync('crm', crm.type, p.schema));
    expect((await runSync(p.project, 'crm')).status).toBe('success');
    const d = p.warehouse.dialect;
    alice = String((await p.warehouse.query(`SELECT profile_id FROM ${d.relation({ schema: p.schema, name: 'identity_graph' })} WHERE id_value = 'u1'`))[0]!.profile_id);
    const bob = String((await p.warehouse.query(`SELECT profile_id FROM ${d.relation({ schema: p.schema, name: 'identity_graph' })} WHERE id_value = 'u2'`))[0]!.profile_id);
    // The consent table as the identity build writes it (contract columns), with a decision of bob's too.
    await p.warehouse.loadTable(
      { schema: p.schema, name: 'consent' },
      [
        { name: 'profile_id', kind: 'string' },
        { name: 'purpose', kind: 'string' },
        { name: 'status', kind: 'string' },
        { name: 'decided_at', kind: 'timestamp' },
        { name: 'source', kind: 'string' },
        { name: 'id_type', kind: 'string' },
      ],
      [
        [
          [alice, 'email_marketing', 'granted', new Date(Date.UTC(2024, 0, 5)), 'prefs', 'email'],
          [alice, 'advertising', 'denied', new Date(Date.UTC(2024, 0, 6)), 'prefs', 'email'],
          [bob, 'advertising', 'granted', new Date(Date.UTC(2024, 0, 6)), 'prefs_bob_only', 'user_id'],
        ],
      ],
    );
  }, 120_000);
  afterAll(async () => p?.close());

  it('returns everything held about the person and nothing of anyone else', async () => {
    const data = await exportSubject(p.project, { idType: 'phone', value: '(415) 555-0101' }, { actor });
    expect(data.subject).toEqual({ idType: 'phone', value: '(415) 555-0101', normalized: '+14155550101' });
    expect(data.profiles).toHaveLength(1);
    expect(data.profiles[0]).toMatchObject({ profileId: alice, traits: { first_name: 'Alicia', first_name_first: 'Alice', lifetime_value: 25, order_count: 2 } });
    expect(data.identifiers.map((i) => `${i.idType}:${i.value}`).sort()).toEqual(['anonymous_id:a1', 'email:alice@gmail.com', 'phone:+14155550101', 'user_id:u1']);
    const email = data.identifiers.find((i) => i.idType === 'email')!;
    expect(email.sources).toEqual(
      expect.arrayContaining([
        { source: 'crm_contacts', records: 2 },
        { source: 'orders', records: 1 },
        { source: 'web_events', records: 1 },
      ]),
    );
    expect(email.firstSeen).toBeTruthy();
    expect(data.consent.map((c) => [c.purpose, c.status, c.source])).toEqual([
      ['advertising', 'denied', 'prefs'],
      ['email_marketing', 'granted', 'prefs'],
    ]);
    expect(data.audiences).toEqual([{ audience: 'everyone' }, { audience: 'spenders' }]);
    expect(data.destinations).toEqual([expect.objectContaining({ sync: 'crm', status: 'ok', sentValues: { first_name: 'Alicia' } })]);
    expect(Object.fromEntries(data.sourceRecords.map((s) => [s.source, s.rows.length]))).toEqual({ web_events: 3, crm_contacts: 2, orders: 2 });
    const orders = data.sourceRecords.find((s) => s.source === 'orders')!;
    expect(orders.rows.map((r) => r.order_id).sort()).toEqual(['o1', 'o2']);
    expect(Object.keys(orders.rows[0]!).sort()).toEqual(['amount', 'email', 'order_id', 'ordered_at', 'phone']);
    expect(data.events.map((e) => [e.event, e.recordKey])).toEqual([
      ['order_completed', 'o2'],
      ['order_completed', 'o1'],
    ]);

    const text = JSON.stringify(data);
    for (const other of OTHERS) expect(text, other).not.toContain(`"${other}"`);
    expect(text).not.toContain('prefs_bob_only');
    expect(text).not.toContain('bob');

    const state = await p.project.state();
    const [request] = await new PrivacyRequestRepository(state.knex).list();
    expect(request).toMatchObject({ id: data.requestId, kind: 'export', status: 'completed', idType: 'phone' });
    expect(JSON.stringify(request)).not.toContain('4155550101');
  });

  it('an unknown person exports as empty, not as an error', async () => {
    const data = await exportSubject(p.project, { idType: 'email', value: 'nobody@nowhere.org' }, { actor });
    expect(data).toMatchObject({ profiles: [], identifiers: [], consent: [], audiences: [], destinations: [], sourceRecords: [], events: [] });
  });
});
