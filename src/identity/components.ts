import { CdpError } from '../errors.js';
import type { RelationRef } from '../warehouse/index.js';
import type { SqlRunner } from './runner.js';

export interface ComponentsOptions {
  /** Input: a table with BIGINT columns `a`, `b` (one undirected edge a row; duplicates, loops and either orientation allowed). */
  edges: RelationRef;
  /** Output: created with columns `node`, `root` for every node of the input; `root` is one node of its component, the same for all. */
  output: RelationRef;
  /** Scratch tables are named from this. */
  scratch: (name: string) => RelationRef;
  maxRounds: number;
  /** Names the graph in the not-converged error. */
  label?: string;
}

export interface ComponentsResult {
  /** Large-star + small-star rounds run on the graph's core. */
  rounds: number;
  nodes: number;
}

/**
 * Connected components by alternating large-star and small-star (Kiveris et al., "Connected
 * Components in MapReduce and Beyond", SoCC 2014): only JOIN, GROUP BY, LEAST and UNION, so the
 * same SQL runs on every warehouse, and the number of rounds grows with log(n), not with the
 * graph's diameter (a 2,000-node chain converges in about ten rounds instead of 2,000).
 *
 * Edges are kept oriented (a > b). With m(u) = the smallest of u and its smaller neighbours:
 * - large-star replaces every edge (a, b) by (a, m(b)): larger neighbours hop to the local minimum;
 * - small-star replaces the edges of u by (u, m(u)) and (v, m(u)) for its smaller neighbours v.
 * Both keep connectivity; the fixed point is one star per component around its smallest node.
 *
 * Leaves (nodes with one neighbour), which are most identifiers in practice (a cookie seen with one
 * user id), are set aside in the pass that finds the core and take their neighbour's root at the
 * end: the rounds run on the much smaller core.
 *
 * Settled stars leave the working set: after each round, a component that is a star (every edge
 * (x, r) into its root r, each x with that one edge) can change no more, so its edges move to the
 * finished set and later rounds only touch components still changing (a chain added to a large
 * graph costs rounds over the chain, not over the graph). The round ends when nothing is left to
 * work on: the convergence check is the round's own flagging, not a rescan.
 */
export async function connectedComponents(sql: SqlRunner, options: ComponentsOptions): Promise<ComponentsResult> {
  const { edges, output, scratch } = options;
  const r = (ref: RelationRef) => sql.rel(ref);
  const degree = scratch('cc_degree');
  const annotated = scratch('cc_annotated');
  const done = scratch('cc_done');
  const next = scratch('cc_next');
  const mins = scratch('cc_min');
  const flagged = scratch('cc_flagged');
  const all = [degree, annotated, done, next, mins, flagged];

  // Duplicates need no DISTINCT pass: they can only raise a degree, which keeps a node in the core.
  const input = `(SELECT a, b FROM ${r(edges)} WHERE a <> b)`;
  await sql.create(degree, `SELECT u, COUNT(*) AS deg FROM (SELECT a AS u FROM ${input} x UNION ALL SELECT b AS u FROM ${input} y) z GROUP BY u`);
  // Each edge with the degrees of its ends: the core is what remains without leaves.
  await sql.create(
    annotated,
    `SELECT e.a, e.b, da.deg AS da, db.deg AS db FROM ${input} e JOIN ${r(degree)} da ON da.u = e.a JOIN ${r(degree)} db ON db.u = e.b`,
  );
  await sql.create(done, `SELECT a, b FROM ${r(annotated)} WHERE 1 = 0`);

  let rounds = 0;
  let current = `(SELECT GREATEST(a, b) AS a, LEAST(a, b) AS b FROM ${r(annotated)} WHERE da > 1 AND db > 1)`;
  let working = await sql.count(current);
  while (working > 0) {
    if (rounds >= options.maxRounds) {
      await dropAll(sql, all);
      throw new CdpError('IDENTITY_NOT_CONVERGED', `connected components${options.label ? ` of ${options.label}` : ''} did not converge in ${options.maxRounds} rounds`, {
        location: { path: 'identity.maxRounds' },
        hint: 'raise identity.maxRounds; a graph that needs many more than log2(nodes) rounds usually has a junk identifier linking everything (add it to identity.blocklist)',
      });
    }
    rounds++;
    // Large-star: (a, b) -> (a, m(b)), with m(u) u's smallest smaller neighbour (edges are oriented a > b).
    await sql.create(
      next,
      `SELECT DISTINCT e.a, COALESCE(m.m, e.b) AS b FROM ${current} e LEFT JOIN (SELECT a AS u, MIN(b) AS m FROM ${current} c GROUP BY a) m ON m.u = e.b`,
    );
    await sql.create(mins, `SELECT a AS u, MIN(b) AS m FROM ${r(next)} GROUP BY a`);
    // Small-star: u -> m(u), and each smaller neighbour v of u -> m(u); then each edge flagged
    // with whether its component is a settled star.
    const stars =
      `SELECT DISTINCT a, b FROM (SELECT e.b AS a, m.m AS b FROM ${r(next)} e JOIN ${r(mins)} m ON m.u = e.a WHERE e.b <> m.m ` +
      `UNION ALL SELECT u AS a, m AS b FROM ${r(mins)}) s`;
    await sql.create(flagged, settledSelect(stars));
    await sql.exec(`INSERT INTO ${r(done)} (a, b) SELECT a, b FROM ${r(flagged)} WHERE settled = 1`);
    current = `(SELECT a, b FROM ${r(flagged)} WHERE settled = 0)`;
    working = await sql.count(flagged, 'settled = 0');
  }

  // Roots of the core (settled stars: nodes pointing to a root, and the roots); every other node
  // takes the root of its neighbour, or the smaller of an isolated pair.
  const coreRoot = `(SELECT a AS node, b AS root FROM ${r(done)} UNION ALL SELECT DISTINCT b AS node, b AS root FROM ${r(done)})`;
  await sql.create(
    output,
    `WITH core_root AS ${coreRoot}
     SELECT d.u AS node, COALESCE(c.root, d.u) AS root FROM ${r(degree)} d LEFT JOIN core_root c ON c.node = d.u WHERE d.deg > 1
     UNION ALL
     SELECT x.a AS node, CASE WHEN x.db = 1 THEN LEAST(x.a, x.b) ELSE COALESCE(c.root, x.b) END AS root
     FROM ${r(annotated)} x LEFT JOIN core_root c ON c.node = x.b WHERE x.da = 1
     UNION ALL
     SELECT x.b AS node, CASE WHEN x.da = 1 THEN LEAST(x.a, x.b) ELSE COALESCE(c.root, x.a) END AS root
     FROM ${r(annotated)} x LEFT JOIN core_root c ON c.node = x.a WHERE x.db = 1`,
  );
  const nodes = await sql.count(degree);
  await dropAll(sql, all);
  return { rounds, nodes };
}

/**
 * The edges of `stars` (oriented a > b, distinct) with `settled` = 1 when their component is a
 * finished star: its root r has no edge to a smaller node, and every edge (x, r) comes from an x
 * with that one edge and no edge from a larger node. A component that is not a star always has
 * an edge into one of its roots that breaks this, so flagging by root is flagging by component.
 */
function settledSelect(stars: string): string {
  return `WITH st AS (${stars}),
     deg AS (SELECT u, SUM(o) AS outdeg, SUM(i) AS indeg FROM (SELECT a AS u, 1 AS o, 0 AS i FROM st UNION ALL SELECT b AS u, 0 AS o, 1 AS i FROM st) x GROUP BY u),
     open_roots AS (
       SELECT DISTINCT e.b AS r FROM st e JOIN deg da ON da.u = e.a JOIN deg db ON db.u = e.b
       WHERE da.outdeg <> 1 OR da.indeg <> 0 OR db.outdeg <> 0
     )
     SELECT e.a, e.b, CASE WHEN o.r IS NULL THEN 1 ELSE 0 END AS settled FROM st e LEFT JOIN open_roots o ON o.r = e.b`;
}

async function dropAll(sql: SqlRunner, tables: RelationRef[]): Promise<void> {
  for (const t of tables) await sql.drop(t);
}
