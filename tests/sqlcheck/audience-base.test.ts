/**
 * The audience base's build SELECT and counts compiled over it, for BigQuery (ZetaSQL) and
 * Snowflake (sqlparser-rs + function allow-list), without and with `within` conditions (kept as
 * lists of event times: ARRAY_AGG / UNNEST on BigQuery, ARRAY_AGG / FILTER on Snowflake). The demo's
 * audiences (all windowed) are checked over the base in generators.test.ts.
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

/** Windowed event conditions: kept as lists of event times. */
const WINDOWED = [
  { where: { event: 'order_completed', within: { days: 30 } } },
  { where: { all: [{ trait: 'country', op: 'eq', value: 'US' }, { event: 'page_view', within: { hours: 48 }, count: { op: 'lt', value: 2 } }] } },
  { where: { not: { event: 'order_completed', within: { days: 90 }, count: { op: 'between', value: [1, 3] }, where: { property: 'channel', op: 'eq', value: 'web' } } } },
] as AudienceDefinition[];

describe('audience base SQL for BigQuery and Snowflake', () => {
  let f: Fixture;
  let zeta: ZetaSqlServer;
  const resolved: ResolvedCondition[] = [];
  const windowed: ResolvedCondition[] = [];
  let windowedColumns: Set<string>;
  beforeAll(async () => {
    [f, zeta] = await Promise.all([createFixture('duckdb'), ZetaSqlServer.start()]);
    for (const draft of DRAFTS) resolved.push((await validateAudience(f.project, draft)).where);
    for (const draft of WINDOWED) windowed.push((await validateAudience(f.project, draft)).where);
    // The event columns such a base has: built on DuckDB and listed.
    const d = f.warehouse.dialect;
    const relation = { schema: f.schema, name: 'audience_base' };
    const nodes = [...resolved, ...windowed].flatMap((where) => [...events(where)]);
    for (const statement of d.createOrReplaceTableAs(relation, audienceBaseSelectSql(d, audienceTables(f.project), nodes))) await f.warehouse.execute(statement);
    windowedColumns = new Set((await f.warehouse.listColumns(relation)).map((c) => c.name).filter((name) => name.startsWith('ev_')));
    await f.warehouse.execute(d.dropRelation(relation, 'table'));
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

  /** The base with the windowed conditions kept too (lists of recent event times), and every count over it. */
  function windowedStatements(d: Dialect): RecordedStatement[] {
    const tables = audienceTables(f.project);
    const nodes = [...resolved, ...windowed].flatMap((where) => [...events(where)]);
    const relation = { schema: f.schema, name: 'audience_base' };
    const sql = d.createOrReplaceTableAs(relation, audienceBaseSelectSql(d, tables, nodes)).map((s) => ({ sql: s, via: 'execute' as const }));
    const withBase: AudienceTables = { ...tables, base: { relation, eventColumns: windowedColumns } };
    for (const where of [...resolved, ...windowed]) {
      const builder = new AudienceQueryBuilder(d, withBase);
      const predicate = builder.predicate(where);
      sql.push({ sql: `${builder.with()}SELECT COUNT(*) AS n\n${builder.from()}\nWHERE ${predicate}`, via: 'execute' });
    }
    return sql;
  }

  it('BigQuery: the base with lists of event times and within counts over it resolve (ARRAY<TIMESTAMP>, UNNEST)', async () => {
    // Web orders: a count and 90 days of times; page views: a count and 48 hours; orders: 30 days.
    expect([...windowedColumns].map((c) => c.replace(/^ev_[0-9a-f]{16}/, 'ev')).sort()).toEqual(['ev', 'ev', 'ev_2160h', 'ev_48h', 'ev_720h']);
    const sql = windowedStatements(getDialect('bigquery'));
    // Counts of windowed conditions read the lists alone.
    const counts = sql.slice(-WINDOWED.length);
    expect(counts.every((s) => s.sql.includes('UNNEST(p.`ev_') && !s.sql.includes('resolved_records'))).toBe(true);
    const catalog = new BigQueryCatalog();
    for (const name of ['profiles', 'resolved_records', 'web_events', 'app_events', 'orders']) {
      const cols = await f.warehouse.listColumns({ schema: f.schema, name });
      catalog.addTable(f.schema, name, cols.filter((c) => c.kind !== 'other').map((c) => ({ name: c.name, type: zetaType(c.kind) })));
    }
    // The CREATE is analyzed first and the catalog takes its columns (lists as ARRAY<TIMESTAMP>) for the counts.
    const report = await checkBigQuery(zeta, catalog, sql);
    expect(report.checked).toBe(sql.length);
    expect(describeFailures(report)).toEqual([]);
  });

  it('Snowflake: the base with lists of event times and within counts over it parse and call only Snowflake functions (ARRAY_AGG, FILTER)', async () => {
    const sql = windowedStatements(getDialect('snowflake'));
    expect(sql.slice(-WINDOWED.length).every((s) => /ARRAY_SIZE\(FILTER\(p\."EV_/.test(s.sql) && !/resolved_records/i.test(s.sql))).toBe(true);
    const report = await checkSnowflakeAll(sql);
    expect(report.checked).toBe(sql.length);
    expect(describeFailures(report)).toEqual([]);
  });
});
