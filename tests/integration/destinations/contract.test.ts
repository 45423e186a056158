/**
 * The destination contract, run for every type in the registry (src/destinations/registry.ts):
 * what the registry, the API, the UI and the trust rule rely on a type declaring. A new
 * destination that forgets something fails here with what to add.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { docsOf, isSecretField, listDestinations, rateLimitOf, type AnyDestination } from '../../../src/destinations/index.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const KEY = { secret: 'contract-key' };

/**
 * Per type: its fake vendor (a local server answering like the vendor's API, under
 * tests/fixtures/vendors) and the smallest valid config. `file` has no vendor: it writes to disk.
 */
const FIXTURES: Record<string, { vendor: string | null; config: Record<string, unknown> }> = {
  webhook: { vendor: 'webhook.ts', config: { url: 'https://hooks.example.com/cdp' } },
  file: { vendor: null, config: { path: 'exports' } },
  mailchimp: { vendor: 'mailchimp.ts', config: { list_id: 'a1b2c3', api_key: KEY } },
  meta_custom_audiences: { vendor: 'meta.ts', config: { audience_id: '23850000000000', access_token: KEY } },
  hubspot: { vendor: 'hubspot.ts', config: { access_token: KEY } },
  klaviyo: { vendor: 'klaviyo.ts', config: { api_key: KEY } },
  sendgrid: { vendor: 'sendgrid.ts', config: { api_key: KEY } },
  braze: { vendor: 'braze.ts', config: { api_key: KEY, base_url: 'https://rest.iad-01.braze.com' } },
  google_customer_match: {
    vendor: 'google.ts',
    config: { operating_account: { account_id: '1234567890' }, audience_id: '987654', access_token: KEY, customer_match_terms_accepted: true },
  },
  tiktok_audiences: { vendor: 'tiktok.ts', config: { advertiser_id: '7000000000', audience_id: '123', access_token: KEY } },
  linkedin_audiences: { vendor: 'linkedin.ts', config: { segment_id: '1001', ad_account_id: '5005', access_token: KEY } },
};

const shapeOf = (destination: AnyDestination): Record<string, z.ZodType> => {
  const schema = destination.config as unknown;
  expect(schema, `${destination.type}.config is a z.object`).toBeInstanceOf(z.ZodObject);
  return (schema as z.ZodObject).shape as Record<string, z.ZodType>;
};

const types = listDestinations().map((d) => [d.type, d] as const);

describe('the registry', () => {
  it('holds every built-in type once, and the contract below has a fixture for each', () => {
    expect(types.map(([type]) => type).sort()).toEqual(Object.keys(FIXTURES).sort());
  });
});

describe.each(types)('destination contract: %s', (type, destination) => {
  const fixture = FIXTURES[type]!;

  it('has a display name, a one-line label and a documentation page that names the type', () => {
    expect(destination.displayName, 'declare displayName').toMatch(/\S/);
    expect(destination.label, 'declare label').toMatch(/\S/);
    const page = join(ROOT, docsOf(destination));
    expect(existsSync(page), `write ${docsOf(destination)}`).toBe(true);
    expect(readFileSync(page, 'utf8'), `${docsOf(destination)} shows "type: ${type}"`).toContain(`type: ${type}`);
  });

  it('has a fake vendor to test against', () => {
    if (fixture.vendor === null) return; // writes local files: the disk is its "vendor"
    expect(existsSync(join(ROOT, 'tests', 'fixtures', 'vendors', fixture.vendor)), `add tests/fixtures/vendors/${fixture.vendor}`).toBe(true);
  });

  it('accepts its smallest config (secrets as references)', () => {
    const parsed = destination.config.safeParse(fixture.config);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  });

  it('declares its secret fields, and they are exactly the fields that take a secret reference', () => {
    expect(destination.secretFields, 'declare secretFields').toBeDefined();
    const shape = shapeOf(destination);
    for (const [field, schema] of Object.entries(shape)) {
      if (destination.secretFields?.includes(`${field}.*`)) {
        expect(schema.safeParse({ Anything: KEY }).success, `${field}.* is declared: its values take secret references`).toBe(true);
        continue;
      }
      const takesReference = schema.safeParse(KEY).success && !schema.safeParse('plain text').success;
      expect(isSecretField(destination, field), `${field}: ${takesReference ? 'takes only a secret reference: add it to' : 'is not a secret: remove it from'} secretFields`).toBe(takesReference);
    }
    for (const field of destination.secretFields ?? []) {
      const top = field.replace(/\.\*$/, '');
      expect(shape[top], `secretFields names ${field}, which the config does not have`).toBeDefined();
      if (!field.endsWith('.*')) {
        expect(destination.config.safeParse({ ...fixture.config, [field]: 'a plain secret' }).success, `${field} must refuse plain text`).toBe(false);
      }
    }
  });

  it('declares the fields that decide where rows go', () => {
    expect(destination.targetFields?.length, 'declare targetFields (URL, host and path fields)').toBeGreaterThan(0);
    const shape = shapeOf(destination);
    for (const field of destination.targetFields ?? []) expect(shape[field], `targetFields names ${field}, which the config does not have`).toBeDefined();
    // One URL field per type: a deprecated alias (kept for old files in git, refused by the API) is not another target.
    const deprecated = Object.keys(destination.deprecatedFields ?? {});
    for (const field of deprecated) expect(shape[field]?.safeParse(undefined).success, `deprecated field ${field} must be optional`).toBe(true);
    for (const field of Object.keys(shape)) if (/url|host|path|endpoint/i.test(field) && !deprecated.includes(field)) expect(destination.targetFields, `${field} looks like a target`).toContain(field);
  });

  it('has a field catalogue the field check agrees with', () => {
    const catalog = destination.fields;
    expect(catalog, 'declare fields').toBeDefined();
    const config = destination.config.parse(fixture.config);
    for (const field of catalog!.known) {
      expect(field.name).toMatch(/\S/);
      expect(['string', 'email', 'phone', 'number', 'boolean', 'date', 'json']).toContain(field.type);
    }
    if (!catalog!.open) {
      expect(catalog!.known.length, 'a closed catalogue lists its fields').toBeGreaterThan(0);
      expect(catalog!.known.some((f) => f.identifier), 'a closed catalogue marks its identifier fields').toBe(true);
      const all = Object.fromEntries(catalog!.known.map((f) => [f.name, f.name]));
      expect(destination.validateFields?.(all, config) ?? []).toEqual([]);
      const problems = destination.validateFields?.({ ...all, not_a_vendor_field: 'x' }, config) ?? [];
      expect(problems.map((p) => p.field), 'an unknown field is refused').toContain('not_a_vendor_field');
    }
    for (const required of catalog!.known.filter((f) => f.required)) {
      const others = Object.fromEntries(catalog!.known.filter((f) => f !== required).map((f) => [f.name, f.name]));
      const problems = destination.validateFields?.(others, config) ?? [];
      expect(problems.length, `${required.name} is required: the field check must say so`).toBeGreaterThan(0);
    }
  });

  it('offers mirror mode only with a remove verb', () => {
    if (destination.modes.includes('mirror')) expect(destination.removes, 'mirror mode needs a remove verb').toBe(true);
    expect(destination.modes.length).toBeGreaterThan(0);
  });

  it('keeps its default rate limit, or the one a `rate_limit` in its config sets', () => {
    const plain = destination.config.parse(fixture.config);
    expect(rateLimitOf(destination, plain)).toEqual(destination.rateLimitFor?.(plain) ?? destination.rateLimit);
    if (!('rate_limit' in shapeOf(destination))) return;
    const limited = destination.config.parse({ ...fixture.config, rate_limit: { requests: 7, per_seconds: 3 } });
    expect(rateLimitOf(destination, limited)).toEqual({ requests: 7, perSeconds: 3 });
  });
});
