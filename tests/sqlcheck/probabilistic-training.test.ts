/**
 * The training statements (every comparison level kind (word overlap included), term frequencies on exact and fuzzy levels, u sample, EM per training blocking rule, λ with m and u fixed,
 * deterministic-rule prior, labels from a field and from a pairs relation, scoring and the
 * precision/recall curves, storing the model with its sessions and curve) pass the BigQuery (ZetaSQL) and Snowflake checks. The warehouse
 * records statements; counts answer 1,000 so that every branch runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probabilisticSchema, type ProbabilisticConfig } from '../../src/config/index.js';
import { runFellegiSunter, storeModel } from '../../src/identity/probabilistic/index.js';
import { SqlRunner } from '../../src/identity/runner.js';
import { getDialect, type Dialect, type Warehouse } from '../../src/warehouse/index.js';
import { BigQueryCatalog } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const SCHEMA = 'cdp';
const FIELDS = ['first_name', 'surname', 'dob', 'city', 'address', 'cluster'];

function config(labels: Record<string, string> | undefined): ProbabilisticConfig {
  return probabilisticSchema.parse({
    sources: { crm: { fields: {} } },
    blocking: [['surname', 'dob'], ['city']],
    comparisons: {
      first_name: { levels: [{ exact: true }, { nickname: true }, { swappedWith: 'surname' }, { jaroWinkler: 0.9 }, { initial: true }], termFrequency: true },
      surname: { levels: [{ exact: true }, { levenshtein: 2 }], termFrequency: true, fuzzyTermFrequency: 0.5 },
      address: { levels: [{ exact: true }, { wordOverlap: 0.7 }, { wordOverlap: 0.5 }], termFrequency: true, fuzzyTermFrequency: 1 },
      dob: { levels: [{ exact: true }, { numericWithin: 2 }, { withinDays: 31 }] },
      city: { levels: [{ exact: true }, { prefix: 3 }] },
    },
    train: { deterministic: [['first_name', 'surname', 'dob']], labels },
  });
}

async function statements(d: Dialect, labels: Record<string, string> | undefined): Promise<RecordedStatement[]> {
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
    relationExists: async () => true,
    listColumns: async () => ['source_l', 'record_key_l', 'source_r', 'record_key_r', 'is_match'].map((name) => ({ name, type: 'string' })),
  } as unknown as Warehouse;
  const sql = new SqlRunner(warehouse);
  const { params } = await runFellegiSunter(sql, { records: { schema: SCHEMA, name: 'records' }, config: config(labels), scratch: (name) => ({ schema: SCHEMA, name: `t_${name}` }) });
  params.curves.push({ source: 'model', points: [{ weight: 3, probability: 0.89, precision: 0.9, recall: 0.8, f1: 0.85 }], suggested: null });
  await storeModel(sql, SCHEMA, params);
  return recorded.filter((s) => !/^\s*ANALYZE\b/i.test(s.sql));
}

describe('training SQL', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  const cases: Array<[string, Record<string, string> | undefined]> = [['EM per rule', undefined], ['labels field', { field: 'cluster' }], ['labels pairs', { pairs: 'raw.known_pairs' }]];
  for (const [name, labels] of cases) {
    it(`BigQuery: every statement resolves (${name})`, async () => {
      const s = (name: string) => ({ name, type: 'TYPE_STRING' });
      const catalog = new BigQueryCatalog();
      catalog.addTable(SCHEMA, 'records', [{ name: 'rid', type: 'TYPE_INT64' }, s('source'), s('record_key'), ...FIELDS.map(s)]);
      catalog.addTable('raw', 'known_pairs', [s('source_l'), s('record_key_l'), s('source_r'), s('record_key_r'), { name: 'is_match', type: 'TYPE_INT64' }]);
      const all = await statements(getDialect('bigquery'), labels);
      // EM per training rule ran once per rule (without labels); the curves were queried.
      expect(all.filter((x) => /t_rule_patterns/.test(x.sql) && /^CREATE/.test(x.sql))).toHaveLength(labels ? 0 : 2);
      expect(all.some((x) => /FLOOR\(match_weight/.test(x.sql))).toBe(true);
      // Word overlap (token sets) and fuzzy-level term frequencies are among the checked statements.
      expect(all.some((x) => /ARRAY_CONCAT\(SPLIT/.test(x.sql))).toBe(true);
      expect(all.some((x) => /GREATEST\(`tfl_surname`\.tf/.test(x.sql))).toBe(true);
      const report = await checkBigQuery(zeta, catalog, all);
      expect(report.checked).toBeGreaterThanOrEqual(15);
      expect(describeFailures(report)).toEqual([]);
    });

    it(`Snowflake: every statement parses and calls only Snowflake functions (${name})`, async () => {
      const all = await statements(getDialect('snowflake'), labels);
      expect(all.some((x) => /ARRAY_INTERSECTION\(ARRAY_DISTINCT\(SPLIT/.test(x.sql))).toBe(true);
      const report = await checkSnowflakeAll(all);
      expect(report.checked).toBeGreaterThanOrEqual(15);
      expect(describeFailures(report)).toEqual([]);
    });
  }
});
