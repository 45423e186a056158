// A Postgres warehouse configured with one connection still runs an identity build's pattern:
// a held session (its temporary tables) and catalog questions on the pool while it is held.
import { describe, expect, it } from 'vitest';
import { PostgresWarehouse } from '../../../src/warehouse/adapters/postgres.js';
import { POSTGRES_URL, uniqueName } from './engines.js';

describe('Postgres pool of one', () => {
  it('answers the catalog while a session is held', async () => {
    const warehouse = await PostgresWarehouse.open({ type: 'postgres', connection: POSTGRES_URL, poolSize: 1 });
    const scratch = { schema: 'public', name: uniqueName('held'), temporary: true };
    try {
      const seen = await warehouse.withSession(async (session) => {
        await session.execute(warehouse.dialect.createTableAs(scratch, 'SELECT 1 AS x'));
        // Before the floor of two connections this waited for the held one until knex gave up.
        const exists = await warehouse.relationExists({ schema: 'public', name: 'no_such_table_here' });
        const rows = await session.query<{ x: number }>(`SELECT x FROM ${warehouse.dialect.relation(scratch)}`);
        return { exists, rows: rows.map((r) => Number(r.x)) };
      });
      expect(seen).toEqual({ exists: false, rows: [1] });
    } finally {
      await warehouse.close();
    }
  }, 20_000);
});
