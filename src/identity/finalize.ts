import { connectedComponents } from './components.js';
import { recordNodeColumns } from './extract.js';
import type { IdentityPlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/** `CASE tier WHEN 0 THEN 'user_id' ... END`: the id type name of a tier column. */
export function typeNameCase(sql: SqlRunner, plan: IdentityPlan, column: string): string {
  return `CASE ${column} ${plan.types.map((t) => `WHEN ${t.tier} THEN ${sql.d.literal(t.name)}`).join(' ')} END`;
}

/**
 * Stage 5: from components to profiles. Writes scratch:
 * - `new_records(source, record_key, ts, center)` (with `centersFromRecords`, a full build's staged
 *   records `reg_records` as they are, renamed without their node columns; else `reg_records`
 *   with the centers of scratch `centers`);
 * - `new_nodes(node, tier, comp, raw, profile_id, link_kind, link_score)`: raw = the component
 *   before limits (what an incremental run recomputes as a whole); profile_id only for components
 *   that hold a record; link_kind/link_score: how the identifier joined its profile (see `linkKinds`).
 *
 * A profile's id is the first 16 hex digits of SHA-256(`id_type:value`) of its *anchor*: its
 * earliest-seen identifier (ties: the more trusted type, then the smaller surrogate). A rebuild
 * gives the same ids, every engine gives the same ids, and when two profiles merge the older
 * anchor, hence the older id, survives.
 */
export async function finalizeComponents(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  options: { centersFromRecords: boolean },
): Promise<{ rawRounds: number }> {
  const r = (name: string) => sql.rel(t.tmp(name));
  if (options.centersFromRecords) {
    // A full build's staged records already are (source, record_key, ts, center) plus their node
    // columns: those are dropped (no copy of every record) and the table renamed.
    for (const { column } of recordNodeColumns(plan)) await sql.exec(`ALTER TABLE ${r('reg_records')} DROP COLUMN ${sql.q(column)}`);
    await sql.rename(t.tmp('reg_records'), t.tmp('new_records').name);
  } else {
    await sql.create(
      t.tmp('new_records'),
      `SELECT g.source, g.record_key, g.ts, c.center FROM ${r('reg_records')} g
       LEFT JOIN ${r('centers')} c ON c.source = g.source AND c.record_key = g.record_key`,
    );
  }
  // Raw components: components joined again across the links limits refused.
  await sql.create(t.tmp('raw_in'), rawInputSelect(sql, t, await sql.exists(t.tmp('prob_raw'))));
  const raw = await connectedComponents(sql, {
    edges: t.tmp('raw_in'),
    output: t.tmp('raw_labels'),
    scratch: (name) => t.tmp(`raw_${name}`),
    maxRounds: plan.maxRounds,
    label: 'the links refused by limits',
  });
  await sql.create(t.tmp('anchors'), anchorsSelect(sql, plan, t));
  const linkRounds = await linkKinds(sql, plan, t);
  await sql.create(t.tmp('new_nodes'), newNodesSelect(sql, t, linkRounds !== null));
  await sql.drop(t.tmp('anchors'));
  await sql.drop(t.tmp('link_reach'));
  await sql.drop(t.tmp('raw_in'));
  await sql.drop(t.tmp('raw_labels'));
  return { rawRounds: raw.rounds };
}

/**
 * `anchors(comp, node, profile_id)`: per component holding a record, its anchor (the earliest-seen
 * identifier; ties: the more trusted type, then the smaller surrogate) and the profile id hashed
 * from it. Only the live components are ranked; where the dialect has an ordered pick, one
 * aggregation per component instead of a window over every identifier.
 */
export function anchorsSelect(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): string {
  const r = (name: string) => sql.rel(t.tmp(name));
  const d = sql.d;
  const anchorKey = `${typeNameCase(sql, plan, 'a.tier')} || ':' || v.id_value`;
  const live = `(SELECT DISTINCT c.comp FROM ${r('new_records')} nr JOIN ${r('comp')} c ON c.node = nr.center)`;
  const members = `${r('comp')} c JOIN ${live} l ON l.comp = c.comp JOIN ${r('dict')} dc ON dc.node = c.node`;
  const order = [{ expr: 'dc.first_seen' }, { expr: 'c.tier' }, { expr: 'c.node' }];
  const picked = d.firstValueAgg
    ? `SELECT x.comp, x.node, dc.tier FROM (SELECT c.comp, ${d.firstValueAgg('c.node', order)} AS node FROM ${members} GROUP BY c.comp) x
       JOIN ${r('dict')} dc ON dc.node = x.node`
    : `SELECT comp, node, tier FROM (
         SELECT c.comp, c.node, c.tier,
                ROW_NUMBER() OVER (PARTITION BY c.comp ORDER BY CASE WHEN dc.first_seen IS NULL THEN 1 ELSE 0 END, dc.first_seen, c.tier, c.node) AS rn
         FROM ${members}) ranked WHERE rn = 1`;
  return `SELECT a.comp, a.node, SUBSTR(${d.sha256Hex(anchorKey)}, 1, 16) AS profile_id FROM (${picked}) a JOIN ${r('vals')} v ON v.node = a.node`;
}

/**
 * The raw components' input: components joined by an edge (deterministic links refused by limits,
 * accepted probabilistic links) and, with `probabilistic`, by a probabilistic link at or above the
 * threshold, accepted or refused (scratch `prob_raw(src, dst)`): what an incremental build must
 * recompute together.
 */
export function rawInputSelect(sql: SqlRunner, t: IdentityTables, probabilistic: boolean): string {
  const r = (name: string) => sql.rel(t.tmp(name));
  const links = probabilistic ? ` UNION ALL SELECT src, dst FROM ${r('prob_raw')}` : '';
  return `SELECT DISTINCT cs.comp AS a, cd.comp AS b FROM (SELECT src, dst FROM ${r('edges')}${links}) e
     JOIN ${r('comp')} cs ON cs.node = e.src JOIN ${r('comp')} cd ON cd.node = e.dst WHERE cs.comp <> cd.comp`;
}

/** `new_nodes`: the components with their raw component, profile id and link kind/score (scratch `link_reach` when `probabilistic`). */
export function newNodesSelect(sql: SqlRunner, t: IdentityTables, probabilistic: boolean): string {
  const r = (name: string) => sql.rel(t.tmp(name));
  const link = probabilistic
    ? `CASE WHEN an.profile_id IS NULL THEN NULL WHEN lk.score IS NULL THEN 'deterministic' ELSE 'probabilistic' END AS link_kind,
       CASE WHEN an.profile_id IS NULL THEN NULL ELSE lk.score END AS link_score`
    : `CASE WHEN an.profile_id IS NULL THEN NULL ELSE 'deterministic' END AS link_kind, CAST(NULL AS ${sql.d.typeName('number')}) AS link_score`;
  return `SELECT c.node, c.tier, c.comp, COALESCE(rl.root, c.comp) AS raw, an.profile_id, ${link}
     FROM ${r('comp')} c
     LEFT JOIN ${r('raw_labels')} rl ON rl.node = c.comp
     LEFT JOIN ${r('anchors')} an ON an.comp = c.comp${
       probabilistic
         ? `
     LEFT JOIN ${r('det_comp')} dk ON dk.node = c.node
     LEFT JOIN ${r('link_reach')} lk ON lk.det = dk.comp`
         : ''
     }`;
}

/**
 * How each identifier joined its profile, when probabilistic links were accepted this build
 * (scratch `det_comp(node, comp)`: the deterministic components, written by the probabilistic
 * step before it merged any). A profile is then a tree of deterministic components joined by
 * probabilistic edges. The component holding the profile's anchor is `deterministic`; every other
 * component is `probabilistic`, scored with the probability of the edge that attaches it on the
 * way to the anchor's component (the first edge of that path). Found by a breadth-first walk over
 * the component tree, one set-based statement per level, into scratch `link_reach(det, score)`
 * (score NULL for the anchor's component). Returns the walk's rounds, or null without
 * probabilistic links.
 */
export async function linkKinds(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): Promise<number | null> {
  const r = (name: string) => sql.rel(t.tmp(name));
  if (!(await sql.exists(t.tmp('det_comp')))) return null;
  const dbl = sql.d.typeName('number');
  // Probabilistic edges between deterministic components, both directions.
  await sql.create(
    t.tmp('link_pe'),
    `SELECT ds.comp AS a, dd.comp AS b, e.score AS w FROM ${r('edges')} e
     JOIN ${r('det_comp')} ds ON ds.node = e.src JOIN ${r('det_comp')} dd ON dd.node = e.dst
     WHERE e.kind = 'probabilistic' AND ds.comp <> dd.comp
     UNION ALL
     SELECT dd.comp, ds.comp, e.score FROM ${r('edges')} e
     JOIN ${r('det_comp')} ds ON ds.node = e.src JOIN ${r('det_comp')} dd ON dd.node = e.dst
     WHERE e.kind = 'probabilistic' AND ds.comp <> dd.comp`,
  );
  await sql.create(
    t.tmp('link_reach'),
    `SELECT DISTINCT dk.comp AS det, CAST(NULL AS ${dbl}) AS score FROM ${r('anchors')} an JOIN ${r('det_comp')} dk ON dk.node = an.node`,
  );
  await sql.create(t.tmp('link_front'), `SELECT det FROM ${r('link_reach')}`);
  let rounds = 0;
  for (; rounds < Math.max(plan.maxRounds, 1); rounds++) {
    // The next level: components one probabilistic edge away from the frontier, not reached yet.
    await sql.create(
      t.tmp('link_next'),
      `SELECT p.b AS det, MAX(p.w) AS score FROM ${r('link_pe')} p
       JOIN ${r('link_front')} f ON f.det = p.a
       LEFT JOIN ${r('link_reach')} x ON x.det = p.b
       WHERE x.det IS NULL GROUP BY p.b`,
    );
    if ((await sql.count(t.tmp('link_next'))) === 0) break;
    await sql.exec(`INSERT INTO ${r('link_reach')} (det, score) SELECT det, score FROM ${r('link_next')}`);
    await sql.drop(t.tmp('link_front'));
    await sql.rename(t.tmp('link_next'), t.tmp('link_front').name);
  }
  for (const name of ['link_pe', 'link_front', 'link_next']) await sql.drop(t.tmp(name));
  return rounds;
}
