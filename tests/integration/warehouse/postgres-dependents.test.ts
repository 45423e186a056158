/**
 * Postgres: replacing a relation (createOrReplaceTableAs/ViewAs, loadTable with a new shape) keeps
 * the views over it, recreated with their options, comments, owner and grants; a view that no
 * longer works with the new relation fails the replacement, and nothing changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CdpError } from '../../../src/errors.js';
import { PostgresWarehouse } from '../../../src/warehouse/adapters/postgres.js';
import type { RelationRef, Warehouse } from '../../../src/warehouse/index.js';
import { dropSchema, openEngine, POSTGRES_URL, uniqueName } from './engines.js';

let w: Warehouse;
const schema = uniqueName('t_wh_dep');
const user = uniqueName('t_wh_dep_user'); // a user's schema of BI views
const owner = uniqueName('t_wh_dep_owner');
const reader = uniqueName('t_wh_dep_reader');

const q = (name: string) => `"${name}"`;
const rel = (s: string, name: string) => `${q(s)}.${q(name)}`;

async function replaceTable(target: RelationRef, select: string): Promise<void> {
  await w.transaction(async (session) => {
    for (const sql of w.dialect.createOrReplaceTableAs(target, select)) await session.execute(sql);
  });
}

async function errorOf(promise: Promise<unknown>): Promise<CdpError> {
  try {
    await promise;
  } catch (error) {
    return error as CdpError;
  }
  throw new Error('expected an error, but none was thrown');
}

beforeAll(async () => {
  w = await openEngine('postgres');
  await w.createSchema(schema);
  await w.createSchema(user);
  await w.execute(`CREATE ROLE ${q(owner)} NOLOGIN; CREATE ROLE ${q(reader)} NOLOGIN`);
  await w.execute(`GRANT USAGE, CREATE ON SCHEMA ${q(user)} TO ${q(owner)}; GRANT USAGE ON SCHEMA ${q(schema)} TO ${q(owner)}`);
});

afterAll(async () => {
  await dropSchema(w, schema);
  await dropSchema(w, user);
  await w.execute(`DROP OWNED BY ${q(owner)}, ${q(reader)}; DROP ROLE IF EXISTS ${q(owner)}; DROP ROLE IF EXISTS ${q(reader)}`);
  await w.close();
});

describe('createOrReplaceTableAs() on Postgres', () => {
  it('recreates the views over the table, transitively, with what the catalog knows about them', async () => {
    const t = { schema, name: 'customers' };
    const T = rel(schema, 'customers');
    await replaceTable(t, `SELECT 1 AS id, 'ann' AS name`);
    // The table's own grants: a user's view reads it with its owner's privileges.
    await w.execute(`GRANT SELECT ON ${T} TO ${q(owner)}; COMMENT ON TABLE ${T} IS 'built by cdp'`);
    await w.execute(`
      CREATE VIEW ${rel(user, 'v_names')} WITH (security_barrier = true) AS SELECT id, upper(name) AS name FROM ${T};
      COMMENT ON VIEW ${rel(user, 'v_names')} IS 'names for the BI tool';
      COMMENT ON COLUMN ${rel(user, 'v_names')}.name IS 'upper case';
      ALTER VIEW ${rel(user, 'v_names')} OWNER TO ${q(owner)};
      GRANT SELECT ON ${rel(user, 'v_names')} TO ${q(reader)};
      CREATE VIEW ${rel(user, 'v_count')} AS SELECT count(*) AS n FROM ${rel(user, 'v_names')};
      CREATE VIEW ${rel(schema, 'v_checked')} AS SELECT * FROM ${T} WHERE id > 0 WITH LOCAL CHECK OPTION;
      CREATE MATERIALIZED VIEW ${rel(schema, 'mv_ids')} AS SELECT id FROM ${T};
      CREATE UNIQUE INDEX mv_ids_id ON ${rel(schema, 'mv_ids')} (id);
      CREATE VIEW ${rel(schema, 'v_over_mv')} AS SELECT id * 10 AS id10 FROM ${rel(schema, 'mv_ids')};
    `);

    // New rows and an extra column.
    await replaceTable(t, `SELECT * FROM (VALUES (2, 'bob', TRUE), (3, 'cy', FALSE)) AS v (id, name, extra)`);

    expect(await w.query(`SELECT * FROM ${rel(user, 'v_names')} ORDER BY id`)).toEqual([
      { id: 2, name: 'BOB' },
      { id: 3, name: 'CY' },
    ]);
    expect(await w.query(`SELECT n FROM ${rel(user, 'v_count')}`)).toEqual([{ n: 2 }]);
    expect(await w.query(`SELECT id10 FROM ${rel(schema, 'v_over_mv')} ORDER BY 1`)).toEqual([{ id10: 20 }, { id10: 30 }]);
    // `SELECT *` was expanded when the view was made: it keeps its columns, as Postgres does.
    expect(await w.query(`SELECT * FROM ${rel(schema, 'v_checked')} ORDER BY id`)).toEqual([
      { id: 2, name: 'bob' },
      { id: 3, name: 'cy' },
    ]);

    const [names] = await w.query(
      `SELECT obj_description(c.oid, 'pg_class') AS comment, col_description(c.oid, 2) AS column_comment, pg_get_userbyid(c.relowner) AS owner,
              c.reloptions AS options, has_table_privilege($1, c.oid, 'SELECT') AS reader_selects, has_table_privilege($1, c.oid, 'INSERT') AS reader_inserts
       FROM pg_class c WHERE c.oid = to_regclass($2)`,
      [reader, rel(user, 'v_names')],
    );
    expect(names).toEqual({
      comment: 'names for the BI tool',
      column_comment: 'upper case',
      owner,
      options: ['security_barrier=true'],
      reader_selects: true,
      reader_inserts: false,
    });
    const [checked] = await w.query(`SELECT check_option FROM information_schema.views WHERE table_schema = $1 AND table_name = 'v_checked'`, [schema]);
    expect(checked).toEqual({ check_option: 'LOCAL' });
    const [mv] = await w.query(
      `SELECT c.relispopulated AS populated, (SELECT count(*) FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique) AS unique_indexes
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
      [rel(schema, 'mv_ids')],
    );
    expect(mv).toEqual({ populated: true, unique_indexes: 1 });
    // The table keeps its grants and comment.
    const [table] = await w.query(`SELECT obj_description(to_regclass($1), 'pg_class') AS comment, has_table_privilege($2, to_regclass($1), 'SELECT') AS granted`, [
      T,
      owner,
    ]);
    expect(table).toEqual({ comment: 'built by cdp', granted: true });
    // Nothing left beside it.
    expect((await w.listRelations(schema)).map((r) => r.name)).toEqual(['customers', 'mv_ids', 'v_checked', 'v_over_mv']);
  });

  it('fails naming the view and the column when a view uses a column that is gone, and changes nothing', async () => {
    const t = { schema, name: 'orders' };
    const T = rel(schema, 'orders');
    await replaceTable(t, `SELECT 1 AS id, 10.5 AS amount, 'x' AS note`);
    await w.execute(`CREATE VIEW ${rel(user, 'v_revenue')} AS SELECT sum(amount) AS revenue, max(note) AS note FROM ${T}`);
    await w.execute(`CREATE VIEW ${rel(user, 'v_ids')} AS SELECT id FROM ${T}`);

    const error = await errorOf(replaceTable(t, `SELECT 2 AS id`));
    expect(error).toMatchObject({ code: 'WAREHOUSE' });
    expect(error.message).toContain(`cannot rebuild ${schema}.orders: its new version lacks columns that views over it use: view ${user}.v_revenue uses amount, note`);
    expect(error.hint).toContain('change or drop the view');
    expect(await w.query(`SELECT * FROM ${T}`)).toEqual([{ id: 1, amount: 10.5, note: 'x' }]);
    expect(await w.query(`SELECT revenue FROM ${rel(user, 'v_revenue')}`)).toEqual([{ revenue: 10.5 }]);

    // The same when the statements run one by one, outside a transaction: the swap is one statement.
    for (const sql of w.dialect.createOrReplaceTableAs(t, `SELECT 3 AS id`)) {
      const failed = await w.execute(sql).then(
        () => false,
        () => true,
      );
      if (failed) break;
    }
    expect(await w.query(`SELECT id FROM ${rel(user, 'v_ids')}`)).toEqual([{ id: 1 }]);
  });

  it('fails naming the view when it no longer compiles for another reason (a type change), and changes nothing', async () => {
    const t = { schema, name: 'scores' };
    await replaceTable(t, `SELECT 1 AS id, 5 AS score`);
    await w.execute(`CREATE VIEW ${rel(user, 'v_bonus')} AS SELECT id, score + 1 AS bonus FROM ${rel(schema, 'scores')}`);
    const error = await errorOf(replaceTable(t, `SELECT 2 AS id, 'high' AS score`));
    expect(error.message).toMatch(
      new RegExp(`^cannot rebuild ${schema}\\.scores: view ${user}\\.v_bonus depends on it and no longer works with the new ${schema}\\.scores: operator does not exist: text \\+ integer`),
    );
    expect(await w.query(`SELECT * FROM ${rel(user, 'v_bonus')}`)).toEqual([{ id: 1, bonus: 6 }]);
  });

  it('replaces a view by a table keeping the views over it', async () => {
    const t = { schema, name: 'was_a_view' };
    await w.execute(`CREATE VIEW ${rel(schema, 'was_a_view')} AS SELECT 1 AS id`);
    await w.execute(`CREATE VIEW ${rel(user, 'v_over_view')} AS SELECT id FROM ${rel(schema, 'was_a_view')}`);
    await replaceTable(t, `SELECT 7 AS id`);
    expect((await w.listRelations(schema)).find((r) => r.name === 'was_a_view')).toMatchObject({ kind: 'table' });
    expect(await w.query(`SELECT id FROM ${rel(user, 'v_over_view')}`)).toEqual([{ id: 7 }]);
  });
});

describe('createOrReplaceViewAs() on Postgres', () => {
  it('keeps the views over the view', async () => {
    const v = { schema, name: 'stg' };
    const run = (select: string) =>
      w.transaction(async (session) => {
        for (const sql of w.dialect.createOrReplaceViewAs(v, select)) await session.execute(sql);
      });
    await run(`SELECT 1 AS id, 'a' AS code`);
    await w.execute(`CREATE VIEW ${rel(user, 'v_over_stg')} AS SELECT code FROM ${rel(schema, 'stg')}`);
    await run(`SELECT 2 AS id, 'b' AS code, 3 AS more`);
    expect(await w.query(`SELECT code FROM ${rel(user, 'v_over_stg')}`)).toEqual([{ code: 'b' }]);
    await expect(run(`SELECT 3 AS id`)).rejects.toMatchObject({ message: expect.stringContaining(`view ${user}.v_over_stg uses code`) });
    expect(await w.query(`SELECT * FROM ${rel(schema, 'stg')}`)).toEqual([{ id: 2, code: 'b', more: 3 }]);
  });
});

describe('loadTable() on Postgres', () => {
  it('keeps the views over a table it replaces with a new shape, or fails and keeps the table', async () => {
    const t = { schema, name: 'loaded' };
    await w.loadTable(t, [{ name: 'k', kind: 'string' }], [[['a']]]);
    await w.execute(`CREATE VIEW ${rel(user, 'v_loaded')} AS SELECT k FROM ${rel(schema, 'loaded')}`);
    await w.loadTable(
      t,
      [
        { name: 'k', kind: 'string' },
        { name: 'n', kind: 'integer' },
      ],
      [[['b', 1]]],
    );
    expect(await w.query(`SELECT k FROM ${rel(user, 'v_loaded')}`)).toEqual([{ k: 'b' }]);
    const error = await errorOf(w.loadTable(t, [{ name: 'other', kind: 'string' }], [[['c']]]));
    expect(error.message).toContain(`view ${user}.v_loaded uses k`);
    expect(await w.query(`SELECT * FROM ${rel(schema, 'loaded')}`)).toEqual([{ k: 'b', n: 1 }]);
  });
});

describe('without the helper functions (a role that may not install them)', () => {
  const database = uniqueName('t_wh_dep_db');
  const role = uniqueName('t_wh_dep_role');

  beforeAll(async () => {
    await w.execute(`CREATE DATABASE ${q(database)}`);
    await w.execute(`CREATE ROLE ${q(role)} LOGIN`);
  });

  afterAll(async () => {
    await w.execute(`DROP DATABASE IF EXISTS ${q(database)} WITH (FORCE)`);
    await w.execute(`DROP ROLE IF EXISTS ${q(role)}`);
  });

  it('still replaces tables (views over them are dropped, as before)', async () => {
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${database}`;
    const admin = await PostgresWarehouse.open({ type: 'postgres', connection: url.toString(), poolSize: 1 });
    // An owned schema, but no CREATE on the database: the cdp_functions schema cannot be made.
    await admin.execute(`DROP SCHEMA IF EXISTS cdp_functions CASCADE; CREATE SCHEMA s AUTHORIZATION ${q(role)}`);
    await admin.close();
    url.username = role;
    const limited = await PostgresWarehouse.open({ type: 'postgres', connection: url.toString(), poolSize: 1 });
    try {
      const target = { schema: 's', name: 't' };
      const run = (select: string) =>
        limited.transaction(async (session) => {
          for (const sql of limited.dialect.createOrReplaceTableAs(target, select)) await session.execute(sql);
        });
      await run('SELECT 1 AS a');
      await limited.execute('CREATE VIEW s.v AS SELECT a FROM s.t');
      await run('SELECT 2 AS b');
      expect(await limited.query('SELECT * FROM s.t')).toEqual([{ b: 2 }]);
      expect((await limited.listRelations('s')).map((r) => r.name)).toEqual(['t']);
    } finally {
      await limited.close();
    }
  });
});
