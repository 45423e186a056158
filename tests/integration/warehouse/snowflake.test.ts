/**
 * The Snowflake adapter with the real snowflake-sdk against a local server that answers as
 * Snowflake's client protocol does (tests/fixtures/fake-snowflake).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import { SnowflakeWarehouse } from '../../../src/warehouse/adapters/snowflake.js';
import { openWarehouse, withQueryLabels } from '../../../src/warehouse/index.js';
import { startFakeSnowflake, type FakeSnowflake } from '../../fixtures/fake-snowflake/server.js';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
let fake: FakeSnowflake;
let warehouse: SnowflakeWarehouse;
let dir: string;

beforeAll(async () => {
  fake = await startFakeSnowflake({ account: 'acme-eu', user: 'cdp_loader', password: 'p@ss', publicKey: keys.publicKey });
  warehouse = SnowflakeWarehouse.open({
    account: 'acme-eu',
    username: 'cdp_loader',
    password: 'p@ss',
    warehouse: 'TRANSFORMING',
    database: 'ANALYTICS',
    role: 'CDP',
    accessUrl: fake.url,
    queryTag: 'cdp',
    timeoutSeconds: 3600,
    poolSize: 2,
  });
  await fake.engine.run(`CREATE SCHEMA FAKE`);
  await fake.engine.run(`CREATE TABLE FAKE.NUMBERS AS SELECT i AS ID, 'name-' || i AS NAME, i % 7 = 0 AS LUCKY, TIMESTAMP '2025-01-01 00:00:00' + INTERVAL (i) SECOND AS AT FROM range(1, 100001) t(i)`);
  dir = mkdtempSync(join(tmpdir(), 'cdp-sf-'));
});

afterAll(async () => {
  await warehouse?.close();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('authentication and sessions', () => {
  it('logs in with the password, then sends the session token on every request; sessions are UTC', async () => {
    expect(await warehouse.query('SELECT 1 AS "one"')).toEqual([{ one: 1 }]);
    const login = fake.requests.find((r) => r.path === '/session/v1/login-request')!;
    expect(login.query.get('warehouse')).toBe('TRANSFORMING');
    expect(login.query.get('databaseName')).toBe('ANALYTICS');
    expect(login.query.get('roleName')).toBe('CDP');
    const data = (login.body as { data: Record<string, unknown> }).data;
    expect(data).toMatchObject({ LOGIN_NAME: 'cdp_loader', ACCOUNT_NAME: 'acme-eu', PASSWORD: 'p@ss' });
    expect(fake.logins[0]!.sessionParameters).toMatchObject({ JS_TREAT_INTEGER_AS_BIGINT: true });
    expect(fake.statements.at(-1)!.parameters).toEqual({ QUERY_TAG: 'cdp' });
    const tokens = [...fake.sessions.keys()];
    const queries = fake.requests.filter((r) => r.path === '/queries/v1/query-request');
    for (const q of queries) expect(tokens).toContain(/Snowflake Token="(.+)"/.exec(q.authorization ?? '')?.[1]);
    expect(fake.statements[0]!.sql).toBe(`ALTER SESSION SET TIMEZONE = 'UTC', STATEMENT_TIMEOUT_IN_SECONDS = 3600`);
    const session = [...fake.sessions.values()][0]!;
    expect(session.parameters.get('TIMEZONE')).toBe('UTC');
  });

  it('logs in with a key pair: a JWT signed with the private key, checked against the public key', async () => {
    const keyFile = join(dir, 'rsa_key.p8');
    writeFileSync(keyFile, keys.privateKey);
    const keyed = await openWarehouse(
      { type: 'snowflake', account: 'acme-eu', username: 'cdp_loader', privateKeyPath: 'rsa_key.p8', warehouse: 'W', database: 'D', accessUrl: fake.url },
      dir,
    );
    expect(await keyed.query('SELECT 2 AS "two"')).toEqual([{ two: 2 }]);
    expect(fake.logins.at(-1)!.authenticator).toBe('SNOWFLAKE_JWT');
    await keyed.close();
  });

  it('refuses a wrong password with a CdpError saying what to check', async () => {
    const wrong = SnowflakeWarehouse.open({ account: 'acme-eu', username: 'cdp_loader', password: 'nope', warehouse: 'W', database: 'D', accessUrl: fake.url });
    const error = (await wrong.query('SELECT 1').catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.message).toBe('Snowflake 390100: Incorrect username or password was specified.');
    expect(error.hint).toMatch(/check warehouse.username and the password or private key/);
  });

  it('refuses a key that is not the user’s', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const wrong = SnowflakeWarehouse.open({ account: 'acme-eu', username: 'cdp_loader', privateKey: other.privateKey, warehouse: 'W', database: 'D', accessUrl: fake.url });
    const error = (await wrong.query('SELECT 1').catch((e: unknown) => e)) as CdpError;
    expect(error.message).toMatch(/^Snowflake 390144: JWT token is invalid/);
  });
});

describe('statements', () => {
  it('binds parameters as :n, tags statements with the running step, reads values back typed', async () => {
    const d = warehouse.dialect;
    const when = new Date('2025-03-04T05:06:07.089Z');
    const rows = await withQueryLabels({ audience: 'vip' }, () =>
      warehouse.query(
        `SELECT ${d.param(1)} AS "s", CAST(${d.param(2)} AS NUMBER(38,0)) AS "i", ${d.param(3)} AS "b", CAST(${d.param(4)} AS TIMESTAMP_NTZ) AS "t", CAST(${d.param(5)} AS NUMBER(38,0)) AS "big", ${d.param(1)} AS "again"`,
        ["it's \\ here", 42, true, when, 2n ** 62n],
      ),
    );
    expect(rows).toEqual([{ s: "it's \\ here", i: 42, b: true, t: when, big: 2n ** 62n, again: "it's \\ here" }]);
    const sent = fake.statements.at(-1)!;
    expect(sent.parameters).toEqual({ QUERY_TAG: '{"tag":"cdp","audience":"vip"}' });
    const request = fake.requests.filter((r) => r.path === '/queries/v1/query-request').at(-1)!;
    expect((request.body as { bindings: unknown }).bindings).toEqual({
      '1': { type: 'TEXT', value: "it's \\ here" },
      '2': { type: 'FIXED', value: '42' },
      '3': { type: 'BOOLEAN', value: 'true' },
      '4': { type: 'TEXT', value: '2025-03-04 05:06:07.089' },
      '5': { type: 'TEXT', value: '4611686018427387904' },
    });
  });

  it('runs DDL and DML with folded names, reports affected rows, and reads the catalog back in our names', async () => {
    const d = warehouse.dialect;
    await warehouse.createSchema('t_sf_jobs');
    const people = { schema: 't_sf_jobs', name: 'people' };
    for (const sql of d.createOrReplaceTableAs(people, `SELECT "ID" AS ${d.quoteIdent('id')}, "NAME" AS ${d.quoteIdent('name')}, "NAME" AS "displayName" FROM "FAKE"."NUMBERS" WHERE "ID" <= 3`)) {
      await warehouse.execute(sql);
    }
    expect(fake.statements.at(-1)!.sql).toBe(`CREATE OR REPLACE TABLE "T_SF_JOBS"."PEOPLE" AS SELECT "ID" AS "ID", "NAME" AS "NAME", "NAME" AS "displayName" FROM "FAKE"."NUMBERS" WHERE "ID" <= 3`);
    expect(await warehouse.execute(`UPDATE ${d.relation(people)} SET ${d.quoteIdent('name')} = ${d.literal("o'x")} WHERE ${d.quoteIdent('id')} >= ${d.param(1)}`, [2])).toBe(2);
    expect(await warehouse.listRelations('t_sf_jobs')).toEqual([{ schema: 't_sf_jobs', name: 'people', kind: 'table' }]);
    expect(await warehouse.listColumns(people)).toEqual([
      { name: 'id', type: 'NUMBER(38,0)', kind: 'integer' },
      { name: 'name', type: 'TEXT', kind: 'string' },
      { name: 'displayName', type: 'TEXT', kind: 'string' },
    ]);
    expect(await warehouse.relationExists(people)).toBe(true);
    expect(await warehouse.relationExists({ schema: 't_sf_jobs', name: 'nobody' })).toBe(false);
    expect(await warehouse.query(`SELECT * FROM ${d.relation(people)} ORDER BY ${d.quoteIdent('id')}`)).toEqual([
      { id: 1, name: 'name-1', displayName: 'name-1' },
      { id: 2, name: "o'x", displayName: 'name-2' },
      { id: 3, name: "o'x", displayName: 'name-3' },
    ]);
  });

  it('loads rows in bulk: gzip CSV files PUT to the staging table\'s stage by the real client, COPY INTO, then swapped in', async () => {
    const target = { schema: 't_sf_load', name: 'events' };
    const columns = [
      { name: 'id', kind: 'integer' as const },
      { name: 'email', kind: 'string' as const },
      { name: 'amount', kind: 'number' as const },
      { name: 'at', kind: 'timestamp' as const },
      { name: 'ok', kind: 'boolean' as const },
      { name: 'props', kind: 'json' as const },
    ];
    const awkward = ['a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', '', ' padded ', 'back\\slash', "o'neil", 'ünïcödé 日本 🎉', '\\N', 'NULL', '"', ','];
    const rows = Array.from({ length: 300_000 }, (_, i) => [
      i + 1,
      i < awkward.length ? awkward[i]! : i % 2 ? `p${i}@example.com` : null,
      i / 4,
      new Date(Date.UTC(2025, 0, 1, 0, 0, i % 60, 123)),
      i % 3 === 0,
      i % 5 ? { i, tags: ['x'] } : null,
    ]);
    const before = fake.statements.length;
    expect(await warehouse.loadTable(target, columns, [rows.slice(0, 7_000), rows.slice(7_000)])).toBe(300_000);
    const sent = fake.statements.slice(before).map((s) => s.sql);
    // No INSERT with bound values: one PUT of the two files (250,000 rows a file) and one COPY.
    expect(sent.filter((sql) => sql.startsWith('INSERT'))).toEqual([]);
    expect(sent.filter((sql) => sql.startsWith('PUT '))).toEqual([expect.stringMatching(/^PUT 'file:\/\/.+\/\*' @"T_SF_LOAD"\.%"EVENTS__CDP_LOAD" AUTO_COMPRESS = FALSE SOURCE_COMPRESSION = GZIP/)]);
    expect(sent.filter((sql) => sql.startsWith('COPY INTO'))).toEqual([expect.stringContaining('FROM @"T_SF_LOAD".%"EVENTS__CDP_LOAD" FILE_FORMAT = (TYPE = CSV')]);
    const d = warehouse.dialect;
    const q = (name: string) => d.quoteIdent(name);
    expect(await warehouse.query(`SELECT COUNT(*) AS "n", SUM(${q('id')}) AS "ids", COUNT(${q('email')}) AS "emails", COUNT(${q('props')}) AS "props" FROM ${d.relation(target)}`)).toEqual([
      { n: 300_000, ids: 45_000_150_000, emails: 150_007, props: 240_000 }, // emails: odd ids, plus the 7 even ids among the 13 awkward texts
    ]);
    const awkwardBack = await warehouse.query(`SELECT ${q('email')} FROM ${d.relation(target)} WHERE ${q('id')} <= ${awkward.length} ORDER BY ${q('id')}`);
    expect(awkwardBack.map((r) => r.email)).toEqual(awkward);
    expect(await warehouse.query(`SELECT ${q('id')}, ${q('amount')}, ${q('at')}, ${q('ok')} FROM ${d.relation(target)} WHERE ${q('id')} IN (20, 21) ORDER BY ${q('id')}`)).toEqual([
      { id: 20, amount: 4.75, at: new Date('2025-01-01T00:00:19.123Z'), ok: false },
      { id: 21, amount: 5, at: new Date('2025-01-01T00:00:20.123Z'), ok: false },
    ]);
    expect(await warehouse.relationExists({ schema: 't_sf_load', name: 'events__cdp_load' })).toBe(false);
  });

  it('runs a transaction on one session between BEGIN and COMMIT, and rolls back on failure', async () => {
    const d = warehouse.dialect;
    await warehouse.execute(`CREATE OR REPLACE TABLE ${d.relation({ schema: 't_sf_jobs', name: 'ledger' })} (${d.quoteIdent('n')} NUMBER(38,0))`);
    const ledger = d.relation({ schema: 't_sf_jobs', name: 'ledger' });
    await warehouse.transaction(async (session) => {
      await session.execute(`INSERT INTO ${ledger} VALUES (1)`);
      await session.execute(`INSERT INTO ${ledger} VALUES (2)`);
    });
    const failed = await warehouse
      .transaction(async (session) => {
        await session.execute(`INSERT INTO ${ledger} VALUES (3)`);
        await session.execute(`INSERT INTO ${ledger} VALUES ('not a number')`);
      })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(CdpError);
    expect(await warehouse.query(`SELECT ${d.quoteIdent('n')} FROM ${ledger} ORDER BY 1`)).toEqual([{ n: 1 }, { n: 2 }]);
    const tx = fake.statements.filter((s) => /^(BEGIN|COMMIT|ROLLBACK)$/.test(s.sql)).map((s) => s.sql);
    expect(tx).toEqual(['BEGIN', 'COMMIT', 'BEGIN', 'ROLLBACK']);
  });

  it('creates the Jaro-Winkler UDF on first use', async () => {
    const d = warehouse.dialect;
    expect(await warehouse.query(`SELECT ROUND(${d.jaroWinkler(d.literal('martha'), d.literal('marhta'))}, 4) AS "jw"`)).toEqual([{ jw: 0.9611 }]);
    const created = fake.statements.filter((s) => /CREATE OR REPLACE FUNCTION "CDP_FUNCTIONS"\.JARO_WINKLER/.test(s.sql));
    expect(created.length).toBe(1);
    expect(created[0]!.sql).toMatch(/LANGUAGE JAVASCRIPT RETURNS NULL ON NULL INPUT IMMUTABLE AS \$\$/);
  });
});

describe('results', () => {
  it('streams a 100,000-row result: first rows inline, the rest from gzip result chunks fetched with the qrmk headers', async () => {
    const before = fake.requests.length;
    let rows = 0;
    let sum = 0;
    let lucky = 0;
    const sizes: number[] = [];
    for await (const batch of warehouse.stream('SELECT "ID", "NAME", "LUCKY", "AT" FROM "FAKE"."NUMBERS" ORDER BY "ID"', { batchSize: 25_000 })) {
      sizes.push(batch.length);
      expect(batch[0]).toEqual({ id: rows + 1, name: `name-${rows + 1}`, lucky: (rows + 1) % 7 === 0, at: new Date(Date.UTC(2025, 0, 1) + (rows + 1) * 1000) });
      rows += batch.length;
      for (const row of batch) {
        sum += row.id as number;
        if (row.lucky) lucky++;
      }
    }
    expect({ rows, sum, lucky, sizes }).toEqual({ rows: 100_000, sum: 5_000_050_000, lucky: 14_285, sizes: [25_000, 25_000, 25_000, 25_000] });
    const chunkGets = fake.requests.slice(before).filter((r) => r.path.startsWith('/chunks/'));
    expect(chunkGets.map((r) => r.path.split('/').at(-1))).toEqual(['0', '1', '2', '3', '4']);
  });

  it('waits for a long statement by polling its getResultUrl (code 333333)', async () => {
    const before = fake.requests.length;
    expect(await warehouse.query('SELECT 7 AS "n" /* fake:slow=600 */')).toEqual([{ n: 7 }]);
    const polls = fake.requests.slice(before).filter((r) => /^\/queries\/[^/]+\/result$/.test(r.path));
    expect(polls.length).toBeGreaterThanOrEqual(1);
  });
});

describe('failures', () => {
  it('a statement Snowflake rejects fails with its code, message and the statement', async () => {
    const error = (await warehouse.query('SELECT * FROM "NO_SUCH"."TABLE"').catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.message).toMatch(/^Snowflake 002003: SQL compilation error: .*NO_SUCH/);
    expect(error.hint).toMatch(/an object does not exist or the role cannot see it/);
  });

  it('a statement running past timeoutSeconds is cancelled by Snowflake (000630) and fails', async () => {
    const impatient = SnowflakeWarehouse.open({ account: 'acme-eu', username: 'cdp_loader', password: 'p@ss', warehouse: 'W', database: 'D', accessUrl: fake.url, timeoutSeconds: 1 });
    const started = Date.now();
    const error = (await impatient.query('SELECT 1 /* fake:hang */').catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.message).toBe('Snowflake 000630: Statement reached its statement or warehouse timeout of 1 second(s) and was canceled.');
    expect(error.hint).toMatch(/raise it or use a bigger virtual warehouse/);
    expect(Date.now() - started).toBeLessThan(5000);
    await impatient.close();
  });

  it('a stream whose statement fails raises a CdpError', async () => {
    const consume = async () => {
      for await (const _ of warehouse.stream('SELECT nosuch FROM "FAKE"."NUMBERS"')) {
        // nothing arrives
      }
    };
    await expect(consume()).rejects.toThrow(/Snowflake 002003/);
  });
});
