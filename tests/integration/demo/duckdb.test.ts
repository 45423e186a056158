import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, generateDemo, SOURCE_TABLES, tableBatches, type DemoResult } from '../../../src/demo/index.js';
import { CdpError } from '../../../src/errors.js';
import { DuckDbWarehouse } from '../../../src/warehouse/adapters/duckdb.js';
import type { Row, Warehouse } from '../../../src/warehouse/index.js';
import { REFERENCE_DATE } from './project.js';

const PEOPLE = 1500;
const SEED = 5;
let dir: string;
let w: Warehouse;
let result: DemoResult;

async function dump(table: string): Promise<Row[]> {
  const key = SOURCE_TABLES.find((t) => t.name === table)?.columns[0]!.name ?? 'record_key';
  return w.query(`SELECT * FROM raw.${table} ORDER BY ${key}${table === 'demo_truth' ? ', source' : ''}`);
}

async function count(sql: string): Promise<number> {
  const [row] = await w.query<{ n: number }>(sql);
  return Number(row!.n);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cdp-demo-duckdb-'));
  w = await DuckDbWarehouse.open({ path: join(dir, 'warehouse.duckdb') });
  result = await generateDemo(w, { people: PEOPLE, seed: SEED, referenceDate: REFERENCE_DATE });
});

afterAll(async () => {
  await w.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cdp demo data on DuckDB', () => {
  it('creates exactly the raw tables, with the contract columns and types', async () => {
    const relations = await w.listRelations('raw');
    expect(relations.map((r) => r.name).sort()).toEqual([...SOURCE_TABLES.map((t) => t.name), 'demo_truth'].sort());
    for (const table of SOURCE_TABLES) {
      const columns = await w.listColumns({ schema: 'raw', name: table.name });
      expect(columns.map((c) => [c.name, c.kind])).toEqual(table.columns.map((c) => [c.name, c.kind]));
    }
    const truth = await w.listColumns({ schema: 'raw', name: 'demo_truth' });
    expect(truth.map((c) => [c.name, c.kind])).toEqual([
      ['source', 'string'],
      ['record_key', 'string'],
      ['person_id', 'string'],
    ]);
  });

  it('loads every generated row, and reports the counts it loaded', async () => {
    const world = createWorld({ seed: SEED, people: PEOPLE, referenceDate: REFERENCE_DATE });
    for (const table of SOURCE_TABLES) {
      let expected = 0;
      for await (const batch of tableBatches(world, table, 5000)) expected += batch.length;
      expect(await count(`SELECT COUNT(*) AS n FROM raw.${table.name}`), table.name).toBe(expected);
      expect(result.tables.find((t) => t.table.name === table.name)!.rows).toBe(expected);
    }
  });

  it('knows the true person behind every record of every source, and nothing else', async () => {
    let total = 0;
    for (const table of SOURCE_TABLES) {
      const key = table.columns[0]!.name;
      const missing = await count(
        `SELECT COUNT(*) AS n FROM raw.${table.name} x LEFT JOIN raw.demo_truth t ON t.source = '${table.name}' AND t.record_key = x.${key} WHERE t.person_id IS NULL`,
      );
      expect(missing, table.name).toBe(0);
      total += await count(`SELECT COUNT(*) AS n FROM raw.${table.name}`);
    }
    expect(await count('SELECT COUNT(*) AS n FROM raw.demo_truth')).toBe(total);
    expect(await count('SELECT COUNT(*) AS n FROM (SELECT source, record_key FROM raw.demo_truth GROUP BY 1, 2 HAVING COUNT(*) > 1) d')).toBe(0);
    expect(await count('SELECT COUNT(DISTINCT person_id) AS n FROM raw.demo_truth')).toBeGreaterThan(PEOPLE * 0.9);
  });

  it('has the traps in SQL too: shared devices with two user_ids, one landline for two people', async () => {
    const sharedDevices = await count(`
      SELECT COUNT(*) AS n FROM (
        SELECT device_id FROM raw.app_events WHERE user_id IS NOT NULL GROUP BY device_id HAVING COUNT(DISTINCT user_id) > 1) d`);
    expect(sharedDevices).toBeGreaterThanOrEqual(3);
    const landlines = await count(`
      SELECT COUNT(*) AS n FROM (
        SELECT regexp_replace(c.phone, '[^0-9]', '', 'g') AS digits
        FROM raw.crm_contacts c JOIN raw.demo_truth t ON t.source = 'crm_contacts' AND t.record_key = c.contact_id
        WHERE length(regexp_replace(c.phone, '[^0-9]', '', 'g')) >= 10
          AND regexp_replace(c.phone, '[^0-9]', '', 'g') NOT IN ('0000000000', '1234567890', '9999999999')
        GROUP BY 1 HAVING COUNT(DISTINCT t.person_id) = 2 AND COUNT(DISTINCT lower(trim(c.email))) = 2) h`);
    expect(landlines).toBeGreaterThanOrEqual(5);
  });

  it('gives the same rows when loaded again with the same seed, and replaces them cleanly', async () => {
    const before = await Promise.all([...SOURCE_TABLES.map((t) => t.name), 'demo_truth'].map(dump));
    await generateDemo(w, { people: PEOPLE, seed: SEED, referenceDate: REFERENCE_DATE });
    const after = await Promise.all([...SOURCE_TABLES.map((t) => t.name), 'demo_truth'].map(dump));
    expect(after).toEqual(before);
    expect((await w.listRelations('raw')).length).toBe(SOURCE_TABLES.length + 1);
  });

  it('leaves the previous demo data as it was when a load fails half-way', async () => {
    const before = await count('SELECT COUNT(*) AS n FROM raw.demo_truth');
    const failing: Warehouse = Object.create(w, {
      loadTable: {
        value: async (relation: { schema: string; name: string }, columns: never, rows: AsyncIterable<unknown[][]>) => {
          if (!relation.name.startsWith('orders')) return w.loadTable(relation, columns, rows);
          for await (const _ of rows) throw new Error('disk full');
          return 0;
        },
      },
    });
    await expect(generateDemo(failing, { people: 300, seed: 99 })).rejects.toThrow('disk full');
    expect(await count('SELECT COUNT(*) AS n FROM raw.demo_truth')).toBe(before);
    expect((await w.listRelations('raw')).map((r) => r.name).filter((n) => n.includes('__'))).toEqual([]);
  });

  it('rejects bad options with the field at fault', async () => {
    const error = await generateDemo(w, { people: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect((error as CdpError).code).toBe('INVALID_INPUT');
    expect((error as CdpError).location.path).toBe('people');
    await expect(generateDemo(w, { seed: -1 })).rejects.toMatchObject({ code: 'INVALID_INPUT', location: { path: 'seed' } });
  });
});
