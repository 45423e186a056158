/**
 * The audience base's build SELECT and counts compiled over it, for BigQuery (ZetaSQL) and
 * Snowflake (sqlparser-rs + function allow-list). The demo's audiences all have `within` windows
 * (never kept in the base), so generators.test.ts checks counts over the base without event columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateAudience, type AudienceDefinition } from '../../src/audiences/index.js';
import { audienceBaseSelectSql, type EventNode } from '../../src/audiences/base.js';
import { AudienceQueryBuilder, type AudienceTables } from '../../src/audiences/compile.js';
import type { ResolvedCondition } from '../../src/audiences/resolve.js';
import { audienceTables } from '../../src/audiences/sql.js';
import { getDialect, type Dialect } from '../../src/warehouse/index.js';
import { createFixture, type Fixture } from '../integration/audiences/fixture.js';
import { BigQueryCatalog, zetaType } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const webOrder = { event: 'order_completed', count: { op: 'gte', value: 2 }, where: { property: 'channel', op: 'eq', value: 'web' } };
const DRAFTS = [
  { where: { all: [{ trait: 'country', op: 'in', value: ['US', 'CA'] }, webOrder] } },
  { where: { any: [{ event: 'page_view', count: { op: 'eq', value: 0 } }, { not: webOrder }] } },
  { where: { all: [webOrder, { event: 'order_completed', within: { days: 30 } }] } },
] as AudienceDefinition[];

function* events(node: ResolvedCondition): Generator<EventNode> {
  if (node.type === 'all' || node.type === 'any') for (const item of node.items) yield* events(item);
  else if (node.type === 'not') yield* events(node.item);
  else if (node.type === 'event') yield node;
}

describe('audience base SQL for BigQuery and Snowflake', () => {
  let f: Fixture;
  let zeta: ZetaSqlServer;
  const resolved: ResolvedCondition[] = [];
  beforeAll(async () => {
    [f, zeta] = await Promise.all([createFixture('duckdb'), ZetaSqlServer.start()]);
    for (const draft of DRAFTS) resolved.push((await validateAudience(f.project, draft)).where);
  });
  afterAll(async () => {
    zeta?.stop();
    await f?.close();
  });

  /** The base's CREATE and a count of every draft over it, in `d`; the base's event columns. */
  function statements(d: Dialect): { sql: RecordedStatement[]; columns: string[] } {
    const tables = audienceTables(f.project);
    const plain = new AudienceQueryBuilder(d, tables);
    const kept = new Map<string, EventNode>();
    for (const where of resolved) for (const node of events(where)) if (plain.eventCountColumn(node)) kept.set(plain.eventCountColumn(node)!, node);
    const relation = { schema: f.schema, name: 'audience_base' };
    const sql = d.createOrReplaceTableAs(relation, audienceBaseSelectSql(d, tables, [...kept.values()])).map((s) => ({ sql: s, via: 'execute' as const }));
    const withBase: AudienceTables = { ...tables, base: { relation, eventColumns: new Set(kept.keys()) } };
    for (const where of resolved) {
      const builder = new AudienceQueryBuilder(d, withBase);
      const predicate = builder.predicate(where);
      sql.push({ sql: `${builder.with()}SELECT COUNT(*) AS n\n${builder.from()}\nWHERE ${predicate}`, via: 'execute' });
    }
    return { sql, columns: [...kept.keys()] };
  }

  it('BigQuery: the base and counts over it resolve against the catalog', async () => {
    const d = getDialect('bigquery');
    const { sql, columns } = statements(d);
    expect(columns.length).toBe(2); // web orders, page views (the 30-day window is not kept)
    expect(sql.filter((s) => s.sql.includes('"ev_') || s.sql.includes('`ev_')).length).toBe(4);
    const catalog = new BigQueryCatalog();
    for (const name of ['profiles', 'resolved_records', 'web_events', 'app_events', 'orders']) {
      const relation = { schema: f.schema, name };
      const cols = await f.warehouse.listColumns(relation);
      catalog.addTable(f.schema, name, cols.filter((c) => c.kind !== 'other').map((c) => ({ name: c.name, type: zetaType(c.kind) })));
      if (name === 'profiles') {
        catalog.addTable(f.schema, 'audience_base', [
          ...cols.filter((c) => c.kind !== 'other').map((c) => ({ name: c.name, type: zetaType(c.kind) })),
          ...columns.map((name) => ({ name, type: 'TYPE_INT64' })),
        ]);
      }
    }
    const report = await checkBigQuery(zeta, catalog, sql);
    expect(report.checked).toBe(4);
    expect(describeFailures(report)).toEqual([]);
  });

  it('Snowflake: the base and counts over it parse and call only Snowflake functions', async () => {
    const report = await checkSnowflakeAll(statements(getDialect('snowflake')).sql);
    expect(report.checked).toBe(4);
    expect(describeFailures(report)).toEqual([]);
  });
});
