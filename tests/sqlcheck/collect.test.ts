/**
 * The landing statements of the collection API (create collected_events, copy a micro-batch's
 * new messages in), for BigQuery (ZetaSQL, against a catalog with the scratch table) and
 * Snowflake (sqlparser-rs + function allow-list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableSql, EVENT_COLUMNS, insertNewSql } from '../../src/collect/index.js';
import { getDialect } from '../../src/warehouse/index.js';
import { BigQueryCatalog, zetaType } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const TARGET = { schema: 'cdp', name: 'collected_events' };
const SCRATCH = { schema: 'cdp', name: 'collected_events__landing_0a1b2c3d' };

function statements(engine: 'bigquery' | 'snowflake'): RecordedStatement[] {
  const wh = { dialect: getDialect(engine) };
  return [
    { sql: createTableSql(wh, TARGET), via: 'execute' },
    { sql: insertNewSql(wh, TARGET, SCRATCH, new Date('2026-01-02T03:04:05Z')), via: 'execute' },
  ];
}

describe('collect landing SQL', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  it('BigQuery: the statements resolve against the catalog', async () => {
    const catalog = new BigQueryCatalog();
    catalog.addTable(SCRATCH.schema, SCRATCH.name, EVENT_COLUMNS.map((c) => ({ name: c.name, type: zetaType(c.kind) })));
    const report = await checkBigQuery(zeta, catalog, statements('bigquery'));
    expect(report.checked).toBe(2);
    expect(describeFailures(report)).toEqual([]);
  });

  it('Snowflake: the statements parse and call only Snowflake functions', async () => {
    const report = await checkSnowflakeAll(statements('snowflake'));
    expect(report.checked).toBe(2);
    expect(describeFailures(report)).toEqual([]);
  });
});
