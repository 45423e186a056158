import { degreeByTypeSql } from './edges.js';
import type { IdentityPlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/**
 * Stage 2: the region to (re)compute, as scratch tables the later stages read:
 * - `occ(source, record_key, ts, tier, node)`: every usable occurrence of the region's records;
 * - `reg_records(source, record_key, ts)`: the region's records (with or without identifiers);
 * - `vals(node, id_value)`: the values of the region's identifiers;
 * - `fixed(...)`: figures of identifiers decided outside the region (see below);
 * - `gone(node)`: identifiers whose stored rows the region's results replace;
 * - `updated(source, record_key)`: stored records that new rows replace.
 *
 * A full build's region is everything staged. An incremental one is closed under linking: the
 * *seeds* are the identifiers of new rows and the previous identifiers of updated rows; the region
 * is every identifier of a raw component (the components before limits) holding a seed, and
 * every record carrying one of them. Resolution never crosses raw components, so recomputing
 * those in full gives what a full rebuild gives, while the rest of the graph is left alone.
 *
 * Quarantined identifiers belong to no component. Their figures come from all their records:
 * for a quarantined seed they are recomputed from its records here; if it no longer qualifies
 * (an update removed links), the identifiers it was seen with are seeds too, so the region holds
 * everything it will now link.
 *
 * With probabilistic matching, an incremental build also seeds the stored centers of the records
 * that a new or changed record matches at or above the threshold (scratch `prob_seeds`, written
 * by `scoreIncremental`); raw components already span stored probabilistic links (accepted or
 * refused), so the region holds every pair the probabilistic step can link.
 */
export async function prepareFullRegion(sql: SqlRunner, t: IdentityTables): Promise<void> {
  // Every staged record and usable identifier is in the region: the staged tables become it (renamed, not copied).
  await sql.rename(t.tmp('stage_ids'), t.tmp('occ').name);
  await sql.rename(t.tmp('stage_records'), t.tmp('reg_records').name);
  await sql.create(t.tmp('vals'), `SELECT node, MIN(id_value) AS id_value FROM ${sql.rel(t.tmp('stage_values'))} WHERE reason IS NULL GROUP BY node`);
  await createEmptyFixed(sql, t);
  await sql.create(t.tmp('gone'), `SELECT node FROM ${sql.rel(t.tmp('occ'))} WHERE 1 = 0`);
  await sql.create(t.tmp('updated'), `SELECT source, record_key FROM ${sql.rel(t.tmp('reg_records'))} WHERE 1 = 0`);
}

async function createEmptyFixed(sql: SqlRunner, t: IdentityTables): Promise<void> {
  await sql.create(
    t.tmp('fixed'),
    `SELECT node, ts AS first_seen, ts AS last_seen, CAST(0 AS ${sql.d.typeName('integer')}) AS records, CAST(0 AS ${sql.d.typeName('integer')}) AS degree, TRUE AS quarantined
     FROM ${sql.rel(t.tmp('occ'))} WHERE 1 = 0`,
  );
}

export async function prepareIncrementalRegion(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): Promise<{ seeds: number }> {
  const r = (name: string) => sql.rel(t.tmp(name));
  const s = (name: Parameters<IdentityTables['state']>[0]) => sql.rel(t.state(name));
  const sameRecord = (a: string, b: string) => `${a}.source = ${b}.source AND ${a}.record_key = ${b}.record_key`;
  const max = plan.maxRecordsPerValue;

  await sql.create(t.tmp('updated'), `SELECT n.source, n.record_key FROM ${r('stage_records')} n JOIN ${s('records')} o ON ${sameRecord('o', 'n')}`);
  // Occurrences after this run: stored ones of records not replaced, plus the new ones.
  const occPost =
    `(SELECT o.source, o.record_key, o.ts, o.tier, o.node FROM ${s('occurrences')} o LEFT JOIN ${r('updated')} u ON ${sameRecord('u', 'o')} ` +
    `WHERE u.source IS NULL UNION ALL SELECT source, record_key, ts, tier, node FROM ${r('stage_ids')})`;
  await sql.create(
    t.tmp('seeds'),
    `SELECT DISTINCT node FROM (SELECT node FROM ${r('stage_ids')} UNION ALL SELECT o.node FROM ${s('occurrences')} o JOIN ${r('updated')} u ON ${sameRecord('u', 'o')}) x`,
  );

  // Records a new/changed record matches probabilistically (scoreIncremental): their stored centers seed the region too.
  if (await sql.exists(t.tmp('prob_seeds'))) {
    await sql.exec(
      `INSERT INTO ${r('seeds')} (node) SELECT DISTINCT p.node FROM ${r('prob_seeds')} p LEFT JOIN ${r('seeds')} x ON x.node = p.node WHERE x.node IS NULL`,
    );
  }

  // Quarantined seeds: their figures over all their records (after this run).
  await sql.create(t.tmp('oldq'), `SELECT x.node FROM ${r('seeds')} x JOIN ${s('dictionary')} d ON d.node = x.node WHERE d.quarantined`);
  await sql.create(
    t.tmp('q_occ'),
    `SELECT o.* FROM ${occPost} o JOIN (SELECT DISTINCT p.source, p.record_key FROM ${occPost} p JOIN ${r('oldq')} q ON q.node = p.node) k ON ${sameRecord('k', 'o')}`,
  );
  await sql.create(
    t.tmp('q_edges'),
    `SELECT DISTINCT c.node AS src, o.node AS dst, o.tier, c.tier AS src_tier FROM ${r('q_occ')} o
     JOIN (SELECT o2.source, o2.record_key, o2.node, o2.tier FROM ${r('q_occ')} o2
           JOIN (SELECT source, record_key, MIN(tier) AS tier FROM ${r('q_occ')} GROUP BY source, record_key) m
             ON ${sameRecord('m', 'o2')} AND m.tier = o2.tier) c ON ${sameRecord('c', 'o')}
     WHERE o.node <> c.node`,
  );
  await sql.create(
    t.tmp('fixed'),
    `SELECT q.node, st.first_seen, st.last_seen, st.records, COALESCE(dg.degree, 0) AS degree, COALESCE(dg.degree, 0) > ${max} AS quarantined
     FROM ${r('oldq')} q
     JOIN (SELECT node, MIN(ts) AS first_seen, MAX(ts) AS last_seen, COUNT(*) AS records FROM ${r('q_occ')} GROUP BY node) st ON st.node = q.node
     LEFT JOIN (SELECT node, MAX(n) AS degree FROM (${degreeByTypeSql(r('q_edges'))}) e GROUP BY node) dg
       ON dg.node = q.node`,
  );
  // Released from quarantine: what they were seen with joins the seeds.
  await sql.exec(
    `INSERT INTO ${r('seeds')} (node) SELECT DISTINCT o.node FROM ${r('q_occ')} o
     JOIN (SELECT DISTINCT p.source, p.record_key FROM ${r('q_occ')} p JOIN ${r('fixed')} f ON f.node = p.node AND NOT f.quarantined) k ON ${sameRecord('k', 'o')}`,
  );

  // The region: raw components holding a seed, plus seeds not (still) quarantined.
  await sql.create(
    t.tmp('region_nodes'),
    `SELECT DISTINCT node FROM (
       SELECT n.node FROM ${s('nodes')} n JOIN (SELECT DISTINCT n2.raw FROM ${s('nodes')} n2 JOIN ${r('seeds')} x ON x.node = n2.node) w ON w.raw = n.raw
       UNION ALL
       SELECT x.node FROM ${r('seeds')} x LEFT JOIN ${r('fixed')} f ON f.node = x.node AND f.quarantined WHERE f.node IS NULL
     ) z`,
  );
  await sql.create(
    t.tmp('reg_keys'),
    `SELECT DISTINCT source, record_key FROM (
       SELECT o.source, o.record_key FROM ${occPost} o JOIN ${r('region_nodes')} g ON g.node = o.node
       UNION ALL SELECT source, record_key FROM ${r('stage_records')}
     ) z`,
  );
  await sql.create(
    t.tmp('reg_records'),
    `SELECT k.source, k.record_key, COALESCE(n.ts, o.ts) AS ts FROM ${r('reg_keys')} k
     LEFT JOIN ${r('stage_records')} n ON ${sameRecord('n', 'k')}
     LEFT JOIN ${s('records')} o ON ${sameRecord('o', 'k')}`,
  );
  await sql.create(t.tmp('occ'), `SELECT o.* FROM ${occPost} o JOIN ${r('reg_keys')} k ON ${sameRecord('k', 'o')}`);
  await sql.create(
    t.tmp('vals'),
    `SELECT node, MIN(id_value) AS id_value FROM (
       SELECT d.node, d.id_value FROM ${s('dictionary')} d JOIN (SELECT DISTINCT node FROM ${r('occ')}) x ON x.node = d.node
       UNION ALL SELECT node, id_value FROM ${r('stage_values')} WHERE reason IS NULL
     ) v GROUP BY node`,
  );
  // Quarantined identifiers the region touches but whose records did not change keep their figures.
  await sql.exec(
    `INSERT INTO ${r('fixed')} (node, first_seen, last_seen, records, degree, quarantined)
     SELECT d.node, d.first_seen, d.last_seen, d.records, d.degree, TRUE FROM ${s('dictionary')} d
     JOIN (SELECT DISTINCT node FROM ${r('occ')}) x ON x.node = d.node
     LEFT JOIN ${r('oldq')} q ON q.node = d.node
     WHERE d.quarantined AND q.node IS NULL`,
  );
  await sql.create(
    t.tmp('gone'),
    `SELECT DISTINCT node FROM (SELECT node FROM ${r('region_nodes')} UNION ALL SELECT node FROM ${r('occ')} UNION ALL SELECT node FROM ${r('seeds')}) z`,
  );
  const seeds = await sql.count(t.tmp('seeds'));
  for (const name of ['oldq', 'q_occ', 'q_edges', 'region_nodes', 'reg_keys', 'seeds']) await sql.drop(t.tmp(name));
  return { seeds };
}
