/**
 * The SQL that keeps how each identifier joined its profile (link_kind/link_score: the walk over
 * probabilistic edges in finalize) and that re-scores one probabilistic pair for `cdp identity
 * explain`, for BigQuery (ZetaSQL) and Snowflake (sqlparser-rs + function allow-list): the demo
 * config has no probabilistic section, so generators.test.ts never emits them. The columns
 * themselves (identity_graph, resolved_records, _identity_nodes) are checked there on every run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbabilisticConfig } from '../../src/config/index.js';
import { linkKinds, newNodesSelect } from '../../src/identity/finalize.js';
import type { IdentityPlan } from '../../src/identity/plan.js';
import { explainPair } from '../../src/identity/probabilistic/index.js';
import { SqlRunner } from '../../src/identity/runner.js';
import { IdentityTables } from '../../src/identity/tables.js';
import { getDialect, type Dialect, type Warehouse } from '../../src/warehouse/index.js';
import { BigQueryCatalog } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const SCHEMA = 'cdp';

const config = {
  sources: { crm: { fields: { first_name: 'first_name', surname: 'last_name', dob: 'dob', city: "city || ''" } }, orders: { fields: { first_name: 'first_name', surname: 'last_name', dob: 'dob', city: 'city' } } },
  blocking: [['surname', 'dob'], ['city']],
  comparisons: {
    first_name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
    surname: { levels: [{ exact: true }, { levenshtein: 2 }], termFrequency: false },
    dob: { levels: [{ exact: true }, { withinDays: 31 }], termFrequency: false },
    city: { levels: [{ exact: true }], termFrequency: false },
  },
  linkType: 'link_only',
} as unknown as ProbabilisticConfig;

function planFor(): IdentityPlan {
  return {
    schema: SCHEMA,
    types: [{ name: 'user_id', tier: 0 }, { name: 'email', tier: 1 }],
    sources: ['crm', 'orders'].map((name, index) => ({ index, name, relationName: `raw.${name}`, relation: { schema: 'raw', name }, key: 'id', timestamp: 'ts', ids: [] })),
    maxRounds: 10,
  } as unknown as IdentityPlan;
}

/** The statements of the link-kind walk (two levels deep) and of one pair's re-scoring, as the engine gets them. */
async function statements(d: Dialect): Promise<RecordedStatement[]> {
  const recorded: RecordedStatement[] = [];
  let nextCounts = 0;
  const warehouse = {
    dialect: d,
    execute: async (sql: string) => {
      recorded.push({ sql, via: 'execute' });
    },
    query: async (sql: string) => {
      recorded.push({ sql, via: 'query' });
      // The walk goes two levels before it finds no new component.
      if (/SELECT COUNT\(\*\) AS n FROM/.test(sql) && sql.includes('link_next')) return [{ n: nextCounts++ < 2 ? 1 : 0 }];
      return [];
    },
    relationExists: async () => true,
  } as unknown as Warehouse;
  const sql = new SqlRunner(warehouse);
  const plan = planFor();
  const t = new IdentityTables(SCHEMA);
  await linkKinds(sql, plan, t);
  recorded.push({ sql: `CREATE TABLE ${sql.rel(t.tmp('new_nodes'))} AS ${newNodesSelect(sql, t, true)}`, via: 'execute' });
  recorded.push({ sql: `CREATE TABLE ${sql.rel(t.tmp('new_nodes_det'))} AS ${newNodesSelect(sql, t, false)}`, via: 'execute' });
  const model = {
    trainedAt: new Date(),
    prior: 0.001,
    priorSource: 'em',
    levels: [{ field: 'first_name', gamma: 2, label: 'exact', m: 0.9, u: 0.01, matchWeight: 6.5 }],
  };
  await explainPair(sql, plan, t, config, model, 11n, 12n);
  // Analyzers do not know DuckDB's ANALYZE.
  return recorded.filter((s) => !/^\s*ANALYZE\b/i.test(s.sql));
}

describe('link kinds and the explained pair in SQL', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  it('BigQuery: every statement resolves against the catalog', async () => {
    const i = (name: string) => ({ name, type: 'TYPE_INT64' });
    const s = (name: string) => ({ name, type: 'TYPE_STRING' });
    const catalog = new BigQueryCatalog();
    const tmp = (name: string) => `_identity_tmp_${name}`;
    catalog.addTable(SCHEMA, tmp('comp'), [i('node'), i('tier'), i('comp')]);
    catalog.addTable(SCHEMA, tmp('det_comp'), [i('node'), i('comp')]);
    catalog.addTable(SCHEMA, tmp('anchors'), [i('comp'), i('node'), s('profile_id')]);
    catalog.addTable(SCHEMA, tmp('raw_labels'), [i('node'), i('root')]);
    catalog.addTable(SCHEMA, tmp('edges'), [i('src'), i('dst'), i('tier'), i('src_tier'), s('kind'), { name: 'score', type: 'TYPE_DOUBLE' }]);
    catalog.addTable(SCHEMA, '_identity_records', [s('source'), s('record_key'), { name: 'ts', type: 'TYPE_TIMESTAMP' }, i('center')]);
    for (const name of ['crm', 'orders']) catalog.addTable('raw', name, [s('id'), s('first_name'), s('last_name'), s('dob'), s('city'), { name: 'ts', type: 'TYPE_TIMESTAMP' }]);
    const all = await statements(getDialect('bigquery'));
    // The walk's loop body ran (insert, rename) and the pair was re-scored.
    expect(all.filter((x) => /INSERT INTO .*link_reach/.test(x.sql))).toHaveLength(2);
    expect(all.filter((x) => /RENAME TO/.test(x.sql))).toHaveLength(2);
    expect(all.filter((x) => /^WITH recs AS/.test(x.sql))).toHaveLength(1);
    const report = await checkBigQuery(zeta, catalog, all);
    expect(report.checked).toBeGreaterThanOrEqual(12);
    expect(describeFailures(report)).toEqual([]);
  });

  it('Snowflake: every statement parses and calls only Snowflake functions', async () => {
    const report = await checkSnowflakeAll(await statements(getDialect('snowflake')));
    expect(report.checked).toBeGreaterThanOrEqual(12);
    expect(describeFailures(report)).toEqual([]);
  });
});
