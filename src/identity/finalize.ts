import { connectedComponents } from './components.js';
import type { IdentityPlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/** `CASE tier WHEN 0 THEN 'user_id' ... END`: the id type name of a tier column. */
export function typeNameCase(sql: SqlRunner, plan: IdentityPlan, column: string): string {
  return `CASE ${column} ${plan.types.map((t) => `WHEN ${t.tier} THEN ${sql.d.literal(t.name)}`).join(' ')} END`;
}

/**
 * Stage 5: from components to profiles. Writes scratch:
 * - `new_records(source, record_key, ts, center)`;
 * - `new_nodes(node, tier, comp, raw, profile_id)`: raw = the component before limits (what an
 *   incremental run recomputes as a whole); profile_id only for components that hold a record.
 *
 * A profile's id is the first 16 hex digits of SHA-256(`id_type:value`) of its *anchor*: its
 * earliest-seen identifier (ties: the more trusted type, then the smaller surrogate). A rebuild
 * gives the same ids, every engine gives the same ids, and when two profiles merge the older
 * anchor, hence the older id, survives.
 */
export async function finalizeComponents(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): Promise<{ rawRounds: number }> {
  const r = (name: string) => sql.rel(t.tmp(name));
  const d = sql.d;
  await sql.create(
    t.tmp('new_records'),
    `SELECT g.source, g.record_key, g.ts, c.center FROM ${r('reg_records')} g
     LEFT JOIN ${r('centers')} c ON c.source = g.source AND c.record_key = g.record_key`,
  );
  // Raw components: components joined again across the links limits refused.
  await sql.create(
    t.tmp('raw_in'),
    `SELECT DISTINCT cs.comp AS a, cd.comp AS b FROM ${r('edges')} e
     JOIN ${r('comp')} cs ON cs.node = e.src JOIN ${r('comp')} cd ON cd.node = e.dst WHERE cs.comp <> cd.comp`,
  );
  const raw = await connectedComponents(sql, {
    edges: t.tmp('raw_in'),
    output: t.tmp('raw_labels'),
    scratch: (name) => t.tmp(`raw_${name}`),
    maxRounds: plan.maxRounds,
    label: 'the links refused by limits',
  });
  const anchorKey = `${typeNameCase(sql, plan, 'a.tier')} || ':' || v.id_value`;
  await sql.create(
    t.tmp('new_nodes'),
    `WITH live AS (
       SELECT DISTINCT c.comp FROM ${r('new_records')} nr JOIN ${r('comp')} c ON c.node = nr.center
     ),
     ranked AS (
       SELECT c.node, c.tier, c.comp,
              ROW_NUMBER() OVER (PARTITION BY c.comp ORDER BY CASE WHEN dc.first_seen IS NULL THEN 1 ELSE 0 END, dc.first_seen, c.tier, c.node) AS rn
       FROM ${r('comp')} c JOIN ${r('dict')} dc ON dc.node = c.node
     ),
     anchors AS (
       SELECT a.comp, SUBSTR(${d.sha256Hex(anchorKey)}, 1, 16) AS profile_id
       FROM ranked a JOIN ${r('vals')} v ON v.node = a.node JOIN live l ON l.comp = a.comp WHERE a.rn = 1
     )
     SELECT c.node, c.tier, c.comp, COALESCE(rl.root, c.comp) AS raw, an.profile_id
     FROM ${r('comp')} c
     LEFT JOIN ${r('raw_labels')} rl ON rl.node = c.comp
     LEFT JOIN anchors an ON an.comp = c.comp`,
  );
  await sql.drop(t.tmp('raw_in'));
  await sql.drop(t.tmp('raw_labels'));
  return { rawRounds: raw.rounds };
}
