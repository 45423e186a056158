/**
 * Consent enforcement's predicates inside the planner's statements (the source inspection and the
 * plan SELECT), for BigQuery (ZetaSQL) and Snowflake (sqlparser-rs + function allow-list): the
 * demo's syncs go to destinations without consent purposes, so generators.test.ts never plans one.
 * The consent table and profile columns themselves are checked there (every `cdp run`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileAllows, statusAllows } from '../../src/privacy/enforce.js';
import { prepareSyncObject, type PlanFilter } from '../../src/syncs/index.js';
import { inspectSource, planSelectSql, type PlanInput } from '../../src/syncs/planner.js';
import { syncTables } from '../../src/syncs/tables.js';
import { getDialect, type ColumnInfo, type Dialect, type Warehouse } from '../../src/warehouse/index.js';
import { BigQueryCatalog } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const str = (name: string): ColumnInfo => ({ name, type: 'VARCHAR', kind: 'string' });
const CONSENT = { schema: 'cdp', name: 'consent' };

/** The planner's two statements over `table` with these filters, as the engine gets them. */
async function plannerStatements(d: Dialect, table: string, key: string, filters: PlanFilter[]): Promise<RecordedStatement[]> {
  const recorded: RecordedStatement[] = [];
  const warehouse = {
    dialect: d,
    query: async (sql: string) => {
      recorded.push({ sql, via: 'query' });
      return [{ total: 0, distinct_keys: 0, null_keys: 0 }];
    },
  } as unknown as Warehouse;
  // Mirror mode removes held-back rows as rows that left; add mode has its own removal of them.
  for (const mode of ['mirror', 'add'] as const) {
    const sync = prepareSyncObject({
      name: 'consent_check',
      from: { model: table },
      key,
      destination: { type: 'meta_custom_audiences', config: { audience_id: '1', access_token: { env: 'X' } } },
      mode,
      fields: { EMAIL: 'email' },
    });
    const columns = [str(key), str('email')];
    const input: PlanInput = {
      warehouse,
      sync,
      source: { from: d.relation({ schema: 'cdp', name: table }), columns, label: table },
      columns: { key: columns[0]!, fields: [{ field: 'EMAIL', column: columns[1]! }] },
      tables: syncTables('cdp', 'consent_check'),
      planId: 'p1',
      full: false,
      filters: filters.map((f) => ({ ...f, removeHeldBack: true })),
      identityFields: [],
      batchSize: 100,
    };
    await inspectSource(input);
    recorded.push({ sql: planSelectSql(input, d), via: 'query' });
  }
  return recorded;
}

function filtersFor(profileIdColumn: string): Array<[string, string, PlanFilter[]]> {
  return [
    ['audience rows, require_granted', 'profiles', [{ name: 'consent:advertising', predicate: (a, d) => statusAllows(d, `${a}.${d.quoteIdent('consent_advertising')}`, 'require_granted') }]],
    ['audience rows, allow_unknown', 'profiles', [{ name: 'consent:analytics', predicate: (a, d) => statusAllows(d, `${a}.${d.quoteIdent('consent_advertising')}`, 'allow_unknown') }]],
    ['model by profile_id, require_granted', 'leads', [{ name: 'consent:advertising', predicate: (a, d) => profileAllows(d, `${a}.${d.quoteIdent(profileIdColumn)}`, CONSENT, 'advertising', 'require_granted') }]],
    ['model by profile_id, allow_unknown', 'leads', [{ name: 'consent:analytics', predicate: (a, d) => profileAllows(d, `${a}.${d.quoteIdent(profileIdColumn)}`, CONSENT, 'analytics', 'allow_unknown') }]],
  ];
}

describe('consent filters in the planner SQL', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  it('BigQuery: every statement resolves against the catalog', async () => {
    const d = getDialect('bigquery');
    const s = (name: string) => ({ name, type: 'TYPE_STRING' });
    const failures: string[] = [];
    for (const [what, table, filters] of filtersFor('profile_id')) {
      const catalog = new BigQueryCatalog();
      catalog.addTable('cdp', 'profiles', [s('profile_id'), s('email'), s('consent_advertising')]);
      catalog.addTable('cdp', 'leads', [s('profile_id'), s('email')]);
      catalog.addTable('cdp', 'consent', [s('profile_id'), s('purpose'), s('status'), { name: 'decided_at', type: 'TYPE_TIMESTAMP' }, s('source'), s('id_type')]);
      catalog.addTable('cdp', 'sync_state_consent_check', ['sync_key', 'fields_hash', 'identity_hash', 'status', 'error', 'run_id', 'sent_values'].map(s));
      const report = await checkBigQuery(zeta, catalog, await plannerStatements(d, table, table === 'leads' ? 'email' : 'profile_id', filters));
      expect(report.checked).toBe(4);
      failures.push(...describeFailures(report).map((f) => `${what}: ${f}`));
    }
    expect(failures).toEqual([]);
  });

  it('Snowflake: every statement parses and calls only Snowflake functions', async () => {
    const d = getDialect('snowflake');
    const failures: string[] = [];
    for (const [what, table, filters] of filtersFor('PROFILE_ID')) {
      const report = await checkSnowflakeAll(await plannerStatements(d, table, table === 'leads' ? 'email' : 'profile_id', filters));
      expect(report.checked).toBe(4);
      failures.push(...describeFailures(report).map((f) => `${what}: ${f}`));
    }
    expect(failures).toEqual([]);
  });
});
