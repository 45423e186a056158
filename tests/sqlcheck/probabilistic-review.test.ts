/**
 * The SQL of probabilistic explain and review (docs/probabilistic.md, "Review") passes the
 * BigQuery (ZetaSQL) and Snowflake checks: review answers written to the warehouse, training on
 * them alone and next to a label field (an answer overrides the field's label), the near-threshold
 * pairs a full and an incremental build keep, the queue, a profile's pairs and one record pair
 * explained. The warehouse records statements; counts answer 1,000 so that every branch runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probabilisticSchema, type ProbabilisticConfig } from '../../src/config/index.js';
import type { IdentityPlan } from '../../src/identity/plan.js';
import { explainRecordPair } from '../../src/identity/probabilistic/explain.js';
import { runFellegiSunter } from '../../src/identity/probabilistic/index.js';
import { writeReviewedPairs, type ReviewedLabel } from '../../src/identity/probabilistic/labels.js';
import { nearThresholdPairs, profileLinkPairs, storeNearPairs } from '../../src/identity/probabilistic/review.js';
import { SqlRunner } from '../../src/identity/runner.js';
import { IdentityTables } from '../../src/identity/tables.js';
import { getDialect, type Dialect, type Warehouse } from '../../src/warehouse/index.js';
import { BigQueryCatalog } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const SCHEMA = 'cdp';
const FIELDS = ['first_name', 'surname', 'dob', 'city', 'cluster'];
const COMPARED = ['first_name', 'surname', 'dob', 'city'];

function config(labels: Record<string, string> | undefined): ProbabilisticConfig {
  const fields = Object.fromEntries(FIELDS.map((f) => [f, f]));
  return probabilisticSchema.parse({
    sources: { crm: { fields }, orders: { fields } },
    blocking: [['surname', 'dob'], ['city']],
    comparisons: {
      first_name: { levels: [{ exact: true }, { jaroWinkler: 0.9 }], termFrequency: true },
      surname: { levels: [{ exact: true }, { levenshtein: 2 }] },
      dob: { levels: [{ exact: true }, { withinDays: 31 }] },
      city: { levels: [{ exact: true }] },
    },
    train: { labels },
  });
}

const PLAN = {
  schema: SCHEMA,
  types: [{ name: 'user_id', tier: 0 }],
  sources: ['crm', 'orders'].map((name, index) => ({ index, name, relationName: `raw.${name}`, relation: { schema: 'raw', name }, key: 'id', timestamp: 'ts', ids: [] })),
  maxRounds: 10,
} as unknown as IdentityPlan;

async function* answers(): AsyncGenerator<ReviewedLabel[]> {
  yield [
    { left: { source: 'crm', recordKey: 'c1' }, right: { source: 'orders', recordKey: "o'1" }, isMatch: true },
    { left: { source: 'crm', recordKey: 'c2' }, right: { source: 'crm', recordKey: 'c3' }, isMatch: false },
  ];
}

async function statements(d: Dialect, labels: Record<string, string> | undefined, incrementalNearStored: boolean): Promise<RecordedStatement[]> {
  const recorded: RecordedStatement[] = [];
  const warehouse = {
    dialect: d,
    execute: async (sql: string) => {
      recorded.push({ sql, via: 'execute' });
    },
    query: async (sql: string) => {
      recorded.push({ sql, via: 'query' });
      return /AS n FROM/.test(sql) ? [{ n: 1000 }] : [];
    },
    relationExists: async (ref: { name: string }) => incrementalNearStored || ref.name !== '_identity_prob_near',
    listColumns: async () => ['source_l', 'record_key_l', 'source_r', 'record_key_r', 'is_match'].map((name) => ({ name, type: 'string' })),
  } as unknown as Warehouse;
  const sql = new SqlRunner(warehouse);
  const t = new IdentityTables(SCHEMA);
  const c = config(labels);
  const reviewed = await writeReviewedPairs(sql, t.tmp('prob_reviewed'), answers());
  const scratch = (name: string) => ({ schema: SCHEMA, name: `t_${name}` });
  const { scored } = await runFellegiSunter(sql, { records: { schema: SCHEMA, name: 'records' }, config: c, scratch, reviewed });
  await storeNearPairs(sql, t, c, { scored, records: { schema: SCHEMA, name: 'records' }, incremental: false });
  await storeNearPairs(sql, t, c, { scored, records: { schema: SCHEMA, name: 'records' }, incremental: true });
  await nearThresholdPairs(sql, SCHEMA, c, { band: 0.1, skip: 20, take: 21 });
  await profileLinkPairs(sql, SCHEMA, t.output('resolved'), 'p-1', 10);
  const model = { trainedAt: new Date(), prior: 0.001, priorSource: 'em', levels: [], sessions: [], curves: [] };
  await explainRecordPair(sql, PLAN, t, c, model, { source: 'crm', recordKey: 'c1' }, { source: 'orders', recordKey: 'o1' });
  return recorded.filter((s) => !/^\s*ANALYZE\b/i.test(s.sql));
}

describe('explain and review SQL', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  const cases: Array<[string, Record<string, string> | undefined, boolean]> = [
    ['review answers alone, first incremental keep', undefined, false],
    ['answers over a label field, incremental with stored near pairs', { field: 'cluster' }, true],
  ];
  for (const [name, labels, stored] of cases) {
    it(`BigQuery: every statement resolves (${name})`, async () => {
      const s = (n: string) => ({ name: n, type: 'TYPE_STRING' });
      const i = (n: string) => ({ name: n, type: 'TYPE_INT64' });
      const f = (n: string) => ({ name: n, type: 'TYPE_DOUBLE' });
      const catalog = new BigQueryCatalog();
      const tmp = (n: string) => `_identity_tmp_${n}`;
      catalog.addTable(SCHEMA, 'records', [i('rid'), s('source'), s('record_key'), ...FIELDS.map(s)]);
      catalog.addTable(SCHEMA, tmp('prob_all'), [i('rid'), s('source'), s('record_key'), ...FIELDS.map(s), i('fresh')]);
      catalog.addTable(SCHEMA, tmp('prob_new_scored'), [i('rid_l'), i('rid_r'), ...COMPARED.map((x) => i(`g_${x}`)), f('match_weight'), f('match_probability')]);
      const pairCols = [s('source_l'), s('record_key_l'), s('source_r'), s('record_key_r'), f('match_weight'), f('match_probability'), ...COMPARED.map((x) => i(`g_${x}`))];
      catalog.addTable(SCHEMA, '_identity_prob_links', [...pairCols, i('linked')]);
      if (stored) catalog.addTable(SCHEMA, '_identity_prob_near', pairCols);
      catalog.addTable(SCHEMA, 'resolved_records', [s('profile_id'), s('source'), s('record_key')]);
      catalog.addTable(SCHEMA, '_identity_records', [s('source'), s('record_key'), i('center')]);
      for (const n of ['crm', 'orders']) catalog.addTable('raw', n, [s('id'), ...FIELDS.map(s)]);
      const all = await statements(getDialect('bigquery'), labels, stored);
      // The answers were written, joined as labels (and over the field's), the near pairs kept, the queue paged.
      for (const step of [/INSERT INTO .*prob_reviewed/, /t_labelled. AS/, /_identity_prob_near. AS/, /ABS\(match_probability/, /^WITH recs AS/]) {
        expect(all.some((x) => step.test(x.sql)), String(step)).toBe(true);
      }
      if (labels) expect(all.some((x) => /t_labelled_answers/.test(x.sql))).toBe(true);
      const report = await checkBigQuery(zeta, catalog, all);
      expect(report.checked).toBeGreaterThanOrEqual(20);
      expect(describeFailures(report)).toEqual([]);
    });

    it(`Snowflake: every statement parses and calls only Snowflake functions (${name})`, async () => {
      const report = await checkSnowflakeAll(await statements(getDialect('snowflake'), labels, stored));
      expect(report.checked).toBeGreaterThanOrEqual(20);
      expect(describeFailures(report)).toEqual([]);
    });
  }
});
