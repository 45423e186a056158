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
  /** Contraction rounds run on the graph's core (0 when it has none). */
  rounds: number;
  nodes: number;
}

/**
 * Connected components by hooking and contraction, in set-based SQL (only JOIN, GROUP BY, LEAST,
 * GREATEST and UNION ALL: the same statements run on every warehouse).
 *
 * 1. One pass over both orientations of the edges gives every node its degree and smallest
 *    neighbour. Nodes with one neighbour (leaves: most cookies in practice) take that neighbour's
 *    root at the end (two leaves linked to each other are an isolated pair: the smaller is the
 *    root), so only the core, edges between two non-leaves, goes through the rounds.
 * 2. A round hooks every node of the working graph to its smallest neighbour (or itself, when it is
 *    smaller), follows those pointers to their roots (pointer jumping: a pointer doubles its reach
 *    each step, so a deep tree takes log(depth) steps, and only pointers not yet at a root are
 *    worked on), then contracts: every edge is replaced by the edge between its ends' roots, and
 *    edges inside one root vanish. A component that is down to one node has no edge left, so it
 *    leaves the working graph by itself: the round's own output is the convergence check, and a
 *    chain added to a large graph costs rounds over the chain only.
 * 3. Each round's roots map its nodes to the next round's nodes; composed from the last round
 *    back, they give every core node its root, and every leaf takes its neighbour's.
 *
 * Every component with an edge loses at least its largest node per round, and the working graph
 * usually shrinks by a large factor (a chain of n randomly numbered nodes to about a third, stars
 * to nothing); a chain numbered in order is one tree after one hook, resolved by jumping.
 */
export async function connectedComponents(sql: SqlRunner, options: ComponentsOptions): Promise<ComponentsResult> {
  const scratch = new Scratch(sql, options.scratch);
  try {
    const nodes = scratch.table('cc_nodes');
    await sql.create(nodes, nodesSelect(sql, options.edges));
    let working = scratch.table('cc_edges0');
    await sql.create(working, coreEdgesSelect(sql, options.edges, nodes));
    const roots: string[] = [];
    // The first round also hooks every non-leaf without a core edge to itself: then every
    // non-leaf gets a root, and a leaf whose neighbour has none is one of an isolated pair.
    let selfHooked: string | null = `SELECT u FROM ${sql.rel(nodes)} WHERE deg > 1`;
    let more = (await sql.count(nodes, 'deg > 1')) > 0;
    while (more) {
      if (roots.length >= options.maxRounds) throw notConverged(options);
      const round = roots.length;
      roots.push(await hookAndJump(sql, scratch, working, selfHooked, round));
      selfHooked = null;
      const contracted = scratch.table(`cc_edges${round + 1}`);
      await sql.create(contracted, contractSelect(sql, working, roots[round]!));
      await scratch.drop(working);
      working = contracted;
      more = (await sql.count(working)) > 0;
    }
    await sql.create(options.output, labelsSelect(sql, nodes, await composeRoots(sql, scratch, roots)));
    return { rounds: roots.length, nodes: await sql.count(nodes) };
  } finally {
    await scratch.dropAll();
  }
}

/** Every node of the input with its degree and its smallest neighbour (loops ignored; duplicates only raise a degree, which keeps the node in the core). */
function nodesSelect(sql: SqlRunner, edges: RelationRef): string {
  const e = sql.rel(edges);
  return `SELECT u, COUNT(*) AS deg, MIN(v) AS mn FROM (SELECT a AS u, b AS v FROM ${e} WHERE a <> b UNION ALL SELECT b AS u, a AS v FROM ${e} WHERE a <> b) x GROUP BY u`;
}

/** Edges between two non-leaves: what the rounds work on. */
function coreEdgesSelect(sql: SqlRunner, edges: RelationRef, nodes: RelationRef): string {
  return `SELECT e.a, e.b FROM ${sql.rel(edges)} e JOIN ${sql.rel(nodes)} x ON x.u = e.a JOIN ${sql.rel(nodes)} y ON y.u = e.b
    WHERE e.a <> e.b AND x.deg > 1 AND y.deg > 1`;
}

/**
 * One round's roots for the nodes of `working`: returns a SELECT of (u, root). Each node points
 * to the smallest of itself and its neighbours; those pointers form trees (a pointer never goes
 * up, and only a root points to itself), and pointer jumping takes each node to its tree's root.
 */
async function hookAndJump(sql: SqlRunner, scratch: Scratch, working: RelationRef, selfHooked: string | null, round: number): Promise<string> {
  const r = (ref: RelationRef) => sql.rel(ref);
  const w = r(working);
  // A node only hooks to a smaller neighbour, so one orientation of each edge is enough; every
  // node also points to itself, which keeps the ones with no smaller neighbour (the roots).
  const self = selfHooked ?? `SELECT LEAST(a, b) AS u FROM ${w}`;
  const hooks = `SELECT u, MIN(v) AS p FROM (SELECT GREATEST(a, b) AS u, LEAST(a, b) AS v FROM ${w} UNION ALL SELECT u, u AS v FROM (${self}) s) x GROUP BY u`;
  // One step up; `at_root` says whether the node's pointer is a root already (then the root is
  // known); the others point two steps up and keep jumping.
  const jumped = scratch.table(`cc_roots${round}`);
  await sql.create(
    jumped,
    `WITH h AS (${hooks})
     SELECT x.u, y.p AS root, CASE WHEN y.p = x.p THEN 1 ELSE 0 END AS at_root FROM h x JOIN h y ON y.u = x.p`,
  );
  const settledInRound = `SELECT u, root FROM ${r(jumped)} WHERE at_root = 1`;
  if ((await sql.count(jumped, 'at_root = 0')) === 0) return `(SELECT u, root FROM ${r(jumped)})`;

  // Deeper trees: only the pointers not yet at a root keep jumping, each step to their target's
  // pointer (doubling the distance covered), until they land on a node whose root is known.
  const resolved = scratch.table(`cc_resolved${round}`);
  const pending = scratch.table('cc_pending');
  const step = scratch.table('cc_step');
  await sql.create(resolved, `SELECT u, root FROM ${r(jumped)} WHERE 1 = 0`);
  await sql.create(pending, `SELECT u, root AS p FROM ${r(jumped)} WHERE at_root = 0`);
  const known = `(${settledInRound} UNION ALL SELECT u, root FROM ${r(resolved)})`;
  for (let jumps = 0; (await sql.count(pending)) > 0; jumps++) {
    // Cannot happen (a pointer only goes down to a smaller node); a guard against an endless loop.
    if (jumps > 64) {
      throw new CdpError('IDENTITY_NOT_CONVERGED', 'connected components: pointer jumping did not reach the roots', {
        hint: 'a bug in src/identity/components.ts: please report it with the edges table that caused it',
      });
    }
    await sql.create(
      step,
      `SELECT x.u, COALESCE(k.root, w.p) AS p, CASE WHEN k.u IS NULL THEN 0 ELSE 1 END AS at_root
       FROM ${r(pending)} x LEFT JOIN ${known} k ON k.u = x.p LEFT JOIN ${r(pending)} w ON w.u = x.p`,
    );
    await sql.exec(`INSERT INTO ${r(resolved)} (u, root) SELECT u, p FROM ${r(step)} WHERE at_root = 1`);
    await sql.create(pending, `SELECT u, p FROM ${r(step)} WHERE at_root = 0`);
  }
  await scratch.drop(pending);
  await scratch.drop(step);
  return known;
}

/** The next round's graph: each edge between the roots of its ends, inside-root edges dropped, oriented and distinct. */
function contractSelect(sql: SqlRunner, working: RelationRef, roots: string): string {
  return `SELECT DISTINCT GREATEST(x.root, y.root) AS a, LEAST(x.root, y.root) AS b
    FROM ${sql.rel(working)} e JOIN ${roots} x ON x.u = e.a JOIN ${roots} y ON y.u = e.b WHERE x.root <> y.root`;
}

/**
 * Final roots of the first round's nodes' roots, composed from the last round back: a SELECT of
 * (u, root) over the second round's nodes, or null after at most one round. Each step only
 * touches the nodes of the rounds after the first, which are few.
 */
async function composeRoots(sql: SqlRunner, scratch: Scratch, roots: string[]): Promise<{ first: string | null; later: string | null }> {
  if (roots.length <= 1) return { first: roots[0] ?? null, later: null };
  let later = roots[roots.length - 1]!;
  for (let round = roots.length - 2; round >= 1; round--) {
    const composed = scratch.table(`cc_final${round}`);
    await sql.create(composed, `SELECT x.u, COALESCE(l.root, x.root) AS root FROM ${roots[round]!} x LEFT JOIN ${later} l ON l.u = x.root`);
    later = `(SELECT u, root FROM ${sql.rel(composed)})`;
  }
  return { first: roots[0]!, later };
}

/**
 * Every node with its root: a non-leaf finds it in the rounds' roots (the first round covers
 * them all), a leaf takes its one neighbour's; a leaf whose neighbour has none is one of an
 * isolated pair (the smaller is the root).
 */
function labelsSelect(sql: SqlRunner, nodes: RelationRef, roots: { first: string | null; later: string | null }): string {
  const leaves = `FROM ${sql.rel(nodes)} n`;
  const pair = `LEAST(n.u, n.mn)`;
  if (!roots.first) return `SELECT n.u AS node, ${pair} AS root ${leaves}`;
  const later = (from: string) => (roots.later ? { root: `COALESCE(l.root, ${from}.root)`, join: `LEFT JOIN ${roots.later} l ON l.u = ${from}.root` } : { root: `${from}.root`, join: '' });
  const core = later('f');
  const leaf = later('g');
  return `SELECT f.u AS node, ${core.root} AS root FROM ${roots.first} f ${core.join}
    UNION ALL
    SELECT n.u AS node, COALESCE(${leaf.root}, ${pair}) AS root ${leaves} LEFT JOIN ${roots.first} g ON g.u = n.mn ${leaf.join} WHERE n.deg = 1`;
}

function notConverged(options: ComponentsOptions): CdpError {
  return new CdpError('IDENTITY_NOT_CONVERGED', `connected components${options.label ? ` of ${options.label}` : ''} did not converge in ${options.maxRounds} rounds`, {
    location: { path: 'identity.maxRounds' },
    hint: 'raise identity.maxRounds; a graph that needs many more than log2(nodes) rounds usually has a junk identifier linking everything (add it to identity.blocklist)',
  });
}

/** The scratch tables of one run, dropped as soon as they are consumed and all of them at the end (also on failure). */
class Scratch {
  private readonly live = new Map<string, RelationRef>();

  constructor(
    private readonly sql: SqlRunner,
    private readonly name: (name: string) => RelationRef,
  ) {}

  table(name: string): RelationRef {
    const ref = this.name(name);
    this.live.set(name, ref);
    return ref;
  }

  async drop(ref: RelationRef): Promise<void> {
    await this.sql.drop(ref);
    for (const [name, r] of this.live) if (r === ref) this.live.delete(name);
  }

  async dropAll(): Promise<void> {
    for (const ref of this.live.values()) await this.sql.drop(ref);
    this.live.clear();
  }
}
