import type { CdpConfig } from '../config/index.js';
import { consentTable, writeConsent, type ConsentPlan } from './consent/index.js';
import type { RelationRef } from '../warehouse/index.js';
import { typeNameCase } from './finalize.js';
import type { IdentityPlan } from './plan.js';
import { writeProfiles } from './profiles.js';
import { deleteMatching, type SqlRunner } from './runner.js';
import { dropSuppressedRecords, SUPPRESSED_STORED } from './suppress.js';
import type { IdentityTables } from './tables.js';

export interface SourceWatermark {
  source: string;
  relation: string;
  watermark: Date | null;
  rows: number;
}

export interface IdentityBuildRecord {
  startedAt: Date;
  configHash: string;
  mode: 'full' | 'incremental';
  profiles: number;
  identifiers: number;
  rounds: number;
  /** Previous profiles whose identifiers now belong to two or more profiles (splits.ts). */
  splits: number;
  seconds: number;
}

/**
 * Which old profile ids disappear into which new ones (scratch `merges`): computed before the
 * stored graph is replaced. A profile id disappears when its identifiers now belong to a
 * profile anchored elsewhere, which is what a merge into an older profile looks like.
 */
export async function computeMerges(sql: SqlRunner, t: IdentityTables, mode: 'full' | 'incremental', hasPrevious: boolean): Promise<number> {
  const r = (name: string) => sql.rel(t.tmp(name));
  const merges = t.tmp('merges');
  if (!hasPrevious) {
    await sql.create(merges, `SELECT profile_id AS old_profile_id, profile_id FROM ${r('new_nodes')} WHERE 1 = 0`);
    return 0;
  }
  const nodes = sql.rel(t.state('nodes'));
  const old = mode === 'full' ? nodes : `(SELECT n.node, n.profile_id FROM ${nodes} n JOIN ${r('gone')} g ON g.node = n.node)`;
  await sql.create(
    merges,
    `SELECT DISTINCT o.profile_id AS old_profile_id, n.profile_id FROM ${old} o
     JOIN ${r('new_nodes')} n ON n.node = o.node
     LEFT JOIN (SELECT DISTINCT profile_id FROM ${r('new_nodes')} WHERE profile_id IS NOT NULL) still ON still.profile_id = o.profile_id
     WHERE o.profile_id IS NOT NULL AND n.profile_id IS NOT NULL AND o.profile_id <> n.profile_id AND still.profile_id IS NULL`,
  );
  return sql.count(merges);
}

/**
 * The scratch tables the commit reads (state, outputs, bookkeeping): every other temporary table
 * is dropped before it starts (`SqlRunner.dropTemporaryExcept`), so the profiles and consent
 * statements have the engine's memory to themselves.
 */
export function commitInputs(t: IdentityTables): RelationRef[] {
  return ['stage_ids', 'occ', 'stage_rejected', 'new_records', 'dict', 'vals', 'new_nodes', 'edges', 'limited', 'gone', 'updated', 'merges', 'touched', SUPPRESSED_STORED].map((name) => t.tmp(name));
}

/**
 * Replaces the stored graph and the outputs with this build's results. Runs inside one
 * transaction (the caller's session): readers see the old graph or the new one, never a mix,
 * and a failure (say, a trait's SQL) leaves everything as it was.
 */
export async function commitBuild(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  traits: CdpConfig['profiles']['traits'],
  options: {
    mode: 'full' | 'incremental';
    watermarks: SourceWatermark[];
    run: Omit<IdentityBuildRecord, 'profiles' | 'identifiers'>;
    /** Consent sources to resolve (null: consent not configured). */
    consent?: ConsentPlan | null;
  },
): Promise<{ profiles: number; identifiers: number }> {
  // Stored records that now carry a suppressed value leave no trace (see applySuppressions).
  await dropSuppressedRecords(sql, t, options.mode);
  if (options.mode === 'full') await replaceState(sql, t);
  else await mergeState(sql, t);
  // Copied into the state now; the outputs read the state and new_nodes, gone, merges, touched.
  await sql.dropTemporaryExcept(['new_nodes', 'gone', 'merges', 'touched'].map((name) => t.tmp(name)));
  await writeOutputs(sql, plan, t, traits, options.mode, options.consent ?? null);
  const profiles = await sql.count(t.output('profiles'));
  const identifiers = await sql.count(t.output('graph'));
  await writeBookkeeping(sql, t, options.watermarks, { ...options.run, profiles, identifiers });
  return { profiles, identifiers };
}

function stateSelects(sql: SqlRunner, t: IdentityTables): Record<'occurrences' | 'rejected' | 'records' | 'dictionary' | 'nodes' | 'edges' | 'limited', string> {
  const r = (name: string) => sql.rel(t.tmp(name));
  return {
    occurrences: `SELECT source, record_key, ts, tier, node FROM ${r('stage_ids')}`,
    rejected: `SELECT source, record_key, ts, tier, id_value, reason FROM ${r('stage_rejected')}`,
    records: `SELECT source, record_key, ts, center FROM ${r('new_records')}`,
    dictionary:
      `SELECT d.node, d.tier, v.id_value, d.first_seen, d.last_seen, d.records, d.degree, d.quarantined ` +
      `FROM ${r('dict')} d JOIN ${r('vals')} v ON v.node = d.node`,
    nodes: `SELECT node, tier, comp, raw, profile_id, link_kind, link_score FROM ${r('new_nodes')}`,
    edges: `SELECT src, dst, tier, src_tier, kind, score FROM ${r('edges')}`,
    limited: `SELECT node, tier, detail FROM ${r('limited')}`,
  };
}

/** Scratch tables that already are a full build's state, column for column: renamed, not copied. */
const RENAMED: Partial<Record<keyof ReturnType<typeof stateSelects>, string>> = {
  occurrences: 'occ',
  records: 'new_records',
  nodes: 'new_nodes',
  edges: 'edges',
  limited: 'limited',
};

async function replaceState(sql: SqlRunner, t: IdentityTables): Promise<void> {
  for (const [name, select] of Object.entries(stateSelects(sql, t)) as Array<[keyof ReturnType<typeof stateSelects>, string]>) {
    const scratch = RENAMED[name];
    if (scratch) {
      // Views over the state (identity_graph, resolved_records) keep working across the swap.
      for (const statement of sql.d.replaceTableByRename(t.state(name), t.tmp(scratch).name)) await sql.exec(statement);
    } else {
      // The dialect's replace (not SqlRunner.create's drop + create): views read these tables.
      await sql.replace(t.state(name), select);
    }
  }
}

/** Incremental: delete the region's stored rows, insert its new ones. */
async function mergeState(sql: SqlRunner, t: IdentityTables): Promise<void> {
  const selects = stateSelects(sql, t);
  const r = (name: string) => sql.rel(t.tmp(name));
  const s = (name: Parameters<IdentityTables['state']>[0]) => sql.rel(t.state(name));
  const byRecord = (table: Parameters<IdentityTables['state']>[0], keys: string) => deleteMatching(sql, t.state(table), keys, ['source', 'record_key']);
  const byNode = (table: Parameters<IdentityTables['state']>[0]) => `DELETE FROM ${s(table)} WHERE node IN (SELECT node FROM ${r('gone')})`;

  await sql.exec(byRecord('occurrences', r('updated')));
  await sql.exec(`INSERT INTO ${s('occurrences')} (source, record_key, ts, tier, node) ${selects.occurrences}`);
  await sql.exec(byRecord('rejected', r('updated')));
  await sql.exec(`INSERT INTO ${s('rejected')} (source, record_key, ts, tier, id_value, reason) ${selects.rejected}`);
  await sql.exec(byRecord('records', r('new_records')));
  await sql.exec(`INSERT INTO ${s('records')} (source, record_key, ts, center) ${selects.records}`);
  await sql.exec(byNode('dictionary'));
  await sql.exec(`INSERT INTO ${s('dictionary')} (node, tier, id_value, first_seen, last_seen, records, degree, quarantined) ${selects.dictionary}`);
  await sql.exec(byNode('nodes'));
  await sql.exec(`INSERT INTO ${s('nodes')} (node, tier, comp, raw, profile_id, link_kind, link_score) ${selects.nodes}`);
  await sql.exec(`DELETE FROM ${s('edges')} WHERE src IN (SELECT node FROM ${r('gone')}) OR dst IN (SELECT node FROM ${r('gone')})`);
  await sql.exec(`INSERT INTO ${s('edges')} (src, dst, tier, src_tier, kind, score) ${selects.edges}`);
  await sql.exec(byNode('limited'));
  await sql.exec(`INSERT INTO ${s('limited')} (node, tier, detail) ${selects.limited}`);
}

/**
 * `identity_graph` and `resolved_records` are views over the state (`_identity_nodes` with
 * `_identity_dictionary`, and `_identity_records` with `_identity_nodes`): the state already holds
 * everything they show, so a build writes nothing per identifier or record for them (writing
 * their text columns again was the commit's largest cost after `profiles`). Replaced on every
 * build, cheaply, so a table left by an older version (or a changed definition) gives way.
 */
async function writeStateViews(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): Promise<void> {
  const s = (name: Parameters<IdentityTables['state']>[0]) => sql.rel(t.state(name));
  await replaceWithView(
    sql,
    t.output('graph'),
    `SELECT n.profile_id, ${typeNameCase(sql, plan, 'n.tier')} AS id_type, dc.id_value, dc.first_seen, dc.last_seen, n.link_kind, n.link_score ` +
      `FROM ${s('nodes')} n JOIN ${s('dictionary')} dc ON dc.node = n.node WHERE n.profile_id IS NOT NULL`,
  );
  // A record joined its profile the way its center (most trusted usable identifier) did: its
  // usable identifiers are linked to each other deterministically, on the record itself.
  await replaceWithView(
    sql,
    t.output('resolved'),
    `SELECT rc.source, rc.record_key, n.profile_id, n.link_kind, n.link_score FROM ${s('records')} rc LEFT JOIN ${s('nodes')} n ON n.node = rc.center`,
  );
}

async function replaceWithView(sql: SqlRunner, target: RelationRef, select: string): Promise<void> {
  for (const statement of sql.d.replaceRelationAs(target, 'view', select, await sql.relationKind(target))) await sql.exec(statement);
}

async function writeOutputs(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  traits: CdpConfig['profiles']['traits'],
  mode: 'full' | 'incremental',
  consent: ConsentPlan | null,
): Promise<void> {
  const d = sql.d;
  const s = (name: Parameters<IdentityTables['state']>[0]) => sql.rel(t.state(name));
  const str = d.typeName('string');
  const typeName = (column: string) => typeNameCase(sql, plan, column);

  await writeStateViews(sql, plan, t);

  // Consent sources change independently of identity sources: resolved in full on every build,
  // incremental or not, against the graph just stored.
  await writeConsent(sql, plan, consent, t.state('nodes'));
  const consentColumns = consent ? { table: consentTable(plan.schema), purposes: consent.purposes.map((p) => p.name) } : undefined;
  await writeProfiles(sql, plan, t, traits, { mode, consent: consentColumns });

  await sql.exec(
    `CREATE TABLE IF NOT EXISTS ${sql.rel(t.output('merges'))} (old_profile_id ${str}, profile_id ${str}, merged_at ${d.typeName('timestamp')})`,
  );
  await sql.exec(
    `INSERT INTO ${sql.rel(t.output('merges'))} (old_profile_id, profile_id, merged_at) ` +
      `SELECT old_profile_id, profile_id, ${d.currentTimestampUtc()} FROM ${sql.rel(t.tmp('merges'))}`,
  );

  await sql.replace(
    t.output('dropped'),
    `SELECT ${typeName('tier')} AS id_type, id_value, reason, CAST(NULL AS ${str}) AS detail, COUNT(*) AS records, MIN(ts) AS first_seen, MAX(ts) AS last_seen
     FROM ${s('rejected')} GROUP BY tier, id_value, reason
     UNION ALL
     SELECT ${typeName('tier')}, id_value, 'quarantine',
            ${d.literal('seen with ')} || CAST(degree AS ${str}) || ${d.literal(` values of one other id type (maxRecordsPerValue ${plan.maxRecordsPerValue})`)},
            records, first_seen, last_seen
     FROM ${s('dictionary')} WHERE quarantined
     UNION ALL
     SELECT ${typeName('l.tier')}, dc.id_value, 'limit', l.detail, dc.records, dc.first_seen, dc.last_seen
     FROM ${s('limited')} l JOIN ${s('dictionary')} dc ON dc.node = l.node`,
  );
}

async function writeBookkeeping(sql: SqlRunner, t: IdentityTables, watermarks: SourceWatermark[], run: IdentityBuildRecord): Promise<void> {
  const d = sql.d;
  const str = d.typeName('string');
  const ts = d.typeName('timestamp');
  const int = d.typeName('integer');
  const rows = watermarks.map(
    (w) =>
      `SELECT ${d.literal(w.source)} AS source, ${d.literal(w.relation)} AS relation, CAST(${d.literal(w.watermark)} AS ${ts}) AS watermark, CAST(${w.rows} AS ${int}) AS row_count`,
  );
  await sql.create(t.state('sources'), rows.join(' UNION ALL '));
  await sql.exec(
    `CREATE TABLE IF NOT EXISTS ${sql.rel(t.state('runs'))} (started_at ${ts}, finished_at ${ts}, mode ${str}, config_hash ${str}, ` +
      `profiles ${int}, identifiers ${int}, rounds ${int}, seconds ${d.typeName('number')}, splits ${int})`,
  );
  await sql.exec(
    `INSERT INTO ${sql.rel(t.state('runs'))} (started_at, finished_at, mode, config_hash, profiles, identifiers, rounds, seconds, splits) VALUES (` +
      [d.literal(run.startedAt), d.currentTimestampUtc(), d.literal(run.mode), d.literal(run.configHash), run.profiles, run.identifiers, run.rounds, run.seconds, run.splits].join(', ') +
      ')',
  );
}
