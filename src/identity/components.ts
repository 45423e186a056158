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
 * 2. A round hooks every node of the working graph (edges stored larger end first) that has a
 *    smaller neighbour to its smallest one: one GROUP BY over the edges. The nodes with no smaller
 *    neighbour are the roots and get no row in the round's tables (a row per node would double
 *    the first round's work). It follows those pointers to their roots (pointer jumping: a pointer
 *    doubles its reach each step, so a deep tree takes log(depth) steps, and only pointers not
 *    yet at a root are worked on), then contracts: every edge is replaced by the edge between its
 *    ends' roots, and edges inside one root vanish. A component that is down to one node has no
 *    edge left, so it leaves the working graph by itself: the round's own output is the
 *    convergence check, and a chain added to a large graph costs rounds over the chain only.
 * 3. Each round's roots map its hooked nodes to the next round's nodes; composed from the last
 *    round back, they give every non-leaf its root (itself where no round hooked it). Those are
 *    written as the output, and each leaf's label is then looked up there by its neighbour.
 *
 * Most of the cost is the node pass (a hash aggregate over both ends of every edge), the core
 * edges and the labels: see docs/scale.md for the figures and why that is the floor.
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
    while ((await sql.count(working)) > 0) {
      if (roots.length >= options.maxRounds) throw notConverged(options);
      const round = roots.length;
      const hooks = scratch.table(`cc_hooks${round}`);
      await sql.create(hooks, hooksSelect(sql, working));
      const jumped = scratch.table(`cc_roots${round}`);
      await sql.create(jumped, firstJumpSelect(sql, hooks));
      roots.push(await jumpToRoots(sql, scratch, jumped, round));
      const contracted = scratch.table(`cc_edges${round + 1}`);
      await sql.create(contracted, contractSelect(sql, working, roots[round]!));
      await scratch.drop(working);
      await scratch.drop(hooks);
      working = contracted;
    }
    // The non-leaves' labels first; the leaves' are then looked up in them (no copy of a
    // scratch table of the non-leaves' roots).
    await sql.create(options.output, coreRootsSelect(sql, nodes, await composeRoots(sql, scratch, roots)));
    await sql.exec(leafLabelsInsert(sql, nodes, options.output));
    const analyze = sql.d.analyzeTable(options.output);
    if (analyze) await sql.exec(analyze);
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

/** Edges between two non-leaves, larger end first: what the rounds work on. */
function coreEdgesSelect(sql: SqlRunner, edges: RelationRef, nodes: RelationRef): string {
  // Joined to the non-leaves only: a smaller hash table than all the nodes.
  const core = `(SELECT u FROM ${sql.rel(nodes)} WHERE deg > 1)`;
  return `SELECT GREATEST(e.a, e.b) AS a, LEAST(e.a, e.b) AS b FROM ${sql.rel(edges)} e JOIN ${core} x ON x.u = e.a JOIN ${core} y ON y.u = e.b
    WHERE e.a <> e.b`;
}

/**
 * Hooks of a round: every node of `working` (edges larger end first) that has a smaller
 * neighbour points to the smallest one. The others are the roots: they point nowhere, and are
 * nowhere in the round's tables (no row per node to carry them).
 */
function hooksSelect(sql: SqlRunner, working: RelationRef): string {
  return `SELECT a AS u, MIN(b) AS p FROM ${sql.rel(working)} GROUP BY a`;
}

/**
 * One step of pointer jumping from the hooks: (u, root, at_root) for every hooked node. A hook
 * to a node that is not hooked itself is a root (final, `at_root` 1); the others point two steps
 * up and keep jumping. The hooks form trees: a pointer only goes to a smaller node.
 */
function firstJumpSelect(sql: SqlRunner, hooks: RelationRef): string {
  const h = sql.rel(hooks);
  return `SELECT x.u, COALESCE(y.p, x.p) AS root, CASE WHEN y.u IS NULL THEN 1 ELSE 0 END AS at_root FROM ${h} x LEFT JOIN ${h} y ON y.u = x.p`;
}

/**
 * Pointer jumping from a round's first jump to the roots: returns a SELECT of (u, root). Only
 * the pointers not yet at a root keep jumping, each step to their target's pointer (doubling the
 * distance covered), until they land on a node whose root is known, or on a node that is not
 * hooked (a root).
 */
async function jumpToRoots(sql: SqlRunner, scratch: Scratch, jumped: RelationRef, round: number): Promise<string> {
  const r = (ref: RelationRef) => sql.rel(ref);
  const settledInRound = `SELECT u, root FROM ${r(jumped)} WHERE at_root = 1`;
  if ((await sql.count(jumped, 'at_root = 0')) === 0) return `(SELECT u, root FROM ${r(jumped)})`;

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
      `SELECT x.u, COALESCE(k.root, w.p, x.p) AS p, CASE WHEN w.u IS NULL THEN 1 ELSE 0 END AS at_root
       FROM ${r(pending)} x LEFT JOIN ${known} k ON k.u = x.p LEFT JOIN ${r(pending)} w ON w.u = x.p`,
    );
    await sql.exec(`INSERT INTO ${r(resolved)} (u, root) SELECT u, p FROM ${r(step)} WHERE at_root = 1`);
    await sql.create(pending, `SELECT u, p FROM ${r(step)} WHERE at_root = 0`);
  }
  await scratch.drop(pending);
  await scratch.drop(step);
  return known;
}

/**
 * The next round's graph: each edge between the roots of its ends, inside-root edges dropped,
 * larger end first and distinct. An edge's larger end is always hooked (it has a smaller
 * neighbour); its smaller end is its own root when it is not.
 */
function contractSelect(sql: SqlRunner, working: RelationRef, roots: string): string {
  const b = 'COALESCE(y.root, e.b)';
  return `SELECT DISTINCT GREATEST(x.root, ${b}) AS a, LEAST(x.root, ${b}) AS b
    FROM ${sql.rel(working)} e JOIN ${roots} x ON x.u = e.a LEFT JOIN ${roots} y ON y.u = e.b WHERE x.root <> ${b}`;
}

/**
 * Final roots of the nodes hooked after the first round, composed from the last round back: a
 * SELECT of (u, root), or null after at most one round. A round's roots cover the nodes it
 * hooked; those are gone from the next rounds' graphs, so each composed step is its round's
 * roots followed through the later ones, plus the later ones as they are. Each step only touches
 * the nodes of the rounds after the first, which are few.
 */
async function composeRoots(sql: SqlRunner, scratch: Scratch, roots: string[]): Promise<{ first: string | null; later: string | null }> {
  if (roots.length <= 1) return { first: roots[0] ?? null, later: null };
  let later = roots[roots.length - 1]!;
  for (let round = roots.length - 2; round >= 1; round--) {
    const composed = scratch.table(`cc_final${round}`);
    await sql.create(
      composed,
      `SELECT x.u, COALESCE(l.root, x.root) AS root FROM ${roots[round]!} x LEFT JOIN ${later} l ON l.u = x.root UNION ALL SELECT u, root FROM ${later} k`,
    );
    later = `(SELECT u, root FROM ${sql.rel(composed)})`;
  }
  return { first: roots[0]!, later };
}

/**
 * Every non-leaf with its final root, as (node, root): its first round's root (itself when it was
 * not hooked), followed through the later rounds' composed roots (itself again when not hooked
 * there).
 */
function coreRootsSelect(sql: SqlRunner, nodes: RelationRef, roots: { first: string | null; later: string | null }): string {
  const core = `(SELECT u FROM ${sql.rel(nodes)} WHERE deg > 1) c`;
  if (!roots.first) return `SELECT c.u AS node, c.u AS root FROM ${core}`;
  const first = `COALESCE(f.root, c.u)`;
  if (!roots.later) return `SELECT c.u AS node, ${first} AS root FROM ${core} LEFT JOIN ${roots.first} f ON f.u = c.u`;
  return `SELECT c.u AS node, COALESCE(l.root, ${first}) AS root FROM ${core} LEFT JOIN ${roots.first} f ON f.u = c.u LEFT JOIN ${roots.later} l ON l.u = ${first}`;
}

/**
 * The leaves' labels, added to `output` once it holds every non-leaf's: a leaf takes its one
 * neighbour's root; a leaf whose neighbour is no non-leaf is one of an isolated pair (the smaller
 * is the root).
 */
function leafLabelsInsert(sql: SqlRunner, nodes: RelationRef, output: RelationRef): string {
  const o = sql.rel(output);
  return `INSERT INTO ${o} (node, root)
    SELECT n.u, COALESCE(g.root, LEAST(n.u, n.mn)) FROM ${sql.rel(nodes)} n LEFT JOIN ${o} g ON g.node = n.mn WHERE n.deg = 1`;
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
