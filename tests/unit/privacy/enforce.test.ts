import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { getDestination } from '../../../src/destinations/index.js';
import { CdpError } from '../../../src/errors.js';
import { logger } from '../../../src/logger.js';
import { consentFilters } from '../../../src/privacy/enforce.js';
import { installPrivacy } from '../../../src/privacy/plugin.js';
import { planFiltersFor } from '../../../src/syncs/filters.js';
import { prepareSyncObject, type PlanFilter } from '../../../src/syncs/index.js';
import { openWarehouse, type Warehouse } from '../../../src/warehouse/index.js';
import { TestProject } from '../../helpers/project.js';

const SOURCE = { name: 'prefs', relation: 'raw.consents', ids: { email: 'email' }, purpose: 'purpose', status: 'status', timestamp: 'ts' };
const base: CdpConfigInput = { warehouse: { type: 'duckdb', path: ':memory:' }, schema: 'cdp' };
const withConsent = (purposes?: Record<string, { policy: 'require_granted' | 'allow_unknown' }>): CdpConfigInput => ({
  ...base,
  privacy: { consent: { sources: [SOURCE], ...(purposes ? { purposes } : {}) } },
});

const meta = { type: 'meta_custom_audiences', config: { audience_id: '1', access_token: { env: 'X' } } };
const mailchimp = { type: 'mailchimp', config: { list_id: 'a', api_key: { env: 'X' }, base_url: 'https://us1.api.mailchimp.com/3.0' } };
const webhook = { type: 'webhook', config: { url: 'http://127.0.0.1:1/x' } };
const FIELDS: Record<string, Record<string, string>> = {
  meta_custom_audiences: { EMAIL: 'email' },
  mailchimp: { email_address: 'email' },
  webhook: { email: 'email' },
};
const audienceSync = (destination: { type: string }) =>
  prepareSyncObject({ name: 's', from: { audience: 'everyone' }, key: 'profile_id', destination, mode: 'mirror', fields: FIELDS[destination.type] });
const modelSync = (model: string, destination: object = meta) =>
  prepareSyncObject({ name: 's', from: { model }, key: 'id', destination, mode: 'mirror', fields: { EMAIL: 'email' } });

let w: Warehouse;

beforeAll(async () => {
  w = await openWarehouse({ type: 'duckdb', path: ':memory:' }, '/tmp');
  await w.execute('CREATE SCHEMA cdp');
  await w.execute(`CREATE TABLE cdp.profiles AS SELECT * FROM (VALUES
    ('p1', 'a@x.co', 'granted', 'granted'), ('p2', 'b@x.co', 'denied', 'granted'), ('p3', 'c@x.co', 'unknown', 'denied'), ('p4', 'd@x.co', NULL, 'unknown'))
    AS t(profile_id, email, consent_advertising, consent_email_marketing)`);
  await w.execute(`CREATE TABLE cdp.consent AS SELECT * FROM (VALUES
    ('p1', 'advertising', 'granted'), ('p2', 'advertising', 'denied'), ('p2', 'email_marketing', 'granted')) AS t(profile_id, purpose, status)`);
  // A model with profile ids (one unknown person, one row without a profile) and one with neither column.
  await w.execute(`CREATE TABLE cdp.leads AS SELECT * FROM (VALUES ('1', 'p1', 'a@x.co'), ('2', 'p2', 'b@x.co'), ('3', 'p3', 'c@x.co'), ('4', NULL, 'n@x.co')) AS t(id, profile_id, email)`);
  await w.execute(`CREATE TABLE cdp.own_flags AS SELECT * FROM (VALUES ('1', 'granted'), ('2', 'denied'), ('3', 'unknown')) AS t(id, consent_advertising)`);
  await w.execute(`CREATE TABLE cdp.bare AS SELECT * FROM (VALUES ('1', 'a@x.co')) AS t(id, email)`);
});
afterAll(async () => w.close());

/** The keys of `table` a filter lets through. */
async function passing(filter: PlanFilter, table: string, key: string): Promise<string[]> {
  const rows = await w.query<{ k: string }>(`SELECT s.${key} AS k FROM cdp.${table} s WHERE ${filter.predicate('s', w.dialect)} ORDER BY 1`);
  return rows.map((r) => r.k);
}

describe('destinations declare the consent purposes they need', () => {
  it('ad platforms need advertising, email tools email_marketing', () => {
    for (const type of ['meta_custom_audiences', 'google_customer_match', 'tiktok_audiences', 'linkedin_audiences']) {
      expect(getDestination(type).consentPurposes, type).toEqual(['advertising']);
    }
    for (const type of ['mailchimp', 'klaviyo', 'sendgrid', 'braze']) expect(getDestination(type).consentPurposes, type).toEqual(['email_marketing']);
    for (const type of ['webhook', 'file']) expect(getDestination(type).consentPurposes ?? [], type).toEqual([]);
  });
});

describe('consent filters', () => {
  it('holds back everyone not granted under require_granted (audience rows carry consent_<purpose>)', async () => {
    const filters = await consentFilters(new TestProject(withConsent(), w), audienceSync(meta));
    expect(filters.map((f) => f.name)).toEqual(['consent:advertising']);
    expect(await passing(filters[0]!, 'profiles', 'profile_id')).toEqual(['p1']);
  });

  it('lets unknown through but never a denial under allow_unknown', async () => {
    const project = new TestProject(withConsent({ advertising: { policy: 'allow_unknown' } }), w);
    const [filter] = await consentFilters(project, audienceSync(meta));
    expect(await passing(filter!, 'profiles', 'profile_id')).toEqual(['p1', 'p3', 'p4']);
  });

  it('uses the purpose the destination declares (email tools: email_marketing)', async () => {
    const [filter] = await consentFilters(new TestProject(withConsent(), w), audienceSync(mailchimp));
    expect(filter!.name).toBe('consent:email_marketing');
    expect(await passing(filter!, 'profiles', 'profile_id')).toEqual(['p1', 'p2']);
  });

  it('checks a model by its consent_<purpose> column, else by profile_id against the consent table', async () => {
    const project = new TestProject(withConsent(), w);
    const [own] = await consentFilters(project, modelSync('own_flags'));
    expect(await passing(own!, 'own_flags', 'id')).toEqual(['1']);
    const [byId] = await consentFilters(project, modelSync('leads'));
    expect(await passing(byId!, 'leads', 'id')).toEqual(['1']);
    // allow_unknown: p3 has no decision; a row without a profile id is still held back.
    const lenient = new TestProject(withConsent({ advertising: { policy: 'allow_unknown' } }), w);
    const [loose] = await consentFilters(lenient, modelSync('leads'));
    expect(await passing(loose!, 'leads', 'id')).toEqual(['1', '3']);
  });

  it('refuses a model without profile_id, saying how to fix it', async () => {
    const error = await consentFilters(new TestProject(withConsent(), w), modelSync('bare')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect((error as CdpError).message).toMatch(/model bare has neither a consent_advertising nor a profile_id column/);
    expect((error as CdpError).hint).toMatch(/add profile_id to the model/);
  });

  it('refuses a purpose that privacy.consent.purposes does not declare', async () => {
    const project = new TestProject(withConsent({ advertizing: { policy: 'require_granted' } }), w);
    const error = (await consentFilters(project, audienceSync(meta)).catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.message).toMatch(/needs consent for purpose advertising, which privacy.consent.purposes .* does not declare/);
    expect(error.hint).toMatch(/did you mean advertizing\?/);
  });

  it('plugs into sync planning: refused before installPrivacy(), enforced after', async () => {
    const project = new TestProject(withConsent(), w);
    const error = (await planFiltersFor(project, audienceSync(meta)).catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.code).toBe('SYNC_INVALID');
    expect(error.message).toMatch(/needs consent for advertising, but no consent enforcement is installed/);
    expect(error.hint).toMatch(/installPrivacy\(\)/);
    // Nothing to enforce, nothing refused: a destination without purposes plans as before.
    expect(await planFiltersFor(project, audienceSync(webhook))).toEqual([]);
    installPrivacy();
    installPrivacy();
    const filters = await planFiltersFor(project, audienceSync(meta));
    expect(filters.map((f) => f.name)).toEqual(['consent:advertising']);
    expect(await passing(filters[0]!, 'profiles', 'profile_id')).toEqual(['p1']);
  });

  it('is off without consent sources: no filters, one warning per project', async () => {
    installPrivacy();
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      const project = new TestProject(base, w);
      expect(await planFiltersFor(project, audienceSync(meta))).toEqual([]);
      expect(await planFiltersFor(project, modelSync('bare'))).toEqual([]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![1])).toMatch(/consent enforcement is off/);
    } finally {
      warn.mockRestore();
    }
  });

  it('adds nothing for destinations that need no consent', async () => {
    expect(await consentFilters(new TestProject(withConsent(), w), audienceSync(webhook))).toEqual([]);
  });
});
