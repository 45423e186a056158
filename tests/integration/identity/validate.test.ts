import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { CdpError } from '../../../src/errors.js';
import { buildIdentity } from '../../../src/identity/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { fixtureConfig, TABLES } from './fixtures.js';
import { loadTables, openDuckDb, TestProject } from './helpers.js';

type Mutate = (config: CdpConfigInput & { identity: NonNullable<CdpConfigInput['identity']> }) => void;

/** Bad configs fail before anything is written, naming the config path and the fix. */
describe('identity validation', () => {
  let warehouse: Warehouse;
  beforeAll(async () => {
    warehouse = await openDuckDb();
    await loadTables(warehouse, 'raw', TABLES);
    await loadTables(warehouse, 'dup', [{ ...TABLES[0]!, rows: [...TABLES[0]!.rows, TABLES[0]!.rows[0]!] }]);
  });
  afterAll(async () => warehouse.close());

  async function failure(mutate: Mutate): Promise<CdpError> {
    const config = fixtureConfig('raw', 'never') as Parameters<Mutate>[0];
    mutate(config);
    const error = await buildIdentity(new TestProject(config, warehouse)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    const schemas = await warehouse.query(`SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'never'`);
    expect(schemas).toEqual([]);
    return error as CdpError;
  }

  it('a source missing a declared column', async () => {
    const error = await failure((c) => {
      c.identity.sources[2]!.ids = { ...c.identity.sources[2]!.ids, email: 'e_mail' };
    });
    expect(error.code).toBe('IDENTITY_INVALID');
    expect(error.location.path).toBe('identity.sources[2].ids.email');
    expect(error.message).toBe('source crm_contacts: column e_mail (id type email) is not in raw.crm_contacts');
    expect(error.hint).toMatch(/^did you mean email\? columns are: contact_id, email, phone/);
  });

  it('an id type used by a source but not declared', async () => {
    const error = await failure((c) => {
      c.identity.sources[1]!.ids = { ...c.identity.sources[1]!.ids, devise_id: 'device_id' };
    });
    expect(error.location.path).toBe('identity.sources[1].ids.devise_id');
    expect(error.message).toMatch(/id type devise_id is used by source app_events but not declared in identity.idTypes/);
    expect(error.hint).toMatch(/did you mean device_id\?/);
  });

  it('a key that is not unique', async () => {
    const error = await failure((c) => {
      c.identity.sources[0]!.relation = 'dup.web_events';
    });
    expect(error.location.path).toBe('identity.sources[0].key');
    expect(error.message).toBe('source web_events: key event_id is not unique in dup.web_events (w1 appears 2 times)');
  });

  it('a relation that does not exist', async () => {
    const error = await failure((c) => {
      c.identity.sources[3]!.relation = 'raw.orderz';
    });
    expect(error.location.path).toBe('identity.sources[3].relation');
    expect(error.hint).toMatch(/build the model first/);
  });

  it('a timestamp column that is not a timestamp', async () => {
    const error = await failure((c) => {
      c.identity.sources[0]!.timestamp = 'email';
    });
    expect(error.location.path).toBe('identity.sources[0].timestamp');
    expect(error.message).toMatch(/is VARCHAR, not a timestamp/);
  });

  it('a trait whose SQL does not run, or whose column does not exist', async () => {
    let error = await failure((c) => {
      c.profiles = { traits: { ltv: { source: 'orders', sql: 'sum(amout)' } } };
    });
    expect(error.location.path).toBe('profiles.traits.ltv.sql');
    error = await failure((c) => {
      c.profiles = { traits: { name: { source: 'crm_contacts', column: 'firstname' } } };
    });
    expect(error.location.path).toBe('profiles.traits.name.column');
    expect(error.hint).toBe('did you mean first_name?');
    error = await failure((c) => {
      c.profiles = { traits: { email_count: { source: 'orders', sql: 'count(*)' } } };
    });
    expect(error.location.path).toBe('profiles.traits.email_count');
  });

  it('an unsupported phone region and a blocklist of an unknown type', async () => {
    let error = await failure((c) => {
      c.identity.idTypes.phone = { priority: 3, normalize: 'phone', defaultRegion: 'ZZ' };
    });
    expect(error.location.path).toBe('identity.idTypes.phone.defaultRegion');
    error = await failure((c) => {
      c.identity.blocklist = { mail: ['x@y.com'] };
    });
    expect(error.location.path).toBe('identity.blocklist.mail');
  });

  it('warns about declared id types no source uses', async () => {
    const config = fixtureConfig('raw', 'warned') as Parameters<Mutate>[0];
    config.identity.idTypes.crm_id = { priority: 7 };
    const result = await buildIdentity(new TestProject(config, warehouse));
    expect(result.warnings).toEqual(['id type crm_id is declared in identity.idTypes but no source has a column for it']);
  });
});
