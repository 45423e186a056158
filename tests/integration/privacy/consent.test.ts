import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { CdpError } from '../../../src/errors.js';
import { buildIdentity, planIdentity } from '../../../src/identity/index.js';
import { planConsent, resolvedDecisionsSelect } from '../../../src/identity/consent/index.js';
import type { ColumnDef, Warehouse } from '../../../src/warehouse/index.js';
import { appendRows, dropSchemas, loadTables, openDuckDb, openPostgres, TestProject, uniqueSchema, type TableSpec } from '../identity/helpers.js';

/**
 * Consent resolution in the warehouse: decisions by email or phone, normalised like the graph,
 * resolved to profiles; the latest per (profile, purpose) wins, a denial wins a tie.
 */
const at = (day: number) => new Date(Date.UTC(2024, 0, day));
const str = (name: string): ColumnDef => ({ name, kind: 'string' });

const CRM: TableSpec = {
  name: 'crm',
  columns: [str('contact_id'), str('email'), str('phone'), { name: 'updated_at', kind: 'timestamp' }],
  rows: [
    ['c1', 'alice@shop.co', '+1 415 555 0101', at(1)],
    ['c2', 'bob@shop.co', null, at(1)],
    ['c3', 'carol@shop.co', '415-555-0103', at(1)],
    ['c4', 'dave@shop.co', null, at(1)],
    ['c5', 'erin@shop.co', null, at(1)],
  ],
};

const CONSENT_COLUMNS = [str('email'), str('phone'), str('purpose'), str('status'), { name: 'ts', kind: 'timestamp' as const }];
const CONSENTS: TableSpec = {
  name: 'consents',
  columns: CONSENT_COLUMNS,
  rows: [
    // alice: granted by a messy email, then revoked later by her phone (same profile via the graph).
    [' Alice@Shop.CO ', null, 'advertising', 'granted', at(2)],
    [null, '(415) 555-0101', 'advertising', 'revoked', at(3)],
    ['alice@shop.co', null, 'email_marketing', ' Opt_In ', at(2)],
    // bob: a status in neither list is ignored; purpose matched case-insensitively.
    ['bob@shop.co', null, 'advertising', 'maybe', at(4)],
    ['bob@shop.co', null, 'Email_Marketing', 'YES', at(2)],
    // carol: the same instant, granted by email and denied by phone: denied wins.
    ['carol@shop.co', null, 'advertising', 'granted', at(5)],
    [null, '4155550103', 'advertising', 'denied', at(5)],
    // dave: revoked, then granted again: the latest wins; a purpose not configured is ignored.
    ['dave@shop.co', null, 'advertising', 'revoked', at(2)],
    ['dave@shop.co', null, 'advertising', 'granted', at(6)],
    ['dave@shop.co', null, 'shopping_lists', 'granted', at(6)],
    // nobody's profile: left out.
    ['stranger@shop.co', null, 'advertising', 'granted', at(2)],
    ['not an email', null, 'advertising', 'granted', at(2)],
  ],
};

function config(raw: string, out: string, consent: Record<string, unknown> = {}): CdpConfigInput {
  return {
    warehouse: { type: 'duckdb', path: ':memory:' },
    schema: out,
    identity: {
      sources: [{ name: 'crm', relation: `${raw}.crm`, key: 'contact_id', timestamp: 'updated_at', ids: { email: 'email', phone: 'phone' } }],
      idTypes: { email: { priority: 1, normalize: 'email' }, phone: { priority: 2, normalize: 'phone', defaultRegion: 'US' } },
    },
    profiles: { traits: { email: { source: 'crm', column: 'email', rule: 'most_recent' } } },
    privacy: {
      consent: {
        sources: [{ name: 'prefs', relation: `${raw}.consents`, ids: { email: 'email', phone: 'phone' }, purpose: 'purpose', status: 'status', timestamp: 'ts', ...consent }],
      },
    },
  } as CdpConfigInput;
}

const engines: Array<[string, () => Promise<Warehouse>]> = [
  ['duckdb', openDuckDb],
  ['postgres', openPostgres],
];

describe.each(engines)('consent resolution on %s', (engine, open) => {
  let w: Warehouse;
  const raw = uniqueSchema('t_consent_raw');
  const out = uniqueSchema('t_consent_out');
  let project: TestProject;

  const consentRows = async () => {
    const d = w.dialect;
    const rows = await w.query<{ email: string; purpose: string; status: string; source: string; id_type: string; decided_at: Date }>(
      `SELECT p.email, c.purpose, c.status, c.source, c.id_type, c.decided_at FROM ${d.relation({ schema: out, name: 'consent' })} c
       JOIN ${d.relation({ schema: out, name: 'profiles' })} p ON p.profile_id = c.profile_id ORDER BY p.email, c.purpose`,
    );
    return rows.map((r) => `${r.email} ${r.purpose} ${r.status} ${r.id_type} ${new Date(r.decided_at).toISOString().slice(0, 10)}`);
  };
  const profileConsent = async () => {
    const d = w.dialect;
    const rows = await w.query<Record<string, string>>(
      `SELECT email, consent_advertising, consent_email_marketing, consent_analytics, consent_personalization FROM ${d.relation({ schema: out, name: 'profiles' })} ORDER BY email`,
    );
    return Object.fromEntries(rows.map((r) => [r.email, [r.consent_advertising, r.consent_email_marketing, r.consent_analytics, r.consent_personalization].join(' ')]));
  };

  beforeAll(async () => {
    w = await open();
    await loadTables(w, raw, [CRM, CONSENTS]);
    project = new TestProject(config(raw, out), w);
    await buildIdentity(project, { full: true });
  });
  afterAll(async () => {
    if (engine === 'postgres') await dropSchemas(w, [raw, out]);
    await w.close();
  });

  it('resolves the latest decision per profile and purpose through the identity graph', async () => {
    expect(await consentRows()).toEqual([
      'alice@shop.co advertising denied phone 2024-01-03',
      'alice@shop.co email_marketing granted email 2024-01-02',
      'bob@shop.co email_marketing granted email 2024-01-02',
      'carol@shop.co advertising denied phone 2024-01-05',
      'dave@shop.co advertising granted email 2024-01-06',
    ]);
    const [{ n } = { n: 0 }] = await w.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${w.dialect.relation({ schema: out, name: 'consent' })} WHERE source <> 'prefs'`);
    expect(Number(n)).toBe(0);
  });

  it('lists every decision that reached a profile (the consent history of an access export)', async () => {
    const d = w.dialect;
    const plan = planConsent(project)!;
    const history = resolvedDecisionsSelect(d, planIdentity(project, project.config.identity!), plan, { schema: out, name: '_identity_nodes' });
    const rows = await w.query<{ purpose: string; status: string; id_type: string; decided_at: Date }>(
      `SELECT h.purpose, h.status, h.id_type, h.decided_at FROM (${history}) h JOIN ${d.relation({ schema: out, name: 'profiles' })} p ON p.profile_id = h.profile_id ` +
        `WHERE p.email = 'alice@shop.co' ORDER BY h.decided_at, h.purpose`,
    );
    expect(rows.map((r) => `${r.purpose} ${r.status} ${r.id_type} ${new Date(r.decided_at).toISOString().slice(0, 10)}`)).toEqual([
      'advertising granted email 2024-01-02',
      'email_marketing granted email 2024-01-02',
      'advertising denied phone 2024-01-03',
    ]);
  });

  it('gives every profile a consent_<purpose> column per configured purpose: granted, denied or unknown', async () => {
    expect(await profileConsent()).toEqual({
      'alice@shop.co': 'denied granted unknown unknown',
      'bob@shop.co': 'unknown granted unknown unknown',
      'carol@shop.co': 'denied unknown unknown unknown',
      'dave@shop.co': 'granted unknown unknown unknown',
      'erin@shop.co': 'unknown unknown unknown unknown',
    });
  });

  it('recomputes consent on an incremental build even when no identity source changed', async () => {
    await appendRows(w, raw, { ...CONSENTS, rows: [['ERIN@shop.co', null, 'advertising', 'granted', at(7)], ['dave@shop.co', null, 'advertising', 'withdrawn', at(8)]] });
    const result = await buildIdentity(project);
    expect(result.mode).toBe('incremental');
    expect(result.rowsRead).toBe(0);
    const now = await profileConsent();
    expect(now['erin@shop.co']).toBe('granted unknown unknown unknown');
    expect(now['dave@shop.co']).toBe('denied unknown unknown unknown');
  });

  it('uses the source\'s own granted/revoked lists (trimmed, lower-cased) when given', async () => {
    const custom = uniqueSchema('t_consent_custom');
    const p = new TestProject(config(raw, custom, { granted: [' Maybe '], revoked: ['granted'] }), w);
    try {
      await buildIdentity(p, { full: true });
      const rows = await w.query<{ email: string; consent_advertising: string }>(
        `SELECT email, consent_advertising FROM ${w.dialect.relation({ schema: custom, name: 'profiles' })} ORDER BY email`,
      );
      // bob's 'maybe' now counts as granted; every 'granted' as a denial; 'revoked' and 'withdrawn' mean nothing.
      expect(rows.map((r) => `${r.email} ${r.consent_advertising}`)).toEqual([
        'alice@shop.co denied',
        'bob@shop.co granted',
        'carol@shop.co denied',
        'dave@shop.co denied',
        'erin@shop.co denied',
      ]);
    } finally {
      await dropSchemas(w, [custom]);
    }
  });
});

describe('consent config is checked before anything is built', () => {
  let w: Warehouse;
  const raw = 'raw';
  beforeAll(async () => {
    w = await openDuckDb();
    await loadTables(w, raw, [CRM, CONSENTS]);
  });
  afterAll(async () => w.close());

  const failure = async (consent: Record<string, unknown>, extra: Partial<CdpConfigInput> = {}): Promise<CdpError> => {
    const project = new TestProject({ ...config(raw, 'cdp', consent), ...extra } as CdpConfigInput, w);
    const error = await buildIdentity(project, { full: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CdpError);
    return error as CdpError;
  };

  it('refuses an id type that identity does not declare, suggesting the near one', async () => {
    const e = await failure({ ids: { emial: 'email' } });
    expect(e.location.path).toBe('privacy.consent.sources[0].ids.emial');
    expect(e.message).toMatch(/id type emial, which is not declared in identity.idTypes/);
    expect(e.hint).toMatch(/did you mean email\?/);
  });

  it('refuses a relation or a column that does not exist', async () => {
    const missing = await failure({ relation: 'raw.consent' });
    expect(missing.location.path).toBe('privacy.consent.sources[0].relation');
    expect(missing.message).toMatch(/raw\.consent .* does not exist/);
    const column = await failure({ timestamp: 'tss' });
    expect(column.location.path).toBe('privacy.consent.sources[0].timestamp');
    expect(column.hint).toMatch(/did you mean ts\?/);
    const id = await failure({ ids: { email: 'mail' } });
    expect(id.location.path).toBe('privacy.consent.sources[0].ids.email');
    expect(id.hint).toMatch(/did you mean email\?/);
    const status = await failure({ status: 'stauts' });
    expect(status.location.path).toBe('privacy.consent.sources[0].status');
    expect(status.hint).toMatch(/did you mean status\?/);
  });

  it('refuses a value listed as both granted and revoked, and a trait named like a consent column', async () => {
    const both = await failure({ granted: ['yes', 'no'], revoked: ['No'] });
    expect(both.message).toMatch(/'no' is listed as both granted and revoked/);
    const trait = await failure({}, { profiles: { traits: { consent_advertising: { source: 'crm', column: 'email', rule: 'most_recent' } } } });
    expect(trait.location.path).toBe('profiles.traits.consent_advertising');
  });

  it('drops a stale consent table once consent sources are removed', async () => {
    const withConsent = new TestProject(config(raw, 'stale'), w);
    await buildIdentity(withConsent, { full: true });
    expect(await w.relationExists({ schema: 'stale', name: 'consent' })).toBe(true);
    const without = config(raw, 'stale');
    delete (without as { privacy?: unknown }).privacy;
    await buildIdentity(new TestProject(without, w));
    expect(await w.relationExists({ schema: 'stale', name: 'consent' })).toBe(false);
    const columns = (await w.listColumns({ schema: 'stale', name: 'profiles' })).map((c) => c.name);
    expect(columns.filter((c) => c.startsWith('consent_'))).toEqual([]);
  });
});
