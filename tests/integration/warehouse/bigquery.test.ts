/**
 * The BigQuery adapter with the real @google-cloud/bigquery client against a local server that
 * answers as the BigQuery REST API does (tests/fixtures/fake-bigquery).
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdpError } from '../../../src/errors.js';
import { BigQueryWarehouse } from '../../../src/warehouse/adapters/bigquery.js';
import { openWarehouse, withQueryLabels } from '../../../src/warehouse/index.js';
import { startFakeBigQuery, type FakeBigQuery } from '../../fixtures/fake-bigquery/server.js';

let fake: FakeBigQuery;
let warehouse: BigQueryWarehouse;

beforeAll(async () => {
  fake = await startFakeBigQuery({ projectId: 'acme-analytics', location: 'EU' });
  warehouse = BigQueryWarehouse.open({
    projectId: 'acme-analytics',
    location: 'EU',
    keyFilename: fake.keyFile,
    apiEndpoint: fake.url,
    labels: { team: 'Growth', 'cost-center': 'cdp' },
    timeoutSeconds: 60,
  });
  // 100,000 rows to page through.
  await fake.engine.run(`CREATE SCHEMA fake`);
  await fake.engine.run(`CREATE TABLE fake.numbers AS SELECT i AS id, 'name-' || i AS name, i % 7 = 0 AS lucky FROM range(1, 100001) t(i)`);
});

afterAll(async () => {
  await warehouse?.close();
  await fake?.close();
});

const jobInserts = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/bigquery/v2/projects/acme-analytics/jobs');

describe('authentication', () => {
  it('exchanges the key file’s refresh token at its token_url and sends the access token on every API call', async () => {
    await warehouse.query('SELECT 1 AS one');
    const tokenCalls = fake.requests.filter((r) => r.path === '/token');
    expect(tokenCalls.length).toBeGreaterThanOrEqual(1);
    expect(tokenCalls[0]!.authorization).toBe(`Basic ${Buffer.from('fake-client:fake-secret').toString('base64')}`);
    const apiCalls = fake.requests.filter((r) => r.path.startsWith('/bigquery/'));
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const call of apiCalls) expect(fake.issuedTokens).toContain(call.authorization?.replace(/^Bearer /, ''));
  });

  it('reports refused credentials as a CdpError with what to check', async () => {
    const badKey = `${fake.keyFile}.bad.json`;
    writeFileSync(badKey, JSON.stringify({ ...JSON.parse((await import('node:fs')).readFileSync(fake.keyFile, 'utf8')), refresh_token: 'revoked' }));
    const other = BigQueryWarehouse.open({ projectId: 'acme-analytics', keyFilename: badKey, apiEndpoint: fake.url });
    const error = await other.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdpError);
    expect((error as CdpError).code).toBe('WAREHOUSE');
    expect((error as CdpError).message).toMatch(/^BigQuery: .*invalid_grant/);
  });

  it('opens from a project config through openWarehouse (key file relative to the project)', async () => {
    const dir = (await import('node:path')).dirname(fake.keyFile);
    const opened = await openWarehouse({ type: 'bigquery', projectId: 'acme-analytics', keyFilename: 'credentials.json', apiEndpoint: fake.url, location: 'EU' }, dir);
    expect(opened.type).toBe('bigquery');
    expect(await opened.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);
  });
});

describe('jobs', () => {
  it('submits standard-SQL query jobs with named parameters, labels, location and a timeout', async () => {
    const before = jobInserts().length;
    const d = warehouse.dialect;
    const when = new Date('2025-03-04T05:06:07.089Z');
    const rows = await withQueryLabels({ model: 'stg_Orders', step: 'build' }, () =>
      warehouse.query(
        `SELECT ${d.param(1)} AS s, ${d.param(2)} AS i, ${d.param(3)} AS f, ${d.param(4)} AS b, ${d.param(5)} AS t, ${d.param(6)} AS big, ${d.param(7)} AS nothing, ${d.param(1)} AS again`,
        ["it's", 42, 1.5, true, when, 2n ** 62n, null],
      ),
    );
    expect(rows).toEqual([{ s: "it's", i: 42, f: 1.5, b: true, t: when, big: 2n ** 62n, nothing: null, again: "it's" }]);
    const insert = jobInserts().slice(before)[0]!;
    const body = insert.body as { configuration: Record<string, unknown> & { query: Record<string, unknown> }; jobReference: { location: string } };
    expect(body.jobReference.location).toBe('EU');
    expect(body.configuration.labels).toEqual({ team: 'growth', 'cost-center': 'cdp', model: 'stg_orders', step: 'build' });
    expect(body.configuration.jobTimeoutMs).toBe('60000');
    expect(body.configuration.query.useLegacySql).toBe(false);
    expect(body.configuration.query.parameterMode).toBe('NAMED');
    expect(body.configuration.query.queryParameters).toEqual([
      { name: 'p1', parameterType: { type: 'STRING' }, parameterValue: { value: "it's" } },
      { name: 'p2', parameterType: { type: 'INT64' }, parameterValue: { value: '42' } },
      { name: 'p3', parameterType: { type: 'FLOAT64' }, parameterValue: { value: '1.5' } },
      { name: 'p4', parameterType: { type: 'BOOL' }, parameterValue: { value: 'true' } },
      { name: 'p5', parameterType: { type: 'TIMESTAMP' }, parameterValue: { value: '2025-03-04 05:06:07.089+00:00' } },
      { name: 'p6', parameterType: { type: 'INT64' }, parameterValue: { value: '4611686018427387904' } },
      { name: 'p7', parameterType: { type: 'STRING' }, parameterValue: {} },
    ]);
  });

  it('runs DDL and DML: creates datasets, reports affected rows, lists and describes tables', async () => {
    await warehouse.createSchema('t_bq_jobs');
    await warehouse.createSchema('t_bq_jobs'); // already there: fine
    const d = warehouse.dialect;
    const people = { schema: 't_bq_jobs', name: 'people' };
    for (const sql of d.createOrReplaceTableAs(people, `SELECT CAST(id AS INT64) AS id, name FROM \`fake\`.\`numbers\` WHERE id <= 3`)) {
      expect(await warehouse.execute(sql)).toBeUndefined();
    }
    expect(await warehouse.execute(`UPDATE ${d.relation(people)} SET name = ${d.literal('x')} WHERE id >= ${d.param(1)}`, [2])).toBe(2);
    expect(await warehouse.listRelations('t_bq_jobs')).toEqual([{ schema: 't_bq_jobs', name: 'people', kind: 'table' }]);
    expect(await warehouse.listColumns(people)).toEqual([
      { name: 'id', type: 'INTEGER', kind: 'integer' },
      { name: 'name', type: 'STRING', kind: 'string' },
    ]);
    expect(await warehouse.relationExists(people)).toBe(true);
    expect(await warehouse.relationExists({ schema: 't_bq_jobs', name: 'nobody' })).toBe(false);
    expect(await warehouse.listColumns({ schema: 'no_such_dataset', name: 'x' })).toEqual([]);
    expect(await warehouse.listRelations('no_such_dataset')).toEqual([]);
    expect(await warehouse.query(`SELECT id, name FROM ${d.relation(people)} ORDER BY id`)).toEqual([
      { id: 1, name: 'name-1' },
      { id: 2, name: 'x' },
      { id: 3, name: 'x' },
    ]);
  });

  it('loads rows with a multipart-upload load job of NDJSON, replacing the table atomically', async () => {
    const target = { schema: 't_bq_load', name: 'events' };
    const columns = [
      { name: 'id', kind: 'integer' as const },
      { name: 'email', kind: 'string' as const },
      { name: 'amount', kind: 'number' as const },
      { name: 'at', kind: 'timestamp' as const },
      { name: 'ok', kind: 'boolean' as const },
    ];
    async function* batches() {
      yield [
        [1, "o'brien@example.com", 9.5, new Date('2025-01-01T10:00:00Z'), true],
        [2, null, null, null, null],
      ];
      yield [[9007199254740993n, 'big@example.com', -1, '2025-01-02T00:00:00.000Z', false]];
    }
    expect(await warehouse.loadTable(target, columns, batches())).toBe(3);
    const upload = fake.requests.filter((r) => r.path === '/upload/bigquery/v2/projects/acme-analytics/jobs');
    expect(upload.at(-1)!.query.get('uploadType')).toBe('multipart');
    expect(await warehouse.query(`SELECT * FROM ${warehouse.dialect.relation(target)} ORDER BY id`)).toEqual([
      { id: 1, email: "o'brien@example.com", amount: 9.5, at: new Date('2025-01-01T10:00:00Z'), ok: true },
      { id: 2, email: null, amount: null, at: null, ok: null },
      { id: 9007199254740993n, email: 'big@example.com', amount: -1, at: new Date('2025-01-02T00:00:00Z'), ok: false },
    ]);
    // Loading again replaces the rows (WRITE_TRUNCATE).
    expect(await warehouse.loadTable(target, columns, [[[7, 'a', 1, null, true]]])).toBe(1);
    expect(await warehouse.query(`SELECT id FROM ${warehouse.dialect.relation(target)}`)).toEqual([{ id: 7 }]);
  });

  it('dry-runs a statement for the bytes it would bill, without running it', async () => {
    fake.dryRunBytes = 123_456_789;
    const jobsBefore = fake.jobs.size;
    expect(await warehouse.dryRun('SELECT name FROM `fake`.`numbers`')).toEqual({ bytesProcessed: 123_456_789 });
    expect(fake.jobs.size).toBe(jobsBefore);
    const body = jobInserts().at(-1)!.body as { configuration: { dryRun: boolean } };
    expect(body.configuration.dryRun).toBe(true);
  });

  it('creates the Jaro-Winkler UDF on first use, once', async () => {
    const d = warehouse.dialect;
    const [row] = await warehouse.query(`SELECT ROUND(${d.jaroWinkler(d.literal('martha'), d.literal('marhta'))}, 4) AS jw`);
    expect(row).toEqual({ jw: 0.9611 });
    await warehouse.query(`SELECT ${d.jaroWinkler(d.literal('a'), d.literal('b'))} AS jw`);
    expect([...fake.functions.keys()]).toEqual(['cdp_functions.jaro_winkler']);
    expect(fake.functions.get('cdp_functions.jaro_winkler')).toMatch(/RETURNS FLOAT64 LANGUAGE js AS r"""/);
    expect(jobInserts().filter((r) => /CREATE OR REPLACE FUNCTION/.test(JSON.stringify(r.body))).length).toBe(1);
  });
});

describe('results', () => {
  it('pages a 100,000-row result with getQueryResults page tokens, one page in memory at a time', async () => {
    const before = fake.requests.length;
    let rows = 0;
    let pages = 0;
    let sum = 0;
    let lucky = 0;
    for await (const page of warehouse.stream('SELECT id, name, lucky FROM `fake`.`numbers` ORDER BY id', { batchSize: 10_000 })) {
      pages++;
      expect(page.length).toBe(10_000);
      expect(page[0]).toEqual({ id: rows + 1, name: `name-${rows + 1}`, lucky: (rows + 1) % 7 === 0 });
      rows += page.length;
      for (const row of page) {
        sum += row.id as number;
        if (row.lucky) lucky++;
      }
    }
    expect({ rows, pages, sum, lucky }).toEqual({ rows: 100_000, pages: 10, sum: 5_000_050_000, lucky: 14_285 });
    const resultCalls = fake.requests.slice(before).filter((r) => /\/queries\//.test(r.path));
    expect(resultCalls.map((r) => r.query.get('pageToken'))).toEqual([null, '10000', '20000', '30000', '40000', '50000', '60000', '70000', '80000', '90000']);
    expect(resultCalls.every((r) => r.query.get('maxResults') === '10000' && r.query.get('formatOptions.useInt64Timestamp') === 'true')).toBe(true);
  });

  it('query() reads every page', async () => {
    const rows = await warehouse.query('SELECT id FROM `fake`.`numbers` WHERE id > 95000 ORDER BY id');
    expect(rows.length).toBe(5000);
    expect(rows.at(-1)).toEqual({ id: 100_000 });
  });

  it('waits for a running job by polling getQueryResults (jobComplete=false) until it is done', async () => {
    const before = fake.requests.length;
    expect(await warehouse.query('SELECT 7 AS n /* fake:slow=700 */')).toEqual([{ n: 7 }]);
    const polls = fake.requests.slice(before).filter((r) => /\/queries\//.test(r.path));
    expect(polls.length).toBeGreaterThanOrEqual(2);
  });
});

describe('failures', () => {
  it('a query BigQuery rejects fails with its message and the statement in the hint', async () => {
    const error = (await warehouse.query('SELECT nosuch FROM `fake`.`numbers`').catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.code).toBe('WAREHOUSE');
    expect(error.message).toMatch(/^BigQuery: .*nosuch/);
    expect(error.hint).toBe('while running: SELECT nosuch FROM `fake`.`numbers`');
  });

  it('a job that fails while running is reported by getQueryResults', async () => {
    const error = (await warehouse.execute('SELECT 1 /* fake:fail-later */').catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.message).toBe('BigQuery: Division by zero: 1 / 0');
  });

  it('a job running past timeoutSeconds is cancelled and fails', async () => {
    const impatient = BigQueryWarehouse.open({ projectId: 'acme-analytics', keyFilename: fake.keyFile, apiEndpoint: fake.url, timeoutSeconds: 1 });
    const started = Date.now();
    const error = (await impatient.query('SELECT 1 /* fake:hang */').catch((e: unknown) => e)) as CdpError;
    expect(error).toBeInstanceOf(CdpError);
    expect(error.message).toMatch(/^BigQuery job [\w-]+ did not finish within 1s and was cancelled$/);
    expect(Date.now() - started).toBeLessThan(5000);
    const jobId = /job ([\w-]+) did not/.exec(error.message)![1]!;
    expect(fake.requests.some((r) => r.method === 'POST' && r.path === `/bigquery/v2/projects/acme-analytics/jobs/${jobId}/cancel`)).toBe(true);
    expect(fake.jobs.get(jobId)!.error?.reason).toBe('stopped');
  });
});
