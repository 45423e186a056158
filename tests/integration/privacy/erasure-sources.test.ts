import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainIdentifier } from '../../../src/identity/index.js';
import { runProject } from '../../../src/pipeline/index.js';
import { deleteSubject } from '../../../src/privacy/requests/index.js';
import { runSync } from '../../../src/syncs/index.js';
import { runCli } from '../../helpers/cli.js';
import type { TableSpec } from '../identity/helpers.js';
import { forgettable, type Recorder } from './destinations.js';
import { privacyProject, profileSync, type Engine, type PrivacyProject } from './fixture.js';

const actor = { type: 'cli' as const, id: 'dpo', email: null };
const ts = (day: number) => new Date(Date.UTC(2024, 0, day));

/** Consent decisions: alice's email and phone in several spellings, one row with both; others. */
const CONSENTS: TableSpec = {
  name: 'consents',
  columns: [
    { name: 'email', kind: 'string' },
    { name: 'phone', kind: 'string' },
    { name: 'purpose', kind: 'string' },
    { name: 'status', kind: 'string' },
    { name: 'ts', kind: 'timestamp' },
  ],
  rows: [
    [' ALICE@gmail.com ', null, 'email_marketing', 'granted', ts(2)],
    [null, '(415) 555-0101', 'advertising', 'yes', ts(3)],
    ['alice@gmail.com', '415.555.0101', 'analytics', 'no', ts(4)],
    ['frank@work.com', null, 'email_marketing', 'granted', ts(2)],
    ['', '+1 646 555 0144', 'advertising', 'yes', ts(2)],
  ],
};

/**
 * Where the person still is after a deletion (the customer's own tables, models resolved to the
 * tables they are built from), and that the generated tables keep no trace of them.
 */
describe.each<Engine>(['duckdb', 'postgres'])('erasure: source records and traces on %s', (engine) => {
  let p: PrivacyProject;
  let crm: Recorder;
  let alice: string;
  const rel = (name: string) => p.warehouse.dialect.relation({ schema: p.schema, name });
  // alice's identifiers (normalised, and as the sources spell them) and her records' keys.
  const values = ['alice@gmail.com', 'u1', 'a1', '+14155550101', '(415) 555-0101', '+1 415-555-0101'];
  const recordKeys = ['c1', 'c2', 'o1', 'o2', 'w1', 'w2', 'w3'];

  beforeAll(async () => {
    p = await privacyProject(engine, {
      tables: [CONSENTS],
      models: (raw) => ({
        base_orders: `select * from {{ source('${raw}', 'orders') }}`,
        stg_orders: `select * from {{ ref('base_orders') }}`,
        stg_consent: `{{ config(materialized='table') }}\nselect * from {{ source('${raw}', 'consents') }}`,
      }),
      config: (config) => {
        const orders = config.identity!.sources!.find((s) => s.name === 'orders')!;
        orders.relation = 'stg_orders';
        config.privacy = {
          consent: { sources: [{ name: 'prefs', relation: 'stg_consent', ids: { email: 'email', phone: 'phone' }, purpose: 'purpose', status: 'status', timestamp: 'ts' }] },
        };
      },
    });
    crm = forgettable();
    p.writeSync('crm', profileSync('crm', crm.type, p.schema));
    expect((await runSync(p.project, 'crm')).status).toBe('success');
    alice = String((await p.warehouse.query(`SELECT profile_id FROM ${rel('identity_graph')} WHERE id_value = 'alice@gmail.com'`))[0]!.profile_id);
  }, 120_000);
  afterAll(async () => p?.close());

  it('counts the consent sources too, and names the tables a model is built from', async () => {
    const report = await deleteSubject(p.project, { idType: 'email', value: 'Alice@Gmail.com' }, { actor, dryRun: true });
    expect(report.sourceRecords).toEqual([
      { source: 'web_events', kind: 'identity', relation: `${p.raw}.web_events`, records: 3 },
      { source: 'app_events', kind: 'identity', relation: `${p.raw}.app_events`, records: 0 },
      { source: 'crm_contacts', kind: 'identity', relation: `${p.raw}.crm_contacts`, records: 2 },
      { source: 'orders', kind: 'identity', relation: `${p.schema}.stg_orders`, records: 2, upstream: [`${p.raw}.orders`] },
      // three rows: by email, by phone, and one carrying both (counted once)
      { source: 'prefs', kind: 'consent', relation: `${p.schema}.stg_consent`, records: 3, upstream: [`${p.raw}.consents`] },
    ]);
    const cli = await runCli('privacy', 'delete', 'email', 'Alice@Gmail.com', '--dry-run', '--project', p.dir);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(
      [
        `  orders (${p.schema}.stg_orders): 2 row(s)`,
        `    ${p.schema}.stg_orders is a model built from ${p.raw}.orders: delete the rows there`,
        `  consent source prefs (${p.schema}.stg_consent): 3 row(s)`,
        `    ${p.schema}.stg_consent is a model built from ${p.raw}.consents: delete the rows there`,
      ].join('\n'),
    );
    expect(cli.out).not.toContain('app_events');
  });

  it('after the deletion and a rebuild no generated table holds her identifiers or record keys', async () => {
    const report = await deleteSubject(p.project, { idType: 'email', value: 'Alice@Gmail.com' }, { actor });
    expect(report.complete).toBe(true);
    const run = await runProject(p.project);
    expect(run.identity?.mode).toBe('full');
    expect((await runSync(p.project, 'crm')).status).toBe('success');

    // Every text column of every table of the project schema, except the suppression list and the
    // customer's own models (rebuilt from the raw tables: reported in sourceRecords).
    const models = new Set(['base_orders', 'stg_orders', 'stg_consent']);
    const needles = [...values, ...recordKeys, alice].map((v) => p.warehouse.dialect.literal(v.toLowerCase())).join(', ');
    const found: string[] = [];
    const relations = await p.warehouse.listRelations(p.schema);
    expect(relations.map((r) => r.name)).toEqual(expect.arrayContaining(['resolved_records', '_identity_records', 'identity_dropped', 'profiles', 'consent', 'sync_state_crm']));
    for (const relation of relations) {
      if (relation.kind !== 'table' || relation.name === 'identity_suppressions' || models.has(relation.name)) continue;
      for (const column of await p.warehouse.listColumns(relation)) {
        if (column.kind !== 'string' && column.kind !== 'json') continue;
        const col = p.warehouse.dialect.cast(p.warehouse.dialect.quoteIdent(column.name), 'string');
        const [row] = await p.warehouse.query<{ n: number | bigint }>(
          `SELECT COUNT(*) AS n FROM ${p.warehouse.dialect.relation(relation)} WHERE LOWER(TRIM(${col})) IN (${needles})`,
        );
        if (Number(row?.n ?? 0) > 0) found.push(`${relation.name}.${column.name}`);
      }
    }
    expect(found).toEqual([]);
    // The rest of the world is still there.
    expect(Number((await p.warehouse.query(`SELECT COUNT(*) AS n FROM ${rel('resolved_records')} WHERE record_key = 'c3'`))[0]!.n)).toBe(1);
  });

  it('explain says the value was suppressed, by which request and when', async () => {
    const [row] = await p.warehouse.query<{ request_id: string }>(`SELECT request_id FROM ${rel('identity_suppressions')} WHERE id_value = 'alice@gmail.com'`);
    const e = await explainIdentifier(p.project, 'email', ' ALICE@gmail.com');
    expect(e).toMatchObject({ status: 'suppressed', normalized: 'alice@gmail.com', profileId: null, suppressed: { requestId: row!.request_id } });
    expect(e.suppressed!.suppressedAt).toBeInstanceOf(Date);
    expect(Math.abs(e.suppressed!.suppressedAt!.getTime() - Date.now())).toBeLessThan(10 * 60_000);
    // A value never suppressed is unaffected.
    expect((await explainIdentifier(p.project, 'email', 'frank@work.com')).suppressed).toBeNull();
  });
});
