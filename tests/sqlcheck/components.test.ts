/**
 * Connected components' SQL for BigQuery (ZetaSQL) and Snowflake (sqlparser-rs + function
 * allow-list), with every branch taken: three contraction rounds (so the roots are composed back
 * across rounds), pointer jumping over two steps in the first round, the non-leaves' final
 * roots, leaves and isolated pairs.
 * The demo build (generators.test.ts) only reaches the shallow paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedComponents } from '../../src/identity/components.js';
import { SqlRunner } from '../../src/identity/runner.js';
import { getDialect, type Dialect, type Warehouse } from '../../src/warehouse/index.js';
import { BigQueryCatalog } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const ref = (name: string) => ({ schema: 'g', name });

/** Row counts the fake engine answers, so the run takes every branch. */
function countOf(sql: string, pendingSteps: { left: number }): number {
  if (/cc_roots0\W+ WHERE at_root = 0/i.test(sql)) return 5;
  if (/cc_roots\d\W+ WHERE at_root = 0/i.test(sql)) return 0;
  if (/cc_pending/i.test(sql)) return pendingSteps.left-- > 0 ? 3 : 0;
  if (/cc_edges[12]\W*$/i.test(sql)) return 7;
  if (/cc_edges3\W*$/i.test(sql)) return 0;
  return 11;
}

async function statements(d: Dialect): Promise<RecordedStatement[]> {
  const recorded: RecordedStatement[] = [];
  const pendingSteps = { left: 2 };
  const warehouse = {
    dialect: d,
    execute: async (sql: string) => {
      recorded.push({ sql, via: 'execute' });
    },
    query: async (sql: string) => {
      recorded.push({ sql, via: 'query' });
      return /^SELECT COUNT\(\*\) AS n FROM/.test(sql) ? [{ n: countOf(sql, pendingSteps) }] : [];
    },
  } as unknown as Warehouse;
  const result = await connectedComponents(new SqlRunner(warehouse), { edges: ref('edges'), output: ref('labels'), scratch: ref, maxRounds: 10 });
  expect(result.rounds).toBe(3);
  // Analyzers do not know DuckDB's ANALYZE.
  return recorded.filter((s) => !/^\s*ANALYZE\b/i.test(s.sql));
}

/** Every step ran: the node pass, the core, hooks, jumping, contraction, composition, the non-leaves' labels and the leaves'. */
function expectEveryStep(all: RecordedStatement[]): void {
  const steps = [
    /cc_nodes\W* AS/i,
    /cc_edges0\W* AS/i,
    /cc_hooks2\W* AS/i,
    /cc_roots2\W* AS/i,
    /cc_pending\W* AS/i,
    /INSERT INTO \S*cc_resolved0/i,
    /cc_edges3\W* AS/i,
    /cc_final1\W* AS/i,
    /INSERT INTO \S*labels/i,
    /labels\W* AS/i,
  ];
  for (const step of steps) {
    expect(all.some((x) => step.test(x.sql)), String(step)).toBe(true);
  }
}

describe('connected components in SQL on BigQuery and Snowflake', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  it('BigQuery: every statement resolves against the catalog', async () => {
    const catalog = new BigQueryCatalog();
    catalog.addTable('g', 'edges', [{ name: 'a', type: 'TYPE_INT64' }, { name: 'b', type: 'TYPE_INT64' }]);
    const all = await statements(getDialect('bigquery'));
    expectEveryStep(all);
    const report = await checkBigQuery(zeta, catalog, all);
    expect(report.checked).toBeGreaterThanOrEqual(30);
    expect(describeFailures(report)).toEqual([]);
  });

  it('Snowflake: every statement parses and calls only Snowflake functions', async () => {
    const all = await statements(getDialect('snowflake'));
    expectEveryStep(all);
    const report = await checkSnowflakeAll(all);
    expect(report.checked).toBeGreaterThanOrEqual(30);
    expect(describeFailures(report)).toEqual([]);
  });
});
