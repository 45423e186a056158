/**
 * Landing micro-batches on BigQuery (load job) and Snowflake (PUT to a stage + COPY INTO) with their official
 * clients, against the local servers that answer like the services (tests/fixtures): the table is
 * created, a replayed batch inserts nothing twice, JSON survives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lander, type CollectedEvent } from '../../../src/collect/index.js';
import { BigQueryWarehouse } from '../../../src/warehouse/adapters/bigquery.js';
import { SnowflakeWarehouse } from '../../../src/warehouse/adapters/snowflake.js';
import type { Warehouse } from '../../../src/warehouse/index.js';
import { startFakeBigQuery, type FakeBigQuery } from '../../fixtures/fake-bigquery/server.js';
import { startFakeSnowflake, type FakeSnowflake } from '../../fixtures/fake-snowflake/server.js';

function event(i: number): CollectedEvent {
  return {
    message_id: `m-${i}`,
    type: 'track',
    event: 'Order Completed',
    name: null,
    anonymous_id: `anon-${i}`,
    user_id: i % 2 ? `user-${i}` : null,
    group_id: null,
    previous_id: null,
    timestamp: '2026-01-01T12:00:00.000Z',
    sent_at: '2026-01-01T12:00:01.000Z',
    received_at: '2026-01-01T12:00:02.000Z',
    source: 'web',
    properties: { i, price: 9.5, nested: { tags: ['a', 'ü'] } },
    traits: null,
    context: { library: { name: 'test' } },
  };
}

async function landTwice(warehouse: Warehouse, schema: string, count: (sql: string) => Promise<number>): Promise<void> {
  const lander = new Lander(() => Promise.resolve(warehouse), { schema, name: 'collected_events' });
  const batch = Array.from({ length: 20 }, (_, i) => event(i));
  await lander.land(batch);
  // A replay after a crash (and a message resent in the next batch): nothing twice.
  await lander.land([...batch.slice(10), event(20), event(20)]);
  const table = warehouse.dialect.relation({ schema, name: 'collected_events' });
  expect(await count(`SELECT COUNT(*) AS n FROM ${table}`)).toBe(21);
  const [row] = await warehouse.query(`SELECT * FROM ${table} WHERE ${warehouse.dialect.quoteIdent('message_id')} = 'm-3'`);
  const properties = Object.entries(row!).find(([key]) => key.toLowerCase() === 'properties')![1];
  expect(typeof properties === 'string' ? JSON.parse(properties) : properties).toEqual(event(3).properties);
}

describe('collect landing on BigQuery', () => {
  let fake: FakeBigQuery;
  let warehouse: BigQueryWarehouse;
  beforeAll(async () => {
    fake = await startFakeBigQuery({ projectId: 'acme-analytics', location: 'EU' });
    warehouse = BigQueryWarehouse.open({ projectId: 'acme-analytics', location: 'EU', keyFilename: fake.keyFile, apiEndpoint: fake.url, timeoutSeconds: 60 });
  });
  afterAll(async () => {
    await warehouse?.close();
    await fake?.close();
  });

  it('loads with a load job, inserts each messageId once', async () => {
    await landTwice(warehouse, 'events', async (sql) => Number((await warehouse.query<{ n: unknown }>(sql))[0]!.n));
    expect(fake.requests.some((r) => r.path.startsWith('/upload/bigquery/v2/projects/acme-analytics/jobs'))).toBe(true);
  });
});

describe('collect landing on Snowflake', () => {
  let fake: FakeSnowflake;
  let warehouse: SnowflakeWarehouse;
  beforeAll(async () => {
    fake = await startFakeSnowflake({ account: 'acme-eu', user: 'cdp_loader', password: 'p@ss' });
    warehouse = SnowflakeWarehouse.open({ account: 'acme-eu', username: 'cdp_loader', password: 'p@ss', warehouse: 'TRANSFORMING', database: 'ANALYTICS', accessUrl: fake.url, timeoutSeconds: 60, poolSize: 2 });
  });
  afterAll(async () => {
    await warehouse?.close();
    await fake?.close();
  });

  it('loads through a stage (PUT + COPY INTO, never INSERT with values), inserts each messageId once', async () => {
    const before = fake.statements.length;
    await landTwice(warehouse, 'EVENTS', async (sql) => Number(Object.values((await warehouse.query(sql))[0]!)[0]));
    const sent = fake.statements.slice(before).map((s) => s.sql);
    expect(sent.some((sql) => sql.startsWith('PUT ')) && sent.some((sql) => sql.startsWith('COPY INTO'))).toBe(true);
    expect(sent.filter((sql) => /^INSERT INTO [^\n]+ VALUES/i.test(sql))).toEqual([]);
  });
});
