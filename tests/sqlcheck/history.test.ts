/**
 * The dashboards' warehouse queries (identity builds with merges and splits, records per source
 * per day), the identity build's split count and its column, the row debugger's (errors by reason,
 * a row's delivered values, payload pruning), the fold of a sync's results into its state and log, and the demo's identity backfill, for BigQuery (ZetaSQL against a catalog of the tables they read) and Snowflake
 * (sqlparser-rs + function allow-list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillSql } from '../../src/demo/history.js';
import { splitsColumnSql, splitsSql } from '../../src/identity/splits.js';
import { IdentityTables } from '../../src/identity/tables.js';
import { identityBuildsSql, sourceDaysSql } from '../../src/server/services/history.js';
import { deliveredSql, errorGroupsSql } from '../../src/server/services/row-debugger.js';
import { syncTables } from '../../src/syncs/index.js';
import { payloadColumnSql, payloadRunsSql, prunePayloadsSql } from '../../src/syncs/payloads.js';
import { FoldSql } from '../../src/syncs/state.js';
import { getDialect, type ColumnKind } from '../../src/warehouse/index.js';
import { BigQueryCatalog, zetaType } from './bigquery-catalog.js';
import { checkBigQuery, checkSnowflakeAll, describeFailures } from './check.js';
import type { RecordedStatement } from './recording-warehouse.js';
import { ZetaSqlServer } from './zetasql.js';

const t = new IdentityTables('cdp');
const sync = syncTables('cdp', 'vip_to_hook');

/** A fold of a seq range of a plan with removals, with failed rows and without. */
function foldStatements(engine: 'bigquery' | 'snowflake'): string[] {
  const d = getDialect(engine);
  const fold = (failures: boolean) =>
    new FoldSql(d, sync, { planId: 'plan-1', runId: 'run-1', at: new Date('2026-01-02T03:04:05.006Z'), window: 'p.seq > 10 AND p.seq <= 500', failures, removals: true });
  const [failed, clean] = [fold(true), fold(false)];
  return [failed.logInsert(), failed.stateDelete(), failed.scratchCreate(), failed.stateInsert(true, true), clean.logInsert(), clean.stateInsert(true, true)];
}

function statements(engine: 'bigquery' | 'snowflake'): RecordedStatement[] {
  const d = getDialect(engine);
  return [
    ...foldStatements(engine),
    identityBuildsSql(d, t, { merges: true, splits: true }, 60),
    splitsSql(d, t, 'full'),
    splitsSql(d, t, 'incremental'),
    prunePayloadsSql(d, sync.log, 10),
    prunePayloadsSql(d, sync.log, 0),
    payloadRunsSql(d, sync.log),
    prunePayloadsSql(d, sync.log, 10, new Date('2026-01-02T03:04:05.006Z')),
    prunePayloadsSql(d, sync.log, 0, new Date('2026-01-02T03:04:05.006Z')),
    sourceDaysSql(d, t.state('records'), 90),
    errorGroupsSql(d, sync.log, 50),
    deliveredSql(d, sync.state),
    backfillSql(d, t, [new Date('2026-01-01T23:59:59.999Z'), new Date('2026-01-02T23:59:59.999Z')], 'abc123'),
  ].map((sql) => ({ sql, via: 'query' as const }));
}

/** The columns added to tables written before splits and payloads were kept. */
function upgrades(engine: 'bigquery' | 'snowflake'): RecordedStatement[] {
  const d = getDialect(engine);
  return [splitsColumnSql(d, t.state('runs')), payloadColumnSql(d, sync.log)].map((sql) => ({ sql, via: 'execute' as const }));
}

const ADDED = new Set(['splits', 'values_json']);

const TABLES: Array<[string, Array<[string, ColumnKind]>]> = [
  [t.state('runs').name, [['started_at', 'timestamp'], ['finished_at', 'timestamp'], ['mode', 'string'], ['config_hash', 'string'], ['profiles', 'integer'], ['identifiers', 'integer'], ['rounds', 'integer'], ['seconds', 'number'], ['splits', 'integer']]],
  [t.state('nodes').name, [['node', 'integer'], ['tier', 'integer'], ['comp', 'integer'], ['raw', 'integer'], ['profile_id', 'string']]],
  [t.tmp('new_nodes').name, [['node', 'integer'], ['tier', 'integer'], ['comp', 'integer'], ['raw', 'integer'], ['profile_id', 'string']]],
  [t.tmp('gone').name, [['node', 'integer']]],
  [t.output('merges').name, [['old_profile_id', 'string'], ['profile_id', 'string'], ['merged_at', 'timestamp']]],
  [t.state('records').name, [['source', 'string'], ['record_key', 'string'], ['ts', 'timestamp'], ['center', 'integer']]],
  [t.output('resolved').name, [['source', 'string'], ['record_key', 'string'], ['profile_id', 'string']]],
  [t.output('graph').name, [['profile_id', 'string'], ['id_type', 'string'], ['id_value', 'string'], ['first_seen', 'timestamp'], ['last_seen', 'timestamp']]],
  [sync.log.name, [['plan_id', 'string'], ['run_id', 'string'], ['seq', 'integer'], ['sync_key', 'string'], ['op', 'string'], ['status', 'string'], ['error', 'string'], ['attempted_at', 'timestamp'], ['values_json', 'string']]],
  [sync.state.name, [['sync_key', 'string'], ['fields_hash', 'string'], ['identity_hash', 'string'], ['status', 'string'], ['last_attempt_at', 'timestamp'], ['error', 'string'], ['run_id', 'string'], ['sent_values', 'string']]],
  [sync.folding.name, [['sync_key', 'string'], ['fields_hash', 'string'], ['identity_hash', 'string'], ['status', 'string'], ['last_attempt_at', 'timestamp'], ['error', 'string'], ['run_id', 'string'], ['sent_values', 'string']]],
  [sync.plan.name, [['plan_id', 'string'], ['seq', 'integer'], ['op', 'string'], ['reason', 'string'], ['sync_key', 'string'], ['fields_hash', 'string'], ['identity_hash', 'string'], ['values_json', 'string'], ['reject_reason', 'string']]],
  [sync.results.name, [['seq', 'integer'], ['status', 'string'], ['error', 'string']]],
];

describe('dashboards and row debugger SQL', () => {
  let zeta: ZetaSqlServer;
  beforeAll(async () => {
    zeta = await ZetaSqlServer.start();
  });
  afterAll(() => zeta?.stop());

  it('BigQuery: the statements resolve against the catalog', async () => {
    const catalog = new BigQueryCatalog();
    for (const [name, columns] of TABLES) catalog.addTable('cdp', name, columns.map(([column, kind]) => ({ name: column, type: zetaType(kind) })));
    const report = await checkBigQuery(zeta, catalog, statements('bigquery'));
    expect(report.checked).toBe(18);
    expect(describeFailures(report)).toEqual([]);
    const older = new BigQueryCatalog();
    for (const [name, columns] of TABLES) older.addTable('cdp', name, columns.filter(([column]) => !ADDED.has(column)).map(([column, kind]) => ({ name: column, type: zetaType(kind) })));
    const upgraded = await checkBigQuery(zeta, older, upgrades('bigquery'));
    expect(upgraded.checked).toBe(2);
    expect(describeFailures(upgraded)).toEqual([]);
  });

  it('Snowflake: the statements parse and call only Snowflake functions', async () => {
    const report = await checkSnowflakeAll([...statements('snowflake'), ...upgrades('snowflake')]);
    expect(report.checked).toBe(20);
    expect(describeFailures(report)).toEqual([]);
  });
});
