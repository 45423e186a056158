import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';

/**
 * Clusters that do not chain: links `(a, b, w)` (pairs at or above the threshold) are merged
 * in rounds, and two clusters A and B join only when at least `minLinkShare` of their |A|·|B|
 * record pairs are links — a chain a~b~c~d is not one cluster unless its ends link too. Each
 * round merges the pairs of clusters that are each other's best eligible partner (highest link
 * weight), so merges are a matching and the share is checked on the clusters as they are.
 * With `minLinkShare` 0 the result is the connected components of the links.
 *
 * `nodes(node)` lists every node; writes `output(node, cluster)`. Set-based: a few statements a round.
 */
export async function boundedClusters(
  sql: SqlRunner,
  options: { links: RelationRef; nodes: RelationRef; minLinkShare: number; output: RelationRef; scratch: (name: string) => RelationRef; maxRounds: number },
): Promise<{ rounds: number }> {
  const { links, output, scratch } = options;
  const d = sql.d;
  const r = (ref: RelationRef) => sql.rel(ref);
  const [cand, mutual, next] = [scratch('bc_cand'), scratch('bc_mutual'), scratch('bc_next')];
  await sql.create(output, `SELECT node, node AS cluster FROM ${r(options.nodes)}`);
  const lo = (x: string, y: string) => `CASE WHEN ${x} < ${y} THEN ${x} ELSE ${y} END`;
  const hi = (x: string, y: string) => `CASE WHEN ${x} < ${y} THEN ${y} ELSE ${x} END`;
  let rounds = 0;
  for (; rounds < options.maxRounds; rounds++) {
    // Eligible cluster pairs: enough of their record pairs are links.
    await sql.create(
      cand,
      `SELECT c.ca, c.cb, c.w FROM (
         SELECT ${lo('x.cluster', 'y.cluster')} AS ca, ${hi('x.cluster', 'y.cluster')} AS cb, COUNT(*) AS links, MAX(l.w) AS w
         FROM ${r(links)} l JOIN ${r(output)} x ON x.node = l.a JOIN ${r(output)} y ON y.node = l.b
         WHERE x.cluster <> y.cluster
         GROUP BY ${lo('x.cluster', 'y.cluster')}, ${hi('x.cluster', 'y.cluster')}) c
       JOIN (SELECT cluster, COUNT(*) AS n FROM ${r(output)} GROUP BY cluster) sa ON sa.cluster = c.ca
       JOIN (SELECT cluster, COUNT(*) AS n FROM ${r(output)} GROUP BY cluster) sb ON sb.cluster = c.cb
       WHERE CAST(c.links AS ${d.typeName('number')}) >= ${d.literal(options.minLinkShare)} * sa.n * sb.n`,
    );
    await sql.create(mutual, mutualBestSql(sql, cand));
    if ((await sql.count(mutual)) === 0) break;
    await sql.create(next, `SELECT o.node, COALESCE(m.ca, o.cluster) AS cluster FROM ${r(output)} o LEFT JOIN ${r(mutual)} m ON m.cb = o.cluster`);
    await sql.drop(output);
    await sql.rename(next, output.name);
  }
  for (const ref of [cand, mutual, next]) await sql.drop(ref);
  return { rounds };
}

/**
 * Pairs of candidate clusters `(ca, cb, w, <carry>...)` that are each other's best partner
 * (highest w, ties by ids): each cluster's best pair is ranked once, and a pair is mutual when
 * both its clusters ranked it first (it appears twice). No self-join: Postgres estimated such a
 * join on correlated keys at one row and nested-looped it (minutes on 50,000 records).
 */
export function mutualBestSql(sql: SqlRunner, cand: RelationRef, carry: string[] = []): string {
  const c = sql.rel(cand);
  const cols = ['ca', 'cb', 'w', ...carry];
  return `SELECT ca, cb, ${['w', ...carry].map((x) => `MAX(${x}) AS ${x}`).join(', ')} FROM (
     SELECT ${cols.join(', ')}, ROW_NUMBER() OVER (PARTITION BY x ORDER BY w DESC, ca, cb) AS rk
     FROM (SELECT ca AS x, ${cols.join(', ')} FROM ${c} UNION ALL SELECT cb AS x, ${cols.join(', ')} FROM ${c}) e) ranked
   WHERE rk = 1 GROUP BY ca, cb HAVING COUNT(*) = 2`;
}
