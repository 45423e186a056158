import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import type { RelationRef, Warehouse } from '../warehouse/index.js';
import { FolderConfigs } from './dbt/folder-config.js';
import { mergeConfig } from './dbt/node-config.js';
import { nodeFiles } from './dbt/paths.js';
import type { Properties } from './dbt/properties.js';
import type { ModelGraph } from './graph.js';
import { parseModel, renderModel } from './model.js';
import { renderWithRoundTrips } from './round-trips.js';
import type { RenderEnv } from './render-env.js';
import type { Model } from './types.js';

/** A `{% snapshot name %}` block: an SCD type 2 history of the rows its SELECT returns. */
export interface Snapshot {
  name: string;
  file: string;
  /** The block's SELECT parsed as a model (refs, sources, config). */
  node: Model;
  relation: RelationRef;
  uniqueKey: string;
  strategy: 'timestamp' | 'check';
  updatedAt: string | null;
  checkCols: 'all' | string[];
}

const BLOCK = /\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*endsnapshot\s*-?%\}/g;

/** The snapshot blocks under the snapshot paths. Their SELECT keeps its lines (text outside the block is blanked). */
export function discoverSnapshots(project: Project, env: RenderEnv, properties: Properties, relationOf: (name: string, settings: Model['settings'], fqn: string[]) => RelationRef): Snapshot[] {
  if (!project.dbt) return [];
  const folders = new FolderConfigs(project.dbt.snapshots, project.dbt.yaml, 'snapshots');
  folders.validate();
  const out: Snapshot[] = [];
  for (const file of nodeFiles(project, project.dbt.snapshotPaths, ['.sql'])) {
    for (const match of file.text.matchAll(BLOCK)) {
      const name = match[1]!;
      const before = file.text.slice(0, match.index! + match[0].indexOf(match[2]!));
      const text = before.replace(/[^\n]/g, '') + match[2]!;
      const fqn = [...file.fqn.slice(0, -1), name];
      const base = mergeConfig(folders.configFor(fqn), properties.snapshots.get(name)?.config ?? {});
      const node = parseModel({ path: file.path, file: file.file, text }, env, { fqn, baseSettings: { ...base, materialized: 'table' } });
      const s = node.settings;
      const fail = (message: string, hint: string): never => {
        throw new CdpError('MODEL_PARSE', `snapshot ${name}: ${message}`, { location: { file: file.file, line: before.split('\n').length }, hint });
      };
      const keys = s.unique_key ?? fail('unique_key is required', "config(unique_key='id', strategy='timestamp', updated_at='updated_at')");
      if (keys.length !== 1) fail('unique_key must be one column', 'concatenate the columns in the SELECT and use that');
      const strategy = s.strategy ?? fail('strategy is required', "strategy='timestamp' with updated_at, or strategy='check' with check_cols");
      if (strategy === 'timestamp' && !s.updated_at) fail('the timestamp strategy needs updated_at', "updated_at='updated_at'");
      if (strategy === 'check' && !s.check_cols) fail('the check strategy needs check_cols', "check_cols=['status'] or 'all'");
      if (s.invalidate_hard_deletes) fail('invalidate_hard_deletes is not supported yet', 'remove it; deleted source rows keep their current version');
      const relation = s.target_schema ? { schema: s.target_schema, name: s.alias ?? name } : relationOf(name, s, fqn);
      out.push({ name, file: file.file, node: { ...node, name, relation }, relation, uniqueKey: keys[0]!, strategy, updatedAt: s.updated_at ?? null, checkCols: s.check_cols ?? 'all' });
    }
  }
  return out;
}

export interface SnapshotResult {
  snapshot: Snapshot;
  mode: 'create' | 'update';
  rows: number;
  seconds: number;
}

/**
 * One snapshot run, as dbt's: the first run copies the rows with dbt_valid_from/dbt_valid_to;
 * later runs close the current version of every changed row (dbt_valid_to) and insert its new
 * version, and insert new keys. `timestamp` compares updated_at, `check` the check_cols.
 */
export async function runSnapshot(warehouse: Warehouse, graph: ModelGraph, snapshot: Snapshot, now: Date): Promise<SnapshotResult> {
  const started = performance.now();
  const d = warehouse.dialect;
  graph.env.roundTrips?.attach(warehouse);
  const sql = (await renderWithRoundTrips(graph.env.roundTrips, () => renderModel(snapshot.node, graph.env, { dialect: d, isIncremental: false }))).trim().replace(/;+$/, '');
  const target = d.relation(snapshot.relation);
  const key = d.quoteIdent(snapshot.uniqueKey);
  const ts = `CAST(${d.literal(now.toISOString().replace('T', ' ').replace('Z', ''))} AS TIMESTAMP)`;
  const changedAt = snapshot.strategy === 'timestamp' ? `CAST(s.${d.quoteIdent(snapshot.updatedAt!)} AS TIMESTAMP)` : ts;
  const scdId = `md5(CAST(s.${key} AS ${d.typeName('string')}) || '|' || CAST(${changedAt} AS ${d.typeName('string')}))`;
  const versions = (from: string) => `SELECT s.*, ${scdId} AS dbt_scd_id, ${changedAt} AS dbt_updated_at, ${changedAt} AS dbt_valid_from, CAST(NULL AS TIMESTAMP) AS dbt_valid_to FROM ${from}`;
  await warehouse.createSchema(snapshot.relation.schema);
  const exists = await warehouse.relationExists(snapshot.relation);
  try {
    if (!exists) {
      await warehouse.transaction(async (session) => {
        for (const statement of d.createOrReplaceTableAs(snapshot.relation, versions(`(${sql}) AS s`))) await session.execute(statement);
      });
    } else {
      const columns = (await warehouse.listColumns(snapshot.relation)).map((c) => c.name).filter((c) => !c.startsWith('dbt_'));
      const checked = snapshot.checkCols === 'all' ? columns.filter((c) => c !== snapshot.uniqueKey) : snapshot.checkCols;
      const changed =
        snapshot.strategy === 'timestamp'
          ? `${changedAt} > t.dbt_updated_at`
          : `(${checked.map((c) => `s.${d.quoteIdent(c)} IS DISTINCT FROM t.${d.quoteIdent(c)}`).join(' OR ')})`;
      const all = [...columns, 'dbt_scd_id', 'dbt_updated_at', 'dbt_valid_from', 'dbt_valid_to'].map((c) => d.quoteIdent(c)).join(', ');
      await warehouse.transaction(async (session) => {
        await session.execute(`CREATE TEMPORARY TABLE cdp_snapshot_source AS ${sql}`);
        try {
          await session.execute(`UPDATE ${target} AS t SET dbt_valid_to = ${snapshot.strategy === 'timestamp' ? changedAt : ts} FROM cdp_snapshot_source AS s WHERE t.${key} = s.${key} AND t.dbt_valid_to IS NULL AND ${changed}`);
          await session.execute(`INSERT INTO ${target} (${all}) SELECT ${all} FROM (${versions('cdp_snapshot_source AS s')} WHERE NOT EXISTS (SELECT 1 FROM ${target} AS t WHERE t.${key} = s.${key} AND t.dbt_valid_to IS NULL)) AS v`);
        } finally {
          await session.execute('DROP TABLE IF EXISTS cdp_snapshot_source');
        }
      });
    }
  } catch (error) {
    throw new CdpError('MODEL_SQL', `snapshot ${snapshot.name} failed: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`, { location: { file: snapshot.file, line: snapshot.node.bodyLine }, hint: 'fix the SELECT of the snapshot; the snapshot table was left as it was', cause: error });
  }
  const [row] = await warehouse.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${target}`);
  return { snapshot, mode: exists ? 'update' : 'create', rows: Number(row?.n ?? 0), seconds: (performance.now() - started) / 1000 };
}
