import type { RelationRef } from '../warehouse/index.js';
import { connectedComponents } from './components.js';
import type { IdentityPlan, IdTypePlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

export interface ResolveResult {
  /** Most large-star/small-star rounds any one components pass needed. */
  rounds: number;
  /** Rounds spent settling conflicting links one step at a time (phase B, see below). */
  conflictRounds: number;
  /** Links refused by a limit. */
  limited: number;
}

/**
 * Stage 4: components under limits, tier by tier.
 *
 * Reads scratch `graph_nodes(node, tier)` (usable identifiers), `edges(src, dst, tier)` and
 * `dict(node, first_seen)`; writes scratch `comp(node, tier, comp)` and `limited(node, tier, detail)`.
 *
 * Id types are processed from most to least trusted; each is a tier. At its tier, every value v
 * *proposes* to join its own (so far single) node with the components of the more trusted
 * identifiers it was seen with (its edges' `src`). A proposal is refused when the joined profile
 * would break a limit of a type processed so far: more than `maxPerProfile` distinct values of
 * that type, where an excess the profile already had through more trusted links is tolerated
 * but never increased. Formally, for every limited type X: the sum of X-counts over the joined
 * parts must be <= limit(X), or at most one part may hold X values. Refused values keep no link
 * of this tier (all or nothing), and land in `limited`.
 *
 * Phase A (bulk): accepted proposals are joined with one connected-components pass; every group
 * that respects the limits is committed at once. Groups that do not (several proposals that are
 * fine alone but not together: a household email seen on both partners' devices) go to phase B.
 *
 * Phase B (conflicts only): rounds in which each component accepts at most its best proposal
 * (earliest-seen value first, then the smaller surrogate), except that a component holding
 * limited values accepts as many "attach" proposals (which bring nothing but free components and
 * the value itself) as it has room for. The best pending proposal always wins, so every round
 * settles at least one proposal; what is left after `maxRounds` rounds is refused.
 */
export async function resolveComponents(sql: SqlRunner, plan: IdentityPlan, t: IdentityTables): Promise<ResolveResult> {
  const comp = t.tmp('comp');
  const edges = t.tmp('edges');
  await sql.create(comp, `SELECT node, tier, node AS comp FROM ${sql.rel(t.tmp('graph_nodes'))}`);
  await sql.create(t.tmp('limited'), `SELECT node, tier, CAST('' AS ${sql.d.typeName('string')}) AS detail FROM ${sql.rel(comp)} WHERE 1 = 0`);
  const tiers = await sql.query<{ tier: number }>(`SELECT DISTINCT tier FROM ${sql.rel(edges)} ORDER BY tier`);
  const result: ResolveResult = { rounds: 0, conflictRounds: 0, limited: 0 };
  for (const { tier } of tiers) {
    const step = new TierStep(sql, plan, t, Number(tier));
    const r = await step.run();
    result.rounds = Math.max(result.rounds, r.rounds);
    result.conflictRounds += r.conflictRounds;
  }
  result.limited = await sql.count(t.tmp('limited'));
  return result;
}

/** Limits checked at a tier: types at or before it that have a maxPerProfile. */
function checkedLimits(plan: IdentityPlan, tier: number): IdTypePlan[] {
  return plan.types.filter((x) => x.maxPerProfile !== null && x.tier <= tier);
}

class TierStep {
  private readonly limits: IdTypePlan[];
  private readonly r: (ref: RelationRef) => string;

  constructor(
    private readonly sql: SqlRunner,
    private readonly plan: IdentityPlan,
    private readonly t: IdentityTables,
    private readonly tier: number,
  ) {
    this.limits = checkedLimits(plan, tier);
    this.r = (ref) => sql.rel(ref);
  }

  private get type(): IdTypePlan | undefined {
    return this.plan.types.find((x) => x.tier === this.tier);
  }

  private limitCase(column: string): string {
    return `CASE ${column} ${this.limits.map((l) => `WHEN ${l.tier} THEN ${l.maxPerProfile}`).join(' ')} END`;
  }

  private detailCase(column: string): string {
    const d = this.sql.d;
    return `CASE ${column} ${this.limits
      .map((l) => `WHEN ${l.tier} THEN ${d.literal(`would put more than ${l.maxPerProfile} ${l.name} value(s) in one profile (maxPerProfile ${l.maxPerProfile})`)}`)
      .join(' ')} END`;
  }

  async run(): Promise<{ rounds: number; conflictRounds: number }> {
    const { sql, t, r } = this;
    const parts = t.tmp('parts');
    // Non-own parts of each proposal: the components of the value's more trusted neighbours.
    await sql.create(
      parts,
      `SELECT DISTINCT e.dst AS unit, c.comp AS part FROM ${r(t.tmp('edges'))} e JOIN ${r(t.tmp('comp'))} c ON c.node = e.src WHERE e.tier = ${this.tier}`,
    );
    const labels = t.tmp('labels');
    if (this.limits.length === 0) {
      const cc = await this.components(`SELECT unit AS a, part AS b FROM ${r(parts)}`, labels);
      await this.applyMap(labels);
      // The connected-components output is dropped (its pass may build it by a rename); the other
      // scratch tables of a tier are replaced by the next tier's and dropped when the build ends.
      await sql.drop(labels);
      return { rounds: cc, conflictRounds: 0 };
    }

    const counts = t.tmp('counts');
    await this.createCounts(counts);
    const bad = t.tmp('bad');
    await this.createBad(parts, counts, bad);
    await this.recordLimited(bad);
    const rounds = await this.components(
      `SELECT p.unit AS a, p.part AS b FROM ${r(parts)} p LEFT JOIN ${r(bad)} x ON x.unit = p.unit WHERE x.unit IS NULL`,
      labels,
    );
    // Groups that break a limit once joined.
    const badGroups = t.tmp('bad_groups');
    await sql.create(
      badGroups,
      `SELECT DISTINCT root FROM (
         SELECT l.root, k.lt FROM ${r(labels)} l JOIN ${r(counts)} k ON k.comp = l.node
         GROUP BY l.root, k.lt HAVING SUM(k.n) > ${this.limitCase('k.lt')} AND COUNT(*) > 1) x`,
    );
    const map = t.tmp('map');
    await sql.create(map, `SELECT l.node, l.root FROM ${r(labels)} l LEFT JOIN ${r(badGroups)} b ON b.root = l.root WHERE b.root IS NULL`);
    const pending = t.tmp('pending');
    await sql.create(
      pending,
      `SELECT DISTINCT p.unit FROM ${r(parts)} p JOIN ${r(labels)} l ON l.node = p.unit JOIN ${r(badGroups)} b ON b.root = l.root`,
    );
    await this.applyMap(map);
    await sql.drop(labels);
    const conflictRounds = (await sql.count(pending)) > 0 ? await this.settleConflicts(pending) : 0;
    return { rounds, conflictRounds };
  }

  /** Components of the proposal graph (a = proposing value, b = a part); 0 rounds when empty. */
  private async components(edgesSelect: string, labels: RelationRef): Promise<number> {
    const input = this.t.tmp('cc_input');
    await this.sql.create(input, edgesSelect);
    const result = await connectedComponents(this.sql, {
      edges: input,
      output: labels,
      scratch: (name) => this.t.tmp(name),
      maxRounds: this.plan.maxRounds,
      label: `the ${this.type?.name ?? `tier ${this.tier}`} links`,
    });
    await this.sql.drop(input);
    return result.rounds;
  }

  /** Per component and limited type: how many values of that type it holds (only non-zero rows). */
  private async createCounts(counts: RelationRef): Promise<void> {
    await this.sql.create(
      counts,
      `SELECT comp, tier AS lt, COUNT(*) AS n FROM ${this.r(this.t.tmp('comp'))} WHERE tier IN (${this.limits.map((l) => l.tier).join(', ')}) GROUP BY comp, tier`,
    );
  }

  /** Proposals that break a limit on their own (parts plus the value's own node), with the first limit broken. */
  private async createBad(parts: RelationRef, counts: RelationRef, bad: RelationRef): Promise<void> {
    const r = this.r;
    await this.sql.create(
      bad,
      `SELECT unit, MIN(lt) AS lt FROM (
         SELECT p.unit, k.lt FROM (SELECT unit, part FROM ${r(parts)} UNION ALL SELECT DISTINCT unit, unit AS part FROM ${r(parts)}) p
         JOIN ${r(counts)} k ON k.comp = p.part
         GROUP BY p.unit, k.lt HAVING SUM(k.n) > ${this.limitCase('k.lt')} AND COUNT(*) > 1) x
       GROUP BY unit`,
    );
  }

  private async recordLimited(bad: RelationRef): Promise<void> {
    await this.sql.exec(
      `INSERT INTO ${this.r(this.t.tmp('limited'))} (node, tier, detail) SELECT unit, ${this.tier}, ${this.detailCase('lt')} FROM ${this.r(bad)}`,
    );
  }

  /** comp := map(comp) for components named in `map(node, root)`. */
  private async applyMap(map: RelationRef): Promise<void> {
    const { sql, t, r } = this;
    if ((await sql.count(map)) === 0) return;
    const next = t.tmp('comp_next');
    await sql.create(next, `SELECT c.node, c.tier, COALESCE(m.root, c.comp) AS comp FROM ${r(t.tmp('comp'))} c LEFT JOIN ${r(map)} m ON m.node = c.comp`);
    await sql.drop(t.tmp('comp'));
    await sql.rename(next, t.tmp('comp').name);
  }

  /**
   * Phase B: settles the proposals of groups that broke a limit, a few at a time (see above).
   * Returns the rounds used.
   */
  private async settleConflicts(pending: RelationRef): Promise<number> {
    const { sql, t, r } = this;
    const parts = t.tmp('b_parts');
    const counts = t.tmp('b_counts');
    const bad = t.tmp('b_bad');
    const choice = t.tmp('b_choice');
    const accepted = t.tmp('b_accepted');
    const map = t.tmp('b_map');
    const type = this.type;
    const ownLimit = type?.maxPerProfile ?? null;
    let rounds = 0;
    for (;;) {
      if ((await sql.count(pending)) === 0) break;
      if (rounds >= this.plan.maxRounds) {
        await sql.exec(
          `INSERT INTO ${r(t.tmp('limited'))} (node, tier, detail) SELECT unit, ${this.tier}, ` +
            `${sql.d.literal(`conflicting links still unsettled after ${this.plan.maxRounds} rounds (identity.maxRounds)`)} FROM ${r(pending)}`,
        );
        break;
      }
      rounds++;
      await sql.create(
        parts,
        `SELECT DISTINCT e.dst AS unit, c.comp AS part FROM ${r(t.tmp('edges'))} e JOIN ${r(pending)} p ON p.unit = e.dst
         JOIN ${r(t.tmp('comp'))} c ON c.node = e.src WHERE e.tier = ${this.tier}`,
      );
      await this.createCounts(counts);
      await this.createBad(parts, counts, bad);
      await this.recordLimited(bad);
      // Each (proposal, part): is the part colored (holds limited values)? the proposal's kind and rank.
      await sql.create(
        choice,
        `WITH pc AS (
           SELECT p.unit, p.part, CASE WHEN k.comp IS NULL THEN 0 ELSE 1 END AS colored
           FROM ${r(parts)} p
           LEFT JOIN ${r(bad)} x ON x.unit = p.unit
           LEFT JOIN (SELECT DISTINCT comp FROM ${r(counts)}) k ON k.comp = p.part
           WHERE x.unit IS NULL
         ),
         kinds AS (
           SELECT pc.unit, SUM(pc.colored) AS ncolored,
                  CASE WHEN MIN(dc.first_seen) IS NULL THEN 1 ELSE 0 END AS unseen, MIN(dc.first_seen) AS first_seen
           FROM pc LEFT JOIN ${r(t.tmp('dict'))} dc ON dc.node = pc.unit GROUP BY pc.unit
         ),
         ranked AS (
           SELECT pc.unit, pc.part, pc.colored, kd.ncolored,
                  ROW_NUMBER() OVER (PARTITION BY pc.part ORDER BY kd.unseen, kd.first_seen, pc.unit) AS best,
                  ROW_NUMBER() OVER (PARTITION BY pc.part, CASE WHEN kd.ncolored = 1 AND pc.colored = 1 THEN 1 ELSE 0 END
                                     ORDER BY kd.unseen, kd.first_seen, pc.unit) AS attach_rank
           FROM pc JOIN kinds kd ON kd.unit = pc.unit
         ),
         part_mode AS (
           SELECT part, unit AS best_unit, ncolored AS best_ncolored FROM ranked WHERE best = 1
         )
         SELECT rk.unit, rk.part, rk.colored, rk.ncolored,
                CASE
                  WHEN rk.colored = 0 OR rk.ncolored >= 2 THEN CASE WHEN pm.best_unit = rk.unit THEN 1 ELSE 0 END
                  WHEN pm.best_ncolored = 1 AND rk.attach_rank <= ${ownLimit === null ? 'rk.attach_rank' : `${ownLimit} - COALESCE(own.n, 0)`} THEN 1
                  ELSE 0
                END AS ok
         FROM ranked rk JOIN part_mode pm ON pm.part = rk.part
         LEFT JOIN ${r(counts)} own ON own.comp = rk.part AND own.lt = ${this.tier}`,
      );
      // Accepted proposals and the component each joins: the host for an attach, else the smallest part.
      await sql.create(
        accepted,
        `SELECT unit, CASE WHEN MAX(ncolored) = 1 THEN MAX(CASE WHEN colored = 1 THEN part END) ELSE LEAST(unit, MIN(part)) END AS root
         FROM ${r(choice)} GROUP BY unit HAVING MIN(ok) = 1`,
      );
      await sql.create(
        map,
        `SELECT node, MIN(root) AS root FROM (
           SELECT c.part AS node, a.root FROM ${r(choice)} c JOIN ${r(accepted)} a ON a.unit = c.unit WHERE c.part <> a.root
           UNION ALL SELECT unit AS node, root FROM ${r(accepted)} WHERE unit <> root
         ) x GROUP BY node`,
      );
      await this.applyMap(map);
      await sql.create(
        t.tmp('b_pending'),
        `SELECT p.unit FROM ${r(pending)} p LEFT JOIN ${r(accepted)} a ON a.unit = p.unit LEFT JOIN ${r(bad)} x ON x.unit = p.unit
         WHERE a.unit IS NULL AND x.unit IS NULL`,
      );
      await sql.drop(pending);
      await sql.rename(t.tmp('b_pending'), pending.name);
    }
    return rounds;
  }
}
