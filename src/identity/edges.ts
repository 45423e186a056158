import { recordCenterTierSql, recordNodeColumns } from './extract.js';
import type { IdentityPlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

/**
 * Stage 3: from occurrences to the edges stage.
 *
 * A record links each of its identifiers to its *center*: its most trusted usable identifier
 * (lowest tier; a record holds at most one value per id type, so the center is unique). An edge
 * (src = center, dst = other) therefore always points from a more trusted to a less trusted type,
 * and belongs to the tier of its `dst`. Distinct pairs only: a cookie on 5,000 events of one user
 * is one edge.
 *
 * The degree guard: a value seen with more than `maxRecordsPerValue` distinct values of any one
 * other id type (counted on the edges before anything is quarantined) is quarantined — a shop
 * till's email on the orders of hundreds of phones, a placeholder user id that escaped the
 * blocklist — and records are re-centred without it. Counting per type keeps a real user with
 * hundreds of cookies (but one email) linked.
 *
 * Reads scratch `occ(source, record_key, ts, tier, node)` and `fixed(node, first_seen, last_seen,
 * records, degree, quarantined)` (identifiers whose figures were decided outside the records at
 * hand, by an incremental run) and, for a full build (`wideRecords`), the staged records'
 * center and node columns (`reg_records`: the edges are read off each record, re-centred by
 * aggregation over `occ` only if something was quarantined); writes scratch
 * `edges(src, dst, tier, src_tier, kind, score)`, `dict(node, tier, first_seen, last_seen,
 * records, degree, quarantined)` and `centers(source, record_key, center, center_tier)` (a full
 * build only writes it when asked: `centers`, for the probabilistic step, or on quarantine).
 * Edges of other kinds (e.g. probabilistic matches) can be appended to `edges` before resolution
 * with their own `kind` and a `tier` after the id types' tiers.
 */
export async function buildEdges(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  options: { wideRecords: boolean; centers: boolean },
): Promise<{ quarantined: number; centersFromRecords: boolean }> {
  const occ = sql.rel(t.tmp('occ'));
  const fixed = sql.rel(t.tmp('fixed'));
  const centers = t.tmp('centers');
  const edges = t.tmp('edges');
  const degree = t.tmp('degree');
  const max = plan.maxRecordsPerValue;

  if (options.wideRecords) {
    // A full build's records carry their center and nodes (see stageSources): edges are read off
    // each row, with no join of occurrences to records.
    await sql.create(edges, wideEdgesSelect(sql, plan, sql.rel(t.tmp('reg_records'))));
    if (options.centers) {
      await sql.create(
        centers,
        `SELECT g.source, g.record_key, g.center, ${recordCenterTierSql(sql.d, plan, 'g')} AS center_tier FROM ${sql.rel(t.tmp('reg_records'))} g WHERE g.center IS NOT NULL`,
      );
    }
  } else {
    await createCenters(sql, occ, centers);
    await createEdges(sql, occ, sql.rel(centers), edges);
  }
  await sql.create(
    degree,
    `SELECT x.node, COALESCE(MAX(f.degree), MAX(x.n)) AS degree,
            COALESCE(MAX(CASE WHEN f.node IS NULL THEN NULL WHEN f.quarantined THEN 1 ELSE 0 END), CASE WHEN MAX(x.n) > ${max} THEN 1 ELSE 0 END) AS q
     FROM (${degreeByTypeSql(sql.rel(edges))} UNION ALL SELECT node, 0 AS n FROM ${fixed}) x
     LEFT JOIN ${fixed} f ON f.node = x.node GROUP BY x.node`,
  );
  const quarantined = await sql.count(degree, 'q = 1');
  if (quarantined > 0) {
    // Re-centre every record without the quarantined values (a record whose center was quarantined
    // now links its other identifiers through the next most trusted one).
    const usable = t.tmp('occ_usable');
    await sql.create(usable, `SELECT o.* FROM ${occ} o LEFT JOIN ${sql.rel(degree)} g ON g.node = o.node AND g.q = 1 WHERE g.node IS NULL`);
    await createCenters(sql, sql.rel(usable), centers);
    await createEdges(sql, sql.rel(usable), sql.rel(centers), edges);
    await sql.drop(usable);
  }
  await sql.create(
    t.tmp('dict'),
    `SELECT l.node, l.tier, COALESCE(f.first_seen, l.first_seen) AS first_seen, COALESCE(f.last_seen, l.last_seen) AS last_seen,
            COALESCE(f.records, l.records) AS records, COALESCE(g.degree, 0) AS degree, COALESCE(g.q, 0) = 1 AS quarantined
     FROM (SELECT node, tier, MIN(ts) AS first_seen, MAX(ts) AS last_seen, COUNT(*) AS records FROM ${occ} GROUP BY node, tier) l
     LEFT JOIN ${fixed} f ON f.node = l.node
     LEFT JOIN ${sql.rel(degree)} g ON g.node = l.node`,
  );
  await sql.drop(degree);
  return { quarantined, centersFromRecords: options.wideRecords && quarantined === 0 };
}

/** (node, n): for each node and each id type it links to, how many distinct values of that type. */
export function degreeByTypeSql(edges: string): string {
  return (
    `SELECT node, COUNT(*) AS n FROM (SELECT src AS node, tier AS other FROM ${edges} UNION ALL SELECT dst AS node, src_tier AS other FROM ${edges}) e ` +
    `GROUP BY node, other`
  );
}

/**
 * A full build's edges off its staged records (one row per record: center and node per id type):
 * each record links every usable node but its center to the center. The most trusted type's node
 * is always its record's center, so that type adds no edge.
 */
function wideEdgesSelect(sql: SqlRunner, plan: IdentityPlan, records: string): string {
  const d = sql.d;
  const srcTier = recordCenterTierSql(d, plan, 'g');
  const perType = recordNodeColumns(plan)
    .slice(1)
    .map(({ type, column }) => {
      const node = `g.${d.quoteIdent(column)}`;
      return `SELECT g.center AS src, ${node} AS dst, ${type.tier} AS tier, ${srcTier} AS src_tier FROM ${records} g WHERE ${node} IS NOT NULL AND ${node} <> g.center`;
    });
  const pairs = perType.length ? perType.join(' UNION ALL ') : `SELECT center AS src, center AS dst, 0 AS tier, 0 AS src_tier FROM ${records} WHERE 1 = 0`;
  return (
    `SELECT src, dst, MIN(tier) AS tier, MIN(src_tier) AS src_tier, 'deterministic' AS kind, CAST(NULL AS ${d.typeName('number')}) AS score ` +
    `FROM (${pairs}) x GROUP BY src, dst`
  );
}

async function createCenters(sql: SqlRunner, occ: string, centers: ReturnType<IdentityTables['tmp']>): Promise<void> {
  if (sql.d.firstValueAgg) {
    // One aggregation per record (a record holds one value per id type: the lowest tier is one node).
    const center = sql.d.firstValueAgg('node', [{ expr: 'tier' }]);
    await sql.create(centers, `SELECT source, record_key, ${center} AS center, MIN(tier) AS center_tier FROM ${occ} GROUP BY source, record_key`);
    return;
  }
  await sql.create(
    centers,
    `SELECT o.source, o.record_key, o.node AS center, o.tier AS center_tier FROM ${occ} o
     JOIN (SELECT source, record_key, MIN(tier) AS tier FROM ${occ} GROUP BY source, record_key) m
       ON m.source = o.source AND m.record_key = o.record_key AND m.tier = o.tier`,
  );
}

async function createEdges(sql: SqlRunner, occ: string, centers: string, edges: ReturnType<IdentityTables['tmp']>): Promise<void> {
  await sql.create(
    edges,
    `SELECT c.center AS src, o.node AS dst, MIN(o.tier) AS tier, MIN(c.center_tier) AS src_tier, 'deterministic' AS kind, CAST(NULL AS ${sql.d.typeName('number')}) AS score
     FROM ${occ} o JOIN ${centers} c ON c.source = o.source AND c.record_key = o.record_key
     WHERE o.node <> c.center GROUP BY c.center, o.node`,
  );
}
