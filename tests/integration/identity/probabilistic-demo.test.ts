/**
 * The demo with probabilistic matching on CRM contacts: the household trap (two people sharing a
 * landline, same surname and city, different first names) is never merged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpConfigInput } from '../../../src/config/index.js';
import { generateDemo, SOURCE_TABLES } from '../../../src/demo/index.js';
import { buildIdentity } from '../../../src/identity/index.js';
import { readModel } from '../../../src/identity/probabilistic/index.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { openDuckDb, TestProject } from './helpers.js';

describe('probabilistic matching on the demo (DuckDB)', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await openDuckDb();
    await generateDemo(wh, { people: 400, seed: 7, referenceDate: new Date(Date.UTC(2025, 0, 1)), schema: 'raw' });
    await wh.createSchema('cdp');
    for (const table of SOURCE_TABLES) {
      for (const s of wh.dialect.createOrReplaceViewAs({ schema: 'cdp', name: `stg_${table.name}` }, `SELECT * FROM raw.${table.name}`)) await wh.execute(s);
    }
    const root = (await import('../../../cdp.config.js')).default as unknown as CdpConfigInput;
    const fields = { first_name: 'first_name', surname: 'last_name', city: 'city', phone: 'phone' };
    const config: CdpConfigInput = {
      ...root,
      warehouse: { type: 'duckdb', path: ':memory:' },
      schema: 'cdp',
      identity: {
        ...root.identity!,
        probabilistic: {
          sources: { crm_contacts: { fields } },
          blocking: [['surname', 'city'], ['phone']],
          comparisons: {
            first_name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
            surname: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
            city: { levels: [{ exact: true }] },
            phone: { levels: [{ exact: true }] },
          },
          uSampleSize: 50_000,
        },
      },
    };
    await buildIdentity(new TestProject(config, wh), { full: true });
  }, 120_000);
  afterAll(async () => wh?.close());

  it('trains a model and never puts two people who share a landline into one profile', async () => {
    expect((await readModel(wh, 'cdp'))?.levels.length).toBeGreaterThan(0);
    const [row] = await wh.query<{ households: bigint; merged: bigint }>(`
      WITH r AS (
        SELECT t.person_id, rr.profile_id, c.phone FROM raw.crm_contacts c
        JOIN raw.demo_truth t ON t.source = 'crm_contacts' AND t.record_key = CAST(c.contact_id AS VARCHAR)
        JOIN cdp.resolved_records rr ON rr.source = 'crm_contacts' AND rr.record_key = t.record_key
        WHERE c.phone IS NOT NULL)
      SELECT COUNT(*) AS households, COUNT(CASE WHEN a.profile_id = b.profile_id THEN 1 END) AS merged
      FROM r a JOIN r b ON a.phone = b.phone AND a.person_id < b.person_id`);
    expect(Number(row!.households)).toBeGreaterThan(0);
    expect(Number(row!.merged)).toBe(0);
  });
});
