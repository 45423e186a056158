import type { RelationRef } from '../../warehouse/index.js';
import { connectedComponents } from '../components.js';
import type { SqlRunner } from '../runner.js';
import { boundedClusters } from './cluster.js';

export interface PairwiseAccuracy {
  precision: number;
  recall: number;
  f1: number;
  /** Pairs in the same predicted cluster and the same true cluster. */
  truePositives: number;
  predictedPairs: number;
  truePairs: number;
}

/**
 * Pairwise precision/recall/F1 after clustering: the pairs at or above `minWeight` are closed
 * transitively (connected components) or, with `minLinkShare`, clustered without chaining as the
 * build does (`boundedClusters`); then every pair of records in one predicted cluster is a
 * predicted match. `truth(rid, entity)` gives the true entity of every record.
 */
export async function clusterAccuracy(
  sql: SqlRunner,
  options: { scored: RelationRef; truth: RelationRef; minWeight: number; scratch: (name: string) => RelationRef; minLinkShare?: number },
): Promise<PairwiseAccuracy> {
  const { scored, truth, minWeight, scratch } = options;
  const edges = scratch('eval_edges');
  const labels = scratch('eval_labels');
  await sql.create(edges, `SELECT rid_l AS a, rid_r AS b, match_weight AS w FROM ${sql.rel(scored)} WHERE match_weight >= ${sql.d.literal(minWeight)}`);
  if (options.minLinkShare) {
    const bounded = scratch('eval_bounded');
    const nodes = scratch('eval_nodes');
    await sql.create(nodes, `SELECT rid AS node FROM ${sql.rel(truth)}`);
    await boundedClusters(sql, { links: edges, nodes, minLinkShare: options.minLinkShare, output: bounded, scratch: (n) => scratch(`eval_${n}`), maxRounds: 200 });
    await sql.create(labels, `SELECT node, cluster AS root FROM ${sql.rel(bounded)}`);
    await sql.drop(bounded);
    await sql.drop(nodes);
  } else {
    await connectedComponents(sql, { edges, output: labels, scratch: (n) => scratch(`eval_cc_${n}`), maxRounds: 100, label: 'the evaluation clusters' });
  }
  const pairs = (expr: string) => `SUM(CAST(${expr} AS ${sql.d.typeName('number')}) * (${expr} - 1) / 2)`;
  const clustered = `SELECT t.rid, t.entity, COALESCE(l.root, t.rid) AS cluster FROM ${sql.rel(truth)} t LEFT JOIN ${sql.rel(labels)} l ON l.node = t.rid`;
  const [row] = await sql.query<{ tp: number | null; pp: number | null; tt: number | null }>(
    `WITH c AS (${clustered})
     SELECT (SELECT ${pairs('n')} FROM (SELECT COUNT(*) AS n FROM c GROUP BY cluster, entity) x) AS tp,
            (SELECT ${pairs('n')} FROM (SELECT COUNT(*) AS n FROM c GROUP BY cluster) x) AS pp,
            (SELECT ${pairs('n')} FROM (SELECT COUNT(*) AS n FROM c GROUP BY entity) x) AS tt`,
  );
  await sql.drop(edges);
  await sql.drop(labels);
  const tp = Number(row?.tp ?? 0);
  const pp = Number(row?.pp ?? 0);
  const tt = Number(row?.tt ?? 0);
  const precision = pp > 0 ? tp / pp : 1;
  const recall = tt > 0 ? tp / tt : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, truePositives: tp, predictedPairs: pp, truePairs: tt };
}
