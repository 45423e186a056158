/**
 * Plans written before rows could be rejected while planning have no reject_reason column: a run
 * resumed from such a plan after an upgrade reads no rejects instead of failing on the column.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { planHasRejects } from '../../../src/syncs/batches.js';
import { syncTables } from '../../../src/syncs/index.js';
import { DuckDbWarehouse } from '../../../src/warehouse/adapters/duckdb.js';
import type { Warehouse } from '../../../src/warehouse/index.js';

let warehouse: Warehouse;
beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open({ path: ':memory:' });
  await warehouse.execute('CREATE SCHEMA s');
});
afterAll(async () => warehouse?.close());

it('reads no rejects from a plan written before the reject_reason column existed', async () => {
  const tables = syncTables('s', 'old');
  await warehouse.execute(`CREATE TABLE s.sync_plan_old (seq INTEGER, op VARCHAR, row_key VARCHAR)`);
  await warehouse.execute(`INSERT INTO s.sync_plan_old VALUES (1, 'upsert', 'a'), (2, 'upsert', 'b')`);
  expect(await planHasRejects({ warehouse, tables })).toBe(false);
});

it('tells a plan with rejected rows from one without', async () => {
  const tables = syncTables('s', 'new');
  await warehouse.execute(`CREATE TABLE s.sync_plan_new (seq INTEGER, op VARCHAR, row_key VARCHAR, reject_reason VARCHAR)`);
  await warehouse.execute(`INSERT INTO s.sync_plan_new VALUES (1, 'upsert', 'a', NULL)`);
  expect(await planHasRejects({ warehouse, tables })).toBe(false);
  await warehouse.execute(`INSERT INTO s.sync_plan_new VALUES (2, 'upsert', 'b', 'email: not an email address')`);
  expect(await planHasRejects({ warehouse, tables })).toBe(true);
});
