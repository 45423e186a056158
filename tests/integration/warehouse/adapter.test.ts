/**
 * The Warehouse contract, run unchanged against every real adapter: what one engine does, the
 * others must do too (values, batching, transactions, catalog, bulk loading, errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import type { ColumnDef, Warehouse } from '../../../src/warehouse/index.js';
import { CLOUD_ENGINES, dropSchema, ENGINES, openCloudEngine, openEngine, uniqueName } from './engines.js';

describe.each(ENGINES)('Warehouse contract on %s', (engine) => {
  let w: Warehouse;
  const schema = uniqueName('t_wh_adapter');
  const rel = (name: string) => w.dialect.relation({ schema, name });

  beforeAll(async () => {
    w = await openEngine(engine);
    await w.createSchema(schema);
  });

  afterAll(async () => {
    await dropSchema(w, schema);
    await w.close();
  });

  describe('execute and query', () => {
    it('binds $n parameters of every type and reports affected rows', async () => {
      await w.execute(`CREATE TABLE ${rel('params')} (id BIGINT, name ${w.dialect.typeName('string')}, amount DOUBLE PRECISION, ts TIMESTAMP, ok BOOLEAN)`);
      const ts = new Date('2024-03-04T05:06:07.891Z');
      const insert = `INSERT INTO ${rel('params')} VALUES ($1, $2, $3, $4, $5)`;
      expect(await w.execute(insert, [1, "it's a ? and $2", 1.25, ts, true])).toBe(1);
      expect(await w.execute(insert, [2n ** 60n, null, -3, null, false])).toBe(1);
      expect(await w.execute(`UPDATE ${rel('params')} SET amount = amount + 1 WHERE id >= $1`, [1])).toBe(2);
      const rows = await w.query(`SELECT id, name, amount, ts, ok FROM ${rel('params')} ORDER BY id`);
      expect(rows).toEqual([
        { id: 1, name: "it's a ? and $2", amount: 2.25, ts, ok: true },
        { id: 2n ** 60n, name: null, amount: -2, ts: null, ok: false },
      ]);
    });

    it('leaves a ? in SQL text alone', async () => {
      expect(await w.query(`SELECT '?' AS q, $1 AS p`, ['x'])).toEqual([{ q: '?', p: 'x' }]);
    });

    it('normalises values the same way', async () => {
      const [row] = await w.query(
        `SELECT CAST(42 AS BIGINT) AS small, CAST(9007199254740993 AS BIGINT) AS big, CAST(1.5 AS DECIMAL(10, 2)) AS dec,
                CAST('2024-01-02 03:04:05.678' AS TIMESTAMP) AS ts, CAST('2024-02-29' AS DATE) AS d,
                CAST(NULL AS ${w.dialect.typeName('string')}) AS nothing, CAST(0.5 AS DOUBLE PRECISION) AS dbl`,
      );
      expect(row).toEqual({
        small: 42,
        big: 9007199254740993n,
        dec: 1.5,
        ts: new Date('2024-01-02T03:04:05.678Z'),
        d: new Date('2024-02-29T00:00:00.000Z'),
        nothing: null,
        dbl: 0.5,
      });
    });

    it('reads JSON as its text', async () => {
      const [row] = await w.query<{ j: unknown }>(`SELECT ${w.dialect.cast(w.dialect.literal('{"a": [1, "x"]}'), 'json')} AS j`);
      expect(typeof row!.j).toBe('string');
      expect(JSON.parse(row!.j as string)).toEqual({ a: [1, 'x'] });
    });

    it('fails with a WAREHOUSE error that points at the line', async () => {
      const error = await w.query('SELECT 1\nFROM nowhere_at_all').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CdpError);
      expect((error as CdpError).code).toBe('WAREHOUSE');
      expect((error as CdpError).message).toMatch(/nowhere_at_all/);
      expect((error as CdpError).message).toContain('LINE 2: FROM nowhere_at_all');
      expect((error as CdpError).hint).toContain('while running: SELECT 1 FROM nowhere_at_all');
    });
  });

  describe('stream', () => {
    it('yields batches of batchSize in query order', async () => {
      const sizes: number[] = [];
      let expected = 0;
      for await (const batch of w.stream(`SELECT i FROM ${engine === 'duckdb' ? 'range(0, 25000) t(i)' : 'generate_series(0, 24999) t(i)'} ORDER BY i`, {
        batchSize: 10_000,
      })) {
        sizes.push(batch.length);
        for (const row of batch) expect(row.i).toBe(expected++);
      }
      expect(sizes).toEqual([10_000, 10_000, 5_000]);
    });

    it('binds params and yields nothing for an empty result', async () => {
      const batches: unknown[] = [];
      for await (const batch of w.stream('SELECT $1 AS x WHERE 1 = 0', { params: ['a'] })) batches.push(batch);
      expect(batches).toEqual([]);
      const rows: unknown[] = [];
      for await (const batch of w.stream('SELECT $1 AS x', { params: ['a'] })) rows.push(...batch);
      expect(rows).toEqual([{ x: 'a' }]);
    });

    it('holds one batch at a time: a billion-row query stops after two batches', async () => {
      const series = engine === 'duckdb' ? 'SELECT range AS i FROM range(0, 1000000000)' : 'SELECT generate_series(0, 999999999) AS i';
      const started = Date.now();
      let seen = 0;
      for await (const batch of w.stream(series, { batchSize: 1000 })) {
        seen += batch.length;
        if (seen >= 2000) break;
      }
      expect(seen).toBe(2000);
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('gives the connection back when the reader stops early or the query fails', async () => {
      // More abandoned streams than pooled connections: a leak would hang here.
      for (let i = 0; i < 10; i++) {
        for await (const batch of w.stream('SELECT 1 AS a UNION ALL SELECT 2', { batchSize: 1 })) {
          expect(batch).toHaveLength(1);
          break;
        }
      }
      for (let i = 0; i < 6; i++) {
        const failing = (async () => {
          for await (const batch of w.stream('SELECT * FROM no_such_table_here')) void batch;
        })();
        await expect(failing).rejects.toMatchObject({ code: 'WAREHOUSE' });
      }
      expect(await w.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    });
  });

  describe('transaction', () => {
    it('commits on success and rolls everything back on failure', async () => {
      await w.execute(`CREATE TABLE ${rel('tx')} (id BIGINT)`);
      const result = await w.transaction(async (s) => {
        await s.execute(`INSERT INTO ${rel('tx')} VALUES (1)`);
        return (await s.query(`SELECT COUNT(*) AS n FROM ${rel('tx')}`))[0];
      });
      expect(result).toEqual({ n: 1 });
      const boom = new Error('boom');
      await expect(
        w.transaction(async (s) => {
          await s.execute(`INSERT INTO ${rel('tx')} VALUES (2)`);
          await s.execute(`CREATE TABLE ${rel('tx_created_inside')} (id BIGINT)`);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await w.query(`SELECT id FROM ${rel('tx')} ORDER BY id`)).toEqual([{ id: 1 }]);
      expect(await w.relationExists({ schema, name: 'tx_created_inside' })).toBe(false);
    });

    it('rolls back when a statement fails', async () => {
      await w.execute(`CREATE TABLE ${rel('tx2')} (id BIGINT)`);
      await expect(
        w.transaction(async (s) => {
          await s.execute(`INSERT INTO ${rel('tx2')} VALUES (1)`);
          await s.execute(`INSERT INTO ${rel('tx2')} VALUES (CAST('x' AS BIGINT))`);
        }),
      ).rejects.toMatchObject({ code: 'WAREHOUSE' });
      expect(await w.query(`SELECT COUNT(*) AS n FROM ${rel('tx2')}`)).toEqual([{ n: 0 }]);
    });

    it('swaps a table in by rename all at once where the dialect says so (atomicRename)', async () => {
      expect(w.dialect.atomicRename).toBe(true); // both engines here; BigQuery and Snowflake copy instead
      const target = { schema, name: 'swap_target' };
      await w.execute(`CREATE TABLE ${rel('swap_target')} AS SELECT 1 AS v`);
      await w.execute(`CREATE VIEW ${rel('swap_view')} AS SELECT v FROM ${rel('swap_target')}`);
      await w.execute(`CREATE TABLE ${rel('swap_fresh')} AS SELECT 2 AS v`);
      // Failing half-way leaves the old table (a reader never finds it missing) ...
      const boom = new Error('boom');
      await expect(
        w.transaction(async (s) => {
          for (const statement of w.dialect.replaceTableByRename(target, 'swap_fresh')) await s.execute(statement);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await w.query(`SELECT v FROM ${rel('swap_view')}`)).toEqual([{ v: 1 }]);
      // ... and completing it swaps the table under the view.
      await w.transaction(async (s) => {
        for (const statement of w.dialect.replaceTableByRename(target, 'swap_fresh')) await s.execute(statement);
      });
      expect(await w.query(`SELECT v FROM ${rel('swap_view')}`)).toEqual([{ v: 2 }]);
      expect(await w.relationExists({ schema, name: 'swap_fresh' })).toBe(false);
    });
  });

  describe('withSession and temporary tables', () => {
    it('keeps a temporary table to the session (its transactions included) and drops it at the end', async () => {
      expect(w.dialect.temporaryTables).toBe(true);
      const scratch = { schema, name: 'scratch_tmp', temporary: true };
      const t = w.dialect.relation(scratch);
      const seen = await w.withSession(async (s) => {
        for (const statement of w.dialect.createOrReplaceTableAs(scratch, 'SELECT 1 AS id')) await s.execute(statement);
        // Neither in the schema nor visible to the pool's other connections.
        expect(await w.relationExists({ schema, name: 'scratch_tmp' })).toBe(false);
        await expect(w.query(`SELECT id FROM ${t}`)).rejects.toMatchObject({ code: 'WAREHOUSE' });
        await s.execute(w.dialect.renameTable(scratch, 'scratch_tmp2'));
        const renamed = w.dialect.relation({ ...scratch, name: 'scratch_tmp2' });
        await s.transaction(async (tx) => {
          await tx.execute(`CREATE TABLE ${rel('from_tmp')} AS SELECT id + 1 AS id FROM ${renamed}`);
        });
        return s.query(`SELECT id FROM ${renamed}`);
      });
      expect(seen).toEqual([{ id: 1 }]);
      expect(await w.query(`SELECT id FROM ${rel('from_tmp')}`)).toEqual([{ id: 2 }]);
      // Gone with the session, whichever connection asks next.
      for (let i = 0; i < 4; i++) await expect(w.query(`SELECT id FROM ${w.dialect.relation({ ...scratch, name: 'scratch_tmp2' })}`)).rejects.toMatchObject({ code: 'WAREHOUSE' });
      await w.withSession(async (s) => {
        await expect(s.query(`SELECT id FROM ${w.dialect.relation({ ...scratch, name: 'scratch_tmp2' })}`)).rejects.toMatchObject({ code: 'WAREHOUSE' });
      });
    });
  });

  describe('catalog', () => {
    const kinds: ColumnDef[] = [
      { name: 's', kind: 'string' },
      { name: 'i', kind: 'integer' },
      { name: 'n', kind: 'number' },
      { name: 'b', kind: 'boolean' },
      { name: 't', kind: 'timestamp' },
      { name: 'd', kind: 'date' },
      { name: 'j', kind: 'json' },
    ];

    it('lists relations and columns with their kinds', async () => {
      const catalogSchema = uniqueName('t_wh_catalog');
      await w.createSchema(catalogSchema);
      await w.createSchema(catalogSchema); // idempotent
      try {
        const d = w.dialect;
        const table = { schema: catalogSchema, name: 'Mixed Case' };
        await w.execute(`CREATE TABLE ${d.relation(table)} (${kinds.map((c) => `${d.quoteIdent(c.name)} ${d.typeName(c.kind)}`).join(', ')})`);
        await w.execute(`CREATE VIEW ${d.relation({ schema: catalogSchema, name: 'a_view' })} AS SELECT s, i FROM ${d.relation(table)}`);
        expect(await w.listRelations(catalogSchema)).toEqual([
          { schema: catalogSchema, name: 'Mixed Case', kind: 'table' },
          { schema: catalogSchema, name: 'a_view', kind: 'view' },
        ]);
        const columns = await w.listColumns(table);
        expect(columns.map((c) => ({ name: c.name, kind: c.kind }))).toEqual(kinds);
        for (const c of columns) expect(c.type).toBe(c.type.toUpperCase());
        expect((await w.listColumns({ schema: catalogSchema, name: 'a_view' })).map((c) => c.kind)).toEqual(['string', 'integer']);
        expect(await w.listColumns({ schema: catalogSchema, name: 'missing' })).toEqual([]);
        expect(await w.relationExists(table)).toBe(true);
        expect(await w.relationExists({ schema: catalogSchema, name: 'a_view' })).toBe(true);
        expect(await w.relationExists({ schema: catalogSchema, name: 'missing' })).toBe(false);
        expect(await w.listRelations(uniqueName('t_wh_nothing'))).toEqual([]);
      } finally {
        await dropSchema(w, catalogSchema);
      }
    });
  });

  describeLoadTable(() => w, schema);
});

/**
 * Bulk loading and reading the values back: the adapter's own work, the same on every engine
 * (the cloud ones included, against their fakes: engines.ts says why they run only this part).
 */
function describeLoadTable(warehouse: () => Warehouse, schema: string): void {
  const w = warehouse;
  const q = (name: string) => w().dialect.quoteIdent(name);
  const rel = (name: string) => w().dialect.relation({ schema, name });
  describe('loadTable', () => {
    const columns: ColumnDef[] = [
      { name: 'id', kind: 'integer' },
      { name: 'text', kind: 'string' },
      { name: 'amount', kind: 'number' },
      { name: 'flag', kind: 'boolean' },
      { name: 'at', kind: 'timestamp' },
      { name: 'day', kind: 'date' },
      { name: 'props', kind: 'json' },
    ];
    const tricky = ['a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '', ' padded ', 'back\\slash', "o'neil", 'ünïcödé 日本 🎉', '\\N', 'NULL', '"', ','];

    it('loads nulls, empty strings, timestamps and awkward strings exactly', async () => {
      const at = new Date('2024-05-06T07:08:09.123Z');
      const rows: unknown[][] = tricky.map((text, i) => [i, text, i / 4, i % 2 === 0, at, new Date('2024-05-06T00:00:00Z'), { i, text }]);
      rows.push([100, null, null, null, null, null, null]);
      rows.push([2n ** 62n, 'big', -1e-3, false, '2023-12-31T23:59:59.999Z', '2023-12-31', '{"raw": true}']);
      const loaded = await w().loadTable({ schema, name: 'loaded' }, columns, [rows.slice(0, 5), rows.slice(5)]);
      expect(loaded).toBe(rows.length);
      const back = await w().query(`SELECT * FROM ${rel('loaded')} ORDER BY ${q('id')}`);
      expect(back.map((r) => ({ ...r, props: r.props === null ? null : JSON.parse(r.props as string) }))).toEqual([
        ...tricky.map((text, i) => ({
          id: i,
          text,
          amount: i / 4,
          flag: i % 2 === 0,
          at,
          day: new Date('2024-05-06T00:00:00Z'),
          props: { i, text },
        })),
        { id: 100, text: null, amount: null, flag: null, at: null, day: null, props: null },
        {
          id: 2n ** 62n,
          text: 'big',
          amount: -1e-3,
          flag: false,
          at: new Date('2023-12-31T23:59:59.999Z'),
          day: new Date('2023-12-31T00:00:00Z'),
          props: { raw: true },
        },
      ]);
      expect((await w().listColumns({ schema, name: 'loaded' })).map((c) => ({ name: c.name, kind: c.kind }))).toEqual(columns);
    });

    it('replaces the rows on reload, from an async iterable', async () => {
      const two: ColumnDef[] = [
        { name: 'k', kind: 'string' },
        { name: 'v', kind: 'integer' },
      ];
      await w().loadTable({ schema, name: 'reloaded' }, two, [[['a', 1], ['b', 2]]]);
      async function* batches() {
        for (let b = 0; b < 3; b++) yield Array.from({ length: 1000 }, (_, i) => [`k${b * 1000 + i}`, b * 1000 + i]);
      }
      expect(await w().loadTable({ schema, name: 'reloaded' }, two, batches())).toBe(3000);
      expect(await w().query(`SELECT COUNT(*) AS ${q('n')}, MIN(${q('v')}) AS ${q('lo')}, MAX(${q('v')}) AS ${q('hi')} FROM ${rel('reloaded')}`)).toEqual([{ n: 3000, lo: 0, hi: 2999 }]);
      // A different shape replaces the table itself.
      await w().loadTable({ schema, name: 'reloaded' }, [{ name: 'only', kind: 'boolean' }], [[[true]]]);
      expect(await w().query(`SELECT * FROM ${rel('reloaded')}`)).toEqual([{ only: true }]);
    });

    it('leaves the previous table intact when loading fails', async () => {
      const two: ColumnDef[] = [
        { name: 'k', kind: 'string' },
        { name: 'v', kind: 'integer' },
      ];
      await w().loadTable({ schema, name: 'kept' }, two, [[['a', 1]]]);
      const broke = new Error('source broke');
      async function* failing() {
        yield [['b', 2]];
        throw broke;
      }
      // The source's own error comes back unchanged.
      await expect(w().loadTable({ schema, name: 'kept' }, two, failing())).rejects.toBe(broke);
      expect(await w().query(`SELECT * FROM ${rel('kept')}`)).toEqual([{ k: 'a', v: 1 }]);
      // A value that does not fit its column is a WAREHOUSE error.
      await expect(w().loadTable({ schema, name: 'kept' }, two, [[['c', 3], ['d', 'not a number']]])).rejects.toMatchObject({ code: 'WAREHOUSE' });
      expect(await w().query(`SELECT * FROM ${rel('kept')}`)).toEqual([{ k: 'a', v: 1 }]);
      // So is loading over a view with that name; the view stays.
      await w().execute(`CREATE VIEW ${rel('a_view_named_like_a_table')} AS SELECT 1 AS ${q('k')}`);
      await expect(w().loadTable({ schema, name: 'a_view_named_like_a_table' }, two, [[['e', 5]]])).rejects.toMatchObject({ code: 'WAREHOUSE' });
      expect(await w().query(`SELECT * FROM ${rel('a_view_named_like_a_table')}`)).toEqual([{ k: 1 }]);
      // The warehouse still works afterwards.
      expect(await w().query(`SELECT 1 AS ${q('ok')}`)).toEqual([{ ok: 1 }]);
    });
  });
}

describe.each(CLOUD_ENGINES)('Warehouse contract on %s (local fake of the service)', (engine) => {
  let w: Warehouse;
  const schema = uniqueName('t_wh_adapter');

  beforeAll(async () => {
    w = await openCloudEngine(engine);
    await w.createSchema(schema);
  });

  afterAll(async () => {
    await w.close();
  });

  describeLoadTable(() => w, schema);
});
