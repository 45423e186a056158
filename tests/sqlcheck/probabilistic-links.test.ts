/**
 * The SQL that keeps how each identifier joined its profile (link_kind/link_score: the walk over
 * probabilistic edges in finalize) and that re-scores one probabilistic pair for `cdp identity
 * explain`, and an incremental build's probabilistic steps (the stored model, new pairs against
 * all records, region seeds, kept links), for BigQuery (ZetaSQL) and Snowflake (sqlparser-rs +
 * function allow-list): the demo config has no probabilistic section, so generators.test.ts never emits them. The columns
 * themselves (identity_graph, resolved_records, _identity_nodes) are checked there on every run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbabilisticConfig } from '../../src/config/index.js';
import { linkKinds, newNodesSelect, rawInputSelect } from '../../src/identity/finalize.js';
import type { IdentityPlan } from '../../src/identity/plan.js';
import { explainPair, linkProbabilistic, loadStoredParams, planFields, scoreIncremental, type ModelParams } from '../../src/identity/probabilistic/index.js';
import { prepareIncrementalRegion } from '../../src/identity/region.js';
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
  train: { recall: 1, tolerance: 1e-4 },
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
    sessions: [],
    curves: [],
  };
  await explainPair(sql, plan, t, config, model, 11n, 12n);
  // Analyzers do not know DuckDB's ANALYZE.
  return recorded.filter((s) => !/^\s*ANALYZE\b/i.test(s.sql));
}

/**
 * The statements of an incremental build's probabilistic steps: loading the stored model, scoring
 * new records against all (scoreIncremental), seeding the region, linking with the reused model
 * (kept + new pairs, kept links stored back) and the raw components' input. Tables exist once
 * created (or when they are inputs), so the branches follow what a real run would take.
 */
async function incrementalStatements(d: Dialect, inputs: string[]): Promise<RecordedStatement[]> {
  const recorded: RecordedStatement[] = [];
  let mergeCounts = 0;
  const tables = new Set(inputs);
  const warehouse = {
    dialect: d,
    execute: async (sql: string) => {
      recorded.push({ sql, via: 'execute' });
      const created = /^CREATE TABLE (?:IF NOT EXISTS )?\S*?([A-Za-z0-9_]+)\W? /.exec(sql);
      if (created) tables.add(created[1]!.toLowerCase());
      const dropped = /^DROP TABLE IF EXISTS \S*?([A-Za-z0-9_]+)\W?$/.exec(sql);
      if (dropped) tables.delete(dropped[1]!.toLowerCase());
    },
    query: async (sql: string) => {
      recorded.push({ sql, via: 'query' });
      // One merge round runs: a candidate link, a mutual best one, then nothing left.
      if (/^SELECT COUNT\(\*\) AS n FROM \S*prob_(cand|mutual)\W*$/.test(sql)) return [{ n: mergeCounts++ < 3 ? 1 : 0 }];
      return [];
    },
    relationExists: async (ref: { name: string }) => tables.has(ref.name),
  } as unknown as Warehouse;
  const sql = new SqlRunner(warehouse);
  const plan = { ...planFor(), maxRecordsPerValue: 50 } as IdentityPlan;
  const t = new IdentityTables(SCHEMA);
  const incremental = { ...config, threshold: { probability: 0.99 }, minLinkShare: 0.5 } as ProbabilisticConfig;
  await loadStoredParams(sql, SCHEMA, incremental);
  const levels = planFields(incremental).flatMap((f) => f.levels.map((l) => ({ field: f.name, gamma: l.gamma, label: l.label, m: 0.5, u: 0.1, weight: 2.3 })));
  const params: ModelParams = {
    prior: 0.001, priorSource: 'em', mSource: 'em', sessions: [], fallbackFields: [], knownMatches: 0, curves: [], blockedMatchShare: 0.1, levels, iterations: 0, converged: true, blockedPairs: 0, randomPairs: 0, records: 0, tfFields: ['first_name'],
  };
  await scoreIncremental(sql, plan, t, incremental, params);
  await prepareIncrementalRegion(sql, plan, t);
  await linkProbabilistic(sql, plan, t, incremental, { model: { ...params, trainedAt: new Date() } });
  recorded.push({ sql: `CREATE TABLE ${sql.rel(t.tmp('raw_in'))} AS ${rawInputSelect(sql, t, true)}`, via: 'execute' });
  return recorded.filter((s) => !/^\s*ANALYZE\b/i.test(s.sql));
}

const INCREMENTAL_INPUTS = [
  '_identity_tmp_stage_records', '_identity_tmp_stage_ids', '_identity_tmp_stage_values', '_identity_tmp_centers', '_identity_tmp_comp', '_identity_tmp_edges',
  '_identity_records', '_identity_occurrences', '_identity_dictionary', '_identity_nodes', '_identity_prob_params', '_identity_prob_links',
];

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
    // 11: scratch tables are replaced in one CREATE OR REPLACE each (no DROP before them).
    expect(report.checked).toBeGreaterThanOrEqual(11);
    expect(describeFailures(report)).toEqual([]);
  });

  it('BigQuery: an incremental build\'s probabilistic steps resolve against the catalog', async () => {
    const i = (name: string) => ({ name, type: 'TYPE_INT64' });
    const s = (name: string) => ({ name, type: 'TYPE_STRING' });
    const f = (name: string) => ({ name, type: 'TYPE_DOUBLE' });
    const ts = (name: string) => ({ name, type: 'TYPE_TIMESTAMP' });
    const b = (name: string) => ({ name, type: 'TYPE_BOOL' });
    const catalog = new BigQueryCatalog();
    const tmp = (name: string) => `_identity_tmp_${name}`;
    catalog.addTable(SCHEMA, tmp('stage_records'), [s('source'), s('record_key'), ts('ts')]);
    catalog.addTable(SCHEMA, tmp('stage_ids'), [s('source'), s('record_key'), ts('ts'), i('tier'), i('node')]);
    catalog.addTable(SCHEMA, tmp('stage_values'), [i('tier'), s('raw'), i('node'), s('reason'), s('id_value')]);
    catalog.addTable(SCHEMA, tmp('centers'), [s('source'), s('record_key'), i('center'), i('center_tier')]);
    catalog.addTable(SCHEMA, tmp('comp'), [i('node'), i('tier'), i('comp')]);
    catalog.addTable(SCHEMA, tmp('edges'), [i('src'), i('dst'), i('tier'), i('src_tier'), s('kind'), f('score')]);
    catalog.addTable(SCHEMA, '_identity_records', [s('source'), s('record_key'), ts('ts'), i('center')]);
    catalog.addTable(SCHEMA, '_identity_occurrences', [s('source'), s('record_key'), ts('ts'), i('tier'), i('node')]);
    catalog.addTable(SCHEMA, '_identity_dictionary', [i('node'), i('tier'), s('id_value'), ts('first_seen'), ts('last_seen'), i('records'), i('degree'), b('quarantined')]);
    catalog.addTable(SCHEMA, '_identity_nodes', [i('node'), i('tier'), i('comp'), i('raw'), s('profile_id'), s('link_kind'), f('link_score')]);
    catalog.addTable(SCHEMA, '_identity_prob_params', [ts('trained_at'), s('field'), i('gamma'), s('label'), f('m'), f('u'), f('match_weight')]);
    catalog.addTable(SCHEMA, '_identity_prob_links', [
      s('source_l'), s('record_key_l'), s('source_r'), s('record_key_r'), f('match_weight'), f('match_probability'),
      ...['first_name', 'surname', 'dob', 'city'].map((x) => i(`g_${x}`)), i('linked'),
    ]);
    for (const name of ['crm', 'orders']) catalog.addTable('raw', name, [s('id'), s('first_name'), s('last_name'), s('dob'), s('city'), ts('ts')]);
    const all = await incrementalStatements(getDialect('bigquery'), INCREMENTAL_INPUTS);
    // Every incremental step ran: new pairs, seeds, the region's insert, kept links, stored links with them, raw input.
    for (const step of [/prob_eligible. AS/, /prob_mutual. AS/, /prob_cand_next. AS/, /prob_touch_pairs. AS/, /prob_seeds. AS/, /INSERT INTO .*_identity_tmp_seeds/, /prob_kept. AS/, /_identity_prob_links. AS[\s\S]*UNION ALL/, /prob_raw/]) {
      expect(all.some((x) => step.test(x.sql)), String(step)).toBe(true);
    }
    const report = await checkBigQuery(zeta, catalog, all);
    expect(report.checked).toBeGreaterThanOrEqual(30);
    expect(describeFailures(report)).toEqual([]);
  });

  it('Snowflake: an incremental build\'s probabilistic steps parse and call only Snowflake functions', async () => {
    const report = await checkSnowflakeAll(await incrementalStatements(getDialect('snowflake'), INCREMENTAL_INPUTS));
    expect(report.checked).toBeGreaterThanOrEqual(30);
    expect(describeFailures(report)).toEqual([]);
  });
});
