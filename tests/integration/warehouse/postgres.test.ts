/**
 * What only the Postgres adapter has: connection config and secrets, helper installation (fresh
 * database, concurrent opens, a role without privileges), session settings, COPY errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import { PostgresWarehouse } from '../../../src/warehouse/adapters/postgres.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { dropSchema, openEngine, POSTGRES_URL, uniqueName } from './engines.js';

function urlFor(database: string, user?: string, options?: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  if (user) url.username = user;
  if (options) url.searchParams.set('options', options);
  return url.toString();
}

const open = (connection: string) => PostgresWarehouse.open({ type: 'postgres', connection, poolSize: 4 });

let admin: Warehouse;
const schema = uniqueName('t_wh_pg');

beforeAll(async () => {
  admin = await openEngine('postgres');
  await admin.createSchema(schema);
});

afterAll(async () => {
  await dropSchema(admin, schema);
  await admin.close();
});

describe('connection config', () => {
  const base = new URL(POSTGRES_URL);
  const parts = {
    host: base.hostname,
    port: Number(base.port || 5432),
    user: decodeURIComponent(base.username) || 'postgres',
    database: base.pathname.slice(1),
  };

  it('connects from parts with the password taken from the environment', async () => {
    process.env.CDP_TEST_PG_PASSWORD = process.env.CDP_TEST_PG_PASSWORD ?? 'unused-with-trust-auth';
    const w = await PostgresWarehouse.open({ type: 'postgres', connection: { ...parts, password: { env: 'CDP_TEST_PG_PASSWORD' } }, poolSize: 1 });
    try {
      expect(await w.query('SELECT current_database() AS db')).toEqual([{ db: parts.database }]);
    } finally {
      await w.close();
    }
  });

  it('fails before connecting when the password variable is missing', async () => {
    const error = await PostgresWarehouse.open({
      type: 'postgres',
      connection: { ...parts, password: { env: 'CDP_TEST_PG_PASSWORD_NOT_SET_ANYWHERE' } },
      poolSize: 1,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SECRET_MISSING', location: { path: 'warehouse.connection.password' } });
  });

  it('names the target, never the password, when the server cannot be reached', async () => {
    const error = await open('postgres://someone:hunter2-secret@127.0.0.1:1/nowhere').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect(error).toMatchObject({ code: 'WAREHOUSE', location: { path: 'warehouse.connection' } });
    expect((error as CdpError).message).toContain('127.0.0.1:1/nowhere');
    expect((error as CdpError).oneLine()).not.toContain('hunter2');
  });

  it('runs every session in UTC with standard strings, whatever the connection asked for', async () => {
    const w = await open(urlFor(parts.database, undefined, '-c TimeZone=America/New_York -c search_path=nothing_here'));
    try {
      expect(await w.query(`SELECT current_setting('TimeZone') AS tz, current_setting('standard_conforming_strings') AS scs`)).toEqual([
        { tz: 'UTC', scs: 'on' },
      ]);
      // Helpers are schema-qualified: an unrelated search_path does not hide them.
      expect(await w.query(`SELECT ${w.dialect.tryCast("'12'", 'integer')} AS v`)).toEqual([{ v: 12 }]);
      // A timestamptz instant and a TIMESTAMP column agree on UTC.
      expect(await w.query(`SELECT CAST($1::timestamptz AS TIMESTAMP) AS t`, [new Date('2024-07-01T12:00:00Z')])).toEqual([
        { t: new Date('2024-07-01T12:00:00Z') },
      ]);
    } finally {
      await w.close();
    }
  });
});

describe('helper functions', () => {
  const database = uniqueName('t_wh_pg_db');
  const role = uniqueName('t_wh_pg_role');

  beforeAll(async () => {
    await admin.execute(`CREATE DATABASE ${admin.dialect.quoteIdent(database)}`);
    await admin.execute(`CREATE ROLE ${admin.dialect.quoteIdent(role)} LOGIN`);
  });

  afterAll(async () => {
    await admin.execute(`DROP DATABASE IF EXISTS ${admin.dialect.quoteIdent(database)} WITH (FORCE)`);
    await admin.execute(`DROP ROLE IF EXISTS ${admin.dialect.quoteIdent(role)}`);
  });

  it('a role that may not create them can still open and query, and learns why helpers fail', async () => {
    const w = await open(urlFor(database, role));
    try {
      expect(await w.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      const error = await w.query(`SELECT ${w.dialect.jaroWinkler("'a'", "'b'")} AS v`).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'WAREHOUSE' });
      expect((error as CdpError).hint).toContain('docs/postgres.md');
    } finally {
      await w.close();
    }
  });

  it('installs them once into a fresh database even when several processes open it together', async () => {
    const opened = await Promise.all(Array.from({ length: 4 }, () => open(urlFor(database))));
    try {
      for (const w of opened) {
        expect(await w.query(`SELECT ${w.dialect.tryCast("'x'", 'integer')} AS a, ${w.dialect.levenshtein("'kitten'", "'sitting'")} AS b`)).toEqual([
          { a: null, b: 3 },
        ]);
      }
      const [marker] = await opened[0]!.query(`SELECT obj_description(oid, 'pg_namespace') AS v FROM pg_namespace WHERE nspname = 'cdp_functions'`);
      expect(marker).toEqual({ v: 'cdp helpers v3' });
      // Try casts run under a parallel plan (their exception blocks need a serial one: PARALLEL UNSAFE).
      const w = opened[0]!;
      await w.execute('CREATE TABLE parallel_casts AS SELECT CAST(g AS TEXT) AS v FROM GENERATE_SERIES(1, 20000) g');
      await w.execute('ANALYZE parallel_casts');
      const [count] = await w.transaction(async (session) => {
        for (const setting of ['parallel_setup_cost = 0', 'parallel_tuple_cost = 0', 'min_parallel_table_scan_size = 0']) await session.execute(`SET LOCAL ${setting}`);
        return session.query(`SELECT COUNT(${w.dialect.tryCast('v', 'timestamp')}) AS n, COUNT(*) AS rows FROM parallel_casts`);
      });
      expect(count).toEqual({ n: 0, rows: 20000 });
      const functions = await opened[0]!.query<{ name: string }>(
        `SELECT p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'cdp_functions' AND p.proname LIKE 'cdp\\_%' ORDER BY 1`,
      );
      expect(functions.map((f) => f.name)).toEqual([
        'cdp_jaro_winkler',
        'cdp_levenshtein',
        'cdp_levenshtein_bytes',
        'cdp_relation_kind_word',
        'cdp_relation_state',
        'cdp_replace_relation',
        'cdp_restore_relation_state',
        'cdp_try_cast_boolean',
        'cdp_try_cast_date',
        'cdp_try_cast_integer',
        'cdp_try_cast_json',
        'cdp_try_cast_number',
        'cdp_try_cast_string',
        'cdp_try_cast_timestamp',
      ]);
    } finally {
      await Promise.all(opened.map((w) => w.close()));
    }
    // ... and the unprivileged role can use them now that they exist.
    const w = await open(urlFor(database, role));
    try {
      expect(await w.query(`SELECT ${w.dialect.jaroWinkler("'MARTHA'", "'MARHTA'")} AS v`)).toEqual([{ v: 0.9611111111111111 }]);
    } finally {
      await w.close();
    }
  });

  it('the plpgsql Levenshtein (fallback, long strings) equals the fuzzystrmatch path', async () => {
    const words = ['', 'a', 'kitten', 'sitting', 'José', 'Jose', '日本語', '日本', 'flaw', 'lawn', 'Müller', 'Mueller', 'abcdefghij'];
    const rows = await admin.query<{ fast: number; slow: number }>(
      `SELECT cdp_functions.cdp_levenshtein(a, b) AS fast, cdp_functions.cdp_levenshtein_bytes(a, b) AS slow
       FROM unnest($1::text[]) a, unnest($1::text[]) b`,
      [words],
    );
    expect(rows).toHaveLength(words.length ** 2);
    for (const r of rows) expect(r.fast).toBe(r.slow);
  });
});

describe('statements', () => {
  it('runs several statements in one text when there are no params', async () => {
    const t = admin.dialect.relation({ schema, name: 'multi' });
    await admin.execute(`CREATE TABLE ${t} (a INT); INSERT INTO ${t} VALUES (1), (2)`);
    expect(await admin.query(`SELECT COUNT(*) AS n FROM ${t}`)).toEqual([{ n: 2 }]);
  });

  it('reports the row and column a COPY failed on', async () => {
    const error = await admin
      .loadTable({ schema, name: 'copy_fail' }, [{ name: 'v', kind: 'integer' }], [[[1], ['secret@example.com']]])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WAREHOUSE' });
    expect((error as CdpError).message).toMatch(/invalid input syntax for type bigint/);
    expect((error as CdpError).message).toMatch(/\nCONTEXT: COPY copy_fail, line 2, column v$/m);
  });
});
