import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/audit/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { deleteSubject, PrivacyRequestRepository, SUPPRESSION_FILTER } from '../../../src/privacy/requests/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { appendRows } from '../identity/helpers.js';
import { CRM, WEB } from '../identity/fixtures.js';
import { forgettable, membership, pushOnly, type Recorder } from './destinations.js';
import { emailSync, privacyProject, profileSync, type Engine, type PrivacyProject } from './fixture.js';

const actor = { type: 'cli' as const, id: 'dpo', email: null };

describe.each<Engine>(['duckdb', 'postgres'])('right to erasure on %s', (engine) => {
  let p: PrivacyProject;
  let crm: Recorder;
  let ads: Recorder;
  let push: Recorder;
  let alice: string;
  let profilesBefore: number;
  const q = (sql: string) => p.warehouse.query(sql);
  const rel = (name: string) => p.warehouse.dialect.relation({ schema: p.schema, name });
  const count = async (sql: string) => Number((await q(sql))[0]!.n);

  beforeAll(async () => {
    p = await privacyProject(engine);
    crm = forgettable();
    ads = membership();
    push = pushOnly();
    p.writeSync('crm', profileSync('crm', crm.type, p.schema));
    p.writeSync('ads', profileSync('ads', ads.type, p.schema, 'mirror'));
    p.writeSync('letters', emailSync('letters', push.type, p.raw));
    for (const name of ['crm', 'ads', 'letters']) expect((await runSync(p.project, name)).status).toBe('success');
    alice = String((await q(`SELECT profile_id FROM ${rel('identity_graph')} WHERE id_type = 'email' AND id_value = 'alice@gmail.com'`))[0]!.profile_id);
    profilesBefore = await count(`SELECT COUNT(*) AS n FROM ${rel('profiles')}`);
  }, 120_000);
  afterAll(async () => p?.close());

  it('a dry run reports what would happen and changes nothing', async () => {
    const report = await deleteSubject(p.project, { idType: 'email', value: ' ALICE@gmail.com' }, { actor, dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.profilesFound).toBe(1);
    expect(report.identifiers.byType).toEqual({ email: 1, user_id: 1, phone: 1, anonymous_id: 1 });
    expect(report.destinations.map((d) => [d.sync, d.action, d.rows, d.status])).toEqual([
      ['ads', 'removed', 1, 'dry_run'],
      ['crm', 'deleted', 1, 'dry_run'],
      ['letters', 'not_supported', 1, 'dry_run'],
    ]);
    expect(report.warehouse.find((t) => t.table === 'profiles')!.rows).toBe(1);
    expect(crm.calls.filter((c) => c.verb === 'forget')).toEqual([]);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('profiles')} WHERE profile_id = '${alice}'`)).toBe(1);
    expect(await p.warehouse.relationExists({ schema: p.schema, name: 'identity_suppressions' })).toBe(false);
    const state = await p.project.state();
    expect(await new PrivacyRequestRepository(state.knex).list()).toEqual([]);
  });

  it('deletes the person everywhere and reports it without raw identifiers', async () => {
    const report = await deleteSubject(p.project, { idType: 'email', value: 'Alice@Gmail.com' }, { actor });
    expect(report.complete).toBe(true);
    expect(report.identifiers).toMatchObject({ total: 4, newlySuppressed: 4, alreadySuppressed: 0 });

    // Destinations: the vendor delete, the audience removal, and "not supported" for a push-only sync.
    const forget = crm.calls.filter((c) => c.verb === 'forget');
    expect(forget.map((c) => c.rows.map((r) => [r.key, r.fields]))).toEqual([[[alice, { first_name: 'Alicia' }]]]);
    expect(ads.calls.filter((c) => c.verb === 'remove').map((c) => c.rows.map((r) => r.key))).toEqual([[alice]]);
    expect(report.destinations.map((d) => [d.sync, d.action, d.rows, d.status, d.stateRowsDeleted])).toEqual([
      ['ads', 'removed', 1, 'ok', 1],
      ['crm', 'deleted', 1, 'ok', 1],
      ['letters', 'not_supported', 1, 'skipped', 1],
    ]);
    for (const sync of ['crm', 'ads']) {
      expect(await count(`SELECT COUNT(*) AS n FROM ${rel(`sync_state_${sync}`)} WHERE sync_key = '${alice}'`)).toBe(0);
      expect(await count(`SELECT COUNT(*) AS n FROM ${rel(`sync_log_${sync}`)} WHERE sync_key = '${alice}'`)).toBe(0);
      expect(await count(`SELECT COUNT(*) AS n FROM ${rel(`sync_state_${sync}`)}`)).toBe(profilesBefore - 1);
    }
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('sync_state_letters')} WHERE LOWER(sync_key) = 'alice@gmail.com'`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('sync_state_letters')}`)).toBe(1);

    // Warehouse: gone from every generated table, nobody else touched.
    const rows = Object.fromEntries(report.warehouse.map((t) => [t.table, t.rows]));
    expect(rows).toMatchObject({ profiles: 1, _identity_nodes: 4, _identity_dictionary: 4, _identity_records: 7 });
    // identity_graph and resolved_records are views over those state tables: not counted, and empty of her at once.
    expect(rows).not.toHaveProperty('identity_graph');
    expect(rows).not.toHaveProperty('resolved_records');
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('profiles')}`)).toBe(profilesBefore - 1);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('identity_graph')} WHERE profile_id = '${alice}' OR id_value IN ('alice@gmail.com', 'u1', 'a1', '+14155550101')`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('resolved_records')} WHERE profile_id = '${alice}' OR record_key IN ('c1', 'c2', 'o1', 'o2', 'w1', 'w2', 'w3')`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('_identity_occurrences')} WHERE record_key IN ('c1', 'c2', 'o1', 'o2', 'w1', 'w2', 'w3')`)).toBe(0);
    // Where the customer's own tables still hold the person.
    expect(report.sourceRecords).toEqual([
      { source: 'web_events', kind: 'identity', relation: `${p.raw}.web_events`, records: 3 },
      { source: 'app_events', kind: 'identity', relation: `${p.raw}.app_events`, records: 0 },
      { source: 'crm_contacts', kind: 'identity', relation: `${p.raw}.crm_contacts`, records: 2 },
      { source: 'orders', kind: 'identity', relation: `${p.raw}.orders`, records: 2 },
    ]);

    // Recorded with the hash only.
    const state = await p.project.state();
    const [request] = await new PrivacyRequestRepository(state.knex).list();
    expect(request).toMatchObject({ id: report.requestId, kind: 'delete', status: 'completed', idType: 'email' });
    expect(request!.valueSha256).toMatch(/^[0-9a-f]{64}$/);
    const { entries } = await new AuditLog(state.knex).query({ action: 'privacy.delete' });
    expect(entries).toHaveLength(1);
    const stored = JSON.stringify([request, entries]);
    for (const value of ['alice@gmail.com', 'Alice@Gmail.com', 'u1', '+14155550101', '4155550101']) expect(stored.includes(`"${value}"`) || stored.includes(value + '"')).toBe(false);
    expect(stored.toLowerCase()).not.toContain('alice@');
  });

  it('new source rows carrying the person’s identifiers do not re-create them', async () => {
    await appendRows(p.warehouse, p.raw, { ...WEB, rows: [['w30', 'fresh-cookie', null, 'ALICE@GMAIL.COM', new Date(Date.UTC(2024, 1, 1))]] });
    // A new email, linked to the deleted person's user id.
    await appendRows(p.warehouse, p.raw, { ...CRM, rows: [['c30', 'alice.new@mail.com', null, 'u1', 'Alice', new Date(Date.UTC(2024, 1, 2))]] });
    const run = await runProject(p.project);
    expect(run.identity?.mode).toBe('full');
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('profiles')}`)).toBe(profilesBefore - 1);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('identity_graph')} WHERE id_value IN ('alice@gmail.com', 'alice.new@mail.com', 'fresh-cookie', 'u1', 'a1')`)).toBe(0);
    // Not even their record keys stay (with a NULL profile).
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('resolved_records')} WHERE record_key IN ('w30', 'c30', 'c1', 'w2')`)).toBe(0);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('_identity_records')} WHERE record_key IN ('w30', 'c30', 'c1', 'w2')`)).toBe(0);
    // Nor does a sync send them again.
    crm.calls.length = 0;
    expect((await runSync(p.project, 'crm')).status).toBe('success');
    expect(crm.calls.flatMap((c) => c.rows.map((r) => r.key))).not.toContain(alice);
    // A sync from the customer's own table (still holding her row) holds it back: suppressed.
    push.calls.length = 0;
    const letters = await runSync(p.project, 'letters');
    expect(letters.plan.heldBack).toEqual({ [SUPPRESSION_FILTER]: 1 });
    expect(push.calls.flatMap((c) => c.rows.map((r) => r.key))).toEqual([]);
  });

  it('a vendor that does not confirm keeps the row so that running the request again retries it', async () => {
    const frank = String((await q(`SELECT profile_id FROM ${rel('identity_graph')} WHERE id_value = 'u4'`))[0]!.profile_id);
    crm.answer = () => ({ status: 'retryable', reason: 'HTTP 503 for frank@work.com' });
    const first = await deleteSubject(p.project, { idType: 'user_id', value: 'u4' }, { actor });
    expect(first.complete).toBe(false);
    const crmReport = first.destinations.find((d) => d.sync === 'crm')!;
    expect(crmReport).toMatchObject({ action: 'deleted', status: 'failed', kept: 1, results: { ok: 0, rejected: 0, retryable: 1 }, errors: ['HTTP 503 for <identifier>'] });
    expect(first.destinations.find((d) => d.sync === 'ads')).toMatchObject({ action: 'removed', status: 'ok', kept: 0 });
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('sync_state_crm')} WHERE sync_key = '${frank}'`)).toBe(1);
    const state = await p.project.state();
    expect((await new PrivacyRequestRepository(state.knex).get(first.requestId))!.status).toBe('failed');

    crm.answer = () => undefined;
    const second = await deleteSubject(p.project, { idType: 'email', value: 'frank@work.com' }, { actor });
    expect(second.complete).toBe(true);
    expect(second.identifiers.alreadySuppressed).toBeGreaterThan(0);
    expect(second.destinations.map((d) => [d.sync, d.action, d.status])).toEqual([['crm', 'deleted', 'ok']]);
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('sync_state_crm')} WHERE sync_key = '${frank}'`)).toBe(0);
  });

  it('deleting someone unknown suppresses the identifier anyway; an unknown id type suggests one', async () => {
    const report = await deleteSubject(p.project, { idType: 'email', value: 'nobody@nowhere.org' }, { actor });
    expect(report).toMatchObject({ profilesFound: 0, complete: true, destinations: [], identifiers: { total: 1, newlySuppressed: 1 } });
    expect(await count(`SELECT COUNT(*) AS n FROM ${rel('identity_suppressions')} WHERE id_value = 'nobody@nowhere.org' AND request_id = '${report.requestId}'`)).toBe(1);
    await expect(deleteSubject(p.project, { idType: 'emial', value: 'x@y.com' }, { actor })).rejects.toThrow(/unknown id type emial/);
    await expect(deleteSubject(p.project, { idType: 'emial', value: 'x@y.com' }, { actor })).rejects.toMatchObject({ hint: "did you mean 'email'?" });
  });
});
