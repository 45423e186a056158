import { describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import { fieldSources, parseSyncDefinition, parseSyncYaml, prepareSync, readSyncYaml } from '../../../src/syncs/index.js';

const VALID = `name: vip_to_mailchimp
from: { audience: vip_recent_buyers }
destination:
  type: mailchimp
  config: { list_id: "abc123", api_key: { env: MAILCHIMP_API_KEY }, base_url: "https://us1.api.mailchimp.com/3.0" }
mode: mirror
fields: { email_address: email, FNAME: first_name }
schedule: "0 */6 * * *"
`;

function errorOf(fn: () => unknown): CdpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CdpError) return error;
    throw error;
  }
  throw new Error('expected a CdpError');
}

describe('sync definitions', () => {
  it('parses the documented shape, defaulting key to profile_id for audiences', () => {
    const sync = parseSyncYaml(VALID, 'syncs/vip_to_mailchimp.yaml', 'vip_to_mailchimp');
    expect(sync).toEqual({
      name: 'vip_to_mailchimp',
      from: { audience: 'vip_recent_buyers' },
      key: 'profile_id',
      destination: { type: 'mailchimp', config: { list_id: 'abc123', api_key: { env: 'MAILCHIMP_API_KEY' }, base_url: 'https://us1.api.mailchimp.com/3.0' } },
      mode: 'mirror',
      fields: { email_address: 'email', FNAME: 'first_name' },
      schedule: '0 */6 * * *',
    });
    const prepared = prepareSync(sync);
    expect(prepared.destination.type).toBe('mailchimp');
    expect(prepared.config).toMatchObject({ list_id: 'abc123', status_if_new: 'subscribed', remove_action: 'archive' });
  });

  it('rejects a literal secret, pointing at its line', () => {
    const yaml = VALID.replace('api_key: { env: MAILCHIMP_API_KEY }', 'api_key: "0123456789abcdef-us1"');
    const error = errorOf(() => parseSyncYaml(yaml, 'syncs/vip_to_mailchimp.yaml'));
    expect(error.code).toBe('SYNC_INVALID');
    expect(error.message).toBe('api_key is written as a literal secret');
    expect(error.location).toEqual({ file: 'syncs/vip_to_mailchimp.yaml', line: 5, path: 'destination.config.api_key' });
    expect(error.hint).toContain('{ env: SOME_VARIABLE }');
  });

  it('rejects literal credentials in webhook headers too', () => {
    const yaml = `name: w\nfrom: { model: m }\nkey: id\ndestination:\n  type: webhook\n  config:\n    url: https://example.com/hook\n    headers:\n      Authorization: Bearer abc\nfields: { a: b }\n`;
    const error = errorOf(() => parseSyncYaml(yaml, 'syncs/w.yaml'));
    expect(error.location).toEqual({ file: 'syncs/w.yaml', line: 9, path: 'destination.config.headers.Authorization' });
  });

  it('reports shape problems with their line: bad mode, bad cron, model without key, file name mismatch', () => {
    let error = errorOf(() => parseSyncYaml(VALID.replace('mode: mirror', 'mode: sometimes'), 's.yaml'));
    expect(error.location).toMatchObject({ line: 6, path: 'mode' });
    error = errorOf(() => parseSyncYaml(VALID.replace('"0 */6 * * *"', '"every day"'), 's.yaml'));
    expect(error.location).toMatchObject({ line: 8, path: 'schedule' });
    expect(error.message).toContain('cron');
    error = errorOf(() => parseSyncYaml(VALID.replace('{ audience: vip_recent_buyers }', '{ model: orders }'), 's.yaml'));
    expect(error.location.path).toBe('key');
    expect(error.message).toContain('needs key');
    error = errorOf(() => parseSyncYaml(VALID, 'syncs/other.yaml', 'other'));
    expect(error.message).toContain('its file is other.yaml');
    error = errorOf(() => parseSyncYaml('name: [unclosed', 'x.yaml'));
    expect(error.message).toMatch(/^YAML syntax error/);
  });

  it('checks the destination: unknown type, invalid config, unsupported mode, unknown fields', () => {
    const read = (yaml: string) => {
      const { definition, location } = readSyncYaml(yaml, 'syncs/s.yaml');
      return prepareSync(definition, location);
    };
    let error = errorOf(() => read(VALID.replace('type: mailchimp', 'type: myspace')));
    expect(error.message).toBe('unknown destination type "myspace"');
    expect(error.location).toMatchObject({ line: 4, path: 'destination.type' });
    expect(error.hint).toMatch(/^use one of: (.*, )?file, (.*, )?mailchimp, (.*, )?meta_custom_audiences, (.*, )?webhook(, .*)?$/);
    error = errorOf(() => read(VALID.replace('list_id: "abc123", ', '')));
    expect(error.location).toMatchObject({ line: 5, path: 'destination.config.list_id' });
    error = errorOf(() => read(VALID.replace('type: mailchimp', 'type: webhook').replace(/config: .*/, 'config: { url: "https://example.com" }').replace('mode: mirror', 'mode: update')));
    expect(error.message).toBe('webhook does not offer mode update');
    expect(error.hint).toBe('use one of: upsert, insert, mirror, add');
    error = errorOf(() => read(VALID.replace('FNAME: first_name', 'first name: first_name')));
    expect(error.message).toContain('"first name" is neither a member field');
    expect(error.location).toMatchObject({ path: 'fields.first name', line: 7 });
  });
});

describe('secret references in sync files', () => {
  it('accepts {secret: name} and {env: NAME} but rejects literal credentials', () => {
    const base = { name: 's', from: { model: 'm' }, key: 'id', mode: 'upsert', fields: { a: 'b' } };
    const withSecret = { ...base, destination: { type: 'webhook', config: { url: 'http://127.0.0.1/x', secret: { secret: 'hook' } } } };
    expect(parseSyncDefinition(withSecret).destination.config).toEqual(withSecret.destination.config);
    const literal = { ...base, destination: { type: 'webhook', config: { url: 'http://127.0.0.1/x', secret: 'plain' } } };
    expect(() => parseSyncDefinition(literal)).toThrow(/literal secret/);
  });
});

describe('field mappings beyond a column (issue 19)', () => {
  const withFields = (fields: string) => VALID.replace('fields: { email_address: email, FNAME: first_name }', `fields: ${fields}`);

  it('reads { column, as } and { identifier, prefer } into the column each field reads and its rule', () => {
    const sync = parseSyncYaml(
      withFields('{ email_address: { identifier: email }, PHONE: { identifier: phone, prefer: { sources: [crm_contacts] } }, BIRTHDAY: { column: birthday, as: month_day }, FNAME: first_name }'),
      'syncs/vip_to_mailchimp.yaml',
      'vip_to_mailchimp',
    );
    expect(sync.fields).toEqual({ email_address: 'cdp_identifier__email_address', PHONE: 'cdp_identifier__PHONE', BIRTHDAY: 'birthday', FNAME: 'first_name' });
    expect(sync.fieldRules).toEqual({
      email_address: { identifier: 'email', prefer: 'most_recent' },
      PHONE: { identifier: 'phone', prefer: { sources: ['crm_contacts'] } },
      BIRTHDAY: { as: 'month_day' },
    });
  });

  it('lists identifier fields by where they come from, not their internal column', () => {
    const sync = parseSyncYaml(withFields('{ email_address: { identifier: email, prefer: { sources: [crm, orders] } }, FNAME: first_name }'), 'syncs/vip_to_mailchimp.yaml', 'vip_to_mailchimp');
    expect(fieldSources(sync)).toEqual({ email_address: 'identity graph: email, sources crm > orders', FNAME: 'first_name' });
  });

  it('has no rules for plain column mappings', () => {
    expect(parseSyncYaml(VALID, 'syncs/vip_to_mailchimp.yaml', 'vip_to_mailchimp').fieldRules).toBeUndefined();
  });

  it('refuses an unknown format or preference, pointing at the field', () => {
    const badFormat = errorOf(() => parseSyncYaml(withFields('{ email_address: email, BIRTHDAY: { column: birthday, as: week } }'), 'syncs/vip_to_mailchimp.yaml', 'vip_to_mailchimp'));
    expect(badFormat.location.path).toContain('fields.BIRTHDAY');
    expect(badFormat.location.line).toBe(7);
    expect(badFormat.message).toContain('{ column: <column>, as: date | datetime | month_day }');
    const badPrefer = errorOf(() => parseSyncYaml(withFields('{ email_address: { identifier: email, prefer: oldest } }'), 'syncs/vip_to_mailchimp.yaml', 'vip_to_mailchimp'));
    expect(badPrefer.location.path).toContain('fields.email_address');
  });
});
