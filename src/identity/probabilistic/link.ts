import type { ProbabilisticConfig } from '../../config/index.js';
import { CdpError } from '../../errors.js';
import type { RelationRef } from '../../warehouse/index.js';
import { keyTypes, type IdentityPlan } from '../plan.js';
import type { SqlRunner } from '../runner.js';
import type { IdentityTables } from '../tables.js';
import { mutualBestSql } from './cluster.js';
import { incrementalPairsSql, INCREMENTAL_SCRATCH, keptLinksSql } from './incremental.js';
import { planFields, recordFields, type ModelParams } from './model.js';
import { participatingSelect } from './records.js';
import { runFellegiSunter } from './run.js';
import type { ReviewedPairs } from './labels.js';
import { storeNearPairs } from './review.js';
import { storeModel, storeLinks, LINKS_TABLE } from './store.js';
import { thresholdWeight } from './score.js';

export interface ProbabilisticLinkResult {
  /** Scored candidate pairs. */
  pairs: number;
  /** Pairs at or above the threshold whose records were in different components. */
  candidates: number;
  /** Links that joined two components. */
  linked: number;
  /** Links refused by a guard rail (limits, exclusive types). */
  refused: number;
  params: ModelParams;
  seconds: number;
}

export { fieldSql } from './records.js';

/** Config checks that need the plan: sources exist, every source maps every field used. */
export function validateProbabilistic(plan: IdentityPlan, config: ProbabilisticConfig): void {
  const fields = new Set(recordFields(config));
  for (const [name, source] of Object.entries(config.sources)) {
    if (!plan.sources.some((s) => s.name === name)) {
      throw new CdpError('IDENTITY_INVALID', `probabilistic source "${name}" is not an identity source`, {
        location: { path: `identity.probabilistic.sources.${name}` },
        hint: `use one of: ${plan.sources.map((s) => s.name).join(', ')}`,
      });
    }
    for (const field of fields) {
      if (!(field in source.fields)) {
        throw new CdpError('IDENTITY_INVALID', `probabilistic source "${name}" does not map field "${field}"`, {
          location: { path: `identity.probabilistic.sources.${name}.fields` },
          hint: `add ${field}: '<column or SQL expression>' (every compared, blocking, training or label field must be mapped in every source)`,
        });
      }
    }
  }
  for (const type of config.exclusiveTypes ?? []) {
    if (!plan.types.some((t) => t.name === type)) {
      throw new CdpError('IDENTITY_INVALID', `exclusive type "${type}" is not an id type`, {
        location: { path: 'identity.probabilistic.exclusiveTypes' },
        hint: `use one of: ${plan.types.map((t) => t.name).join(', ')}`,
      });
    }
  }
}

/**
 * The identity build's probabilistic step. Runs after deterministic components are resolved
 * (scratch `comp(node, tier, comp)`, `centers(source, record_key, center)`), before they are
 * finalised into profiles:
 * 1. full build: the participating sources' records (those with a usable identifier, hence a
 *    center) are scored by a Fellegi-Sunter model trained on them (parameters stored in
 *    `_identity_prob_params`); incremental build (`options.model`): no training, the pairs are the
 *    new ones `scoreIncremental` scored with the stored model plus the stored links between
 *    unchanged records, both within the region (docs/probabilistic.md, "Incremental builds");
 * 2. pairs at or above the threshold whose records sit in different components are merged, one
 *    best mutual link per component per round, and only when the merged component keeps every
 *    limit: at most `maxPerProfile` values of a limited type, at most one value of an exclusive
 *    type (default: the most trusted type, e.g. user_id) — unless only one side holds that type;
 * 3. accepted links are appended to scratch `edges` with kind `probabilistic` and their
 *    probability as score (so they are stored, explained and kept in raw components), and every
 *    scored link above the threshold is kept in `_identity_prob_links` with its status (an
 *    incremental build keeps the stored links outside its region as they are); links above the
 *    threshold, accepted or refused, go to scratch `prob_raw` so that raw components span them;
 * 4. when a link was accepted, the deterministic components before the merges are kept in scratch
 *    `det_comp(node, comp)`, from which finalize derives each identifier's link_kind/link_score.
 */
export async function linkProbabilistic(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  config: ProbabilisticConfig,
  options: {
    say?: (line: string) => void;
    /**
     * Incremental build: the stored model's parameters, reused instead of training; `scoreIncremental`
     * has written scratch `prob_all` and `prob_new_scored` before the region was prepared.
     */
    model?: ModelParams & { trainedAt?: Date };
    /** Full build: review-queue answers written to the warehouse, labels for training (labels.ts). */
    reviewed?: ReviewedPairs | null;
  } = {},
): Promise<ProbabilisticLinkResult> {
  const started = performance.now();
  validateProbabilistic(plan, config);
  const d = sql.d;
  const r = (name: string) => sql.rel(t.tmp(name));
  const scratch = (name: string) => t.tmp(`prob_${name}`);
  const fieldNames = planFields(config).map((f) => f.name);
  const allFields = recordFields(config);

  const recs = scratch('records');
  let params: ModelParams;
  let scored: RelationRef;
  let pairs: number;
  let kept: RelationRef | undefined;
  const reused = options.model;
  if (reused) {
    // Incremental: the stored model scores; the pairs are the new ones (scoreIncremental, before the
    // region) and the stored links between unchanged records, both within the region's records.
    params = reused;
    await sql.create(
      recs,
      `SELECT a.*, c.center, k.comp FROM ${r(INCREMENTAL_SCRATCH.all)} a
       JOIN ${r('centers')} c ON c.source = a.source AND c.record_key = a.record_key
       JOIN ${r('comp')} k ON k.node = c.center`,
    );
    const stored = await sql.exists({ schema: plan.schema, name: LINKS_TABLE });
    scored = scratch('scored');
    await sql.create(scored, incrementalPairsSql(sql, t, config, recs, stored));
    pairs = await sql.count(scratch('scored'));
    if (stored) {
      kept = scratch('kept');
      await sql.create(kept, keptLinksSql(sql, t, config, recs));
    }
  } else {
    await sql.create(
      recs,
      `SELECT ROW_NUMBER() OVER (ORDER BY x.source, x.record_key) AS rid, x.*, c.center, k.comp
       FROM (${participatingSelect(d, plan, config, allFields)}) x
       JOIN ${r('centers')} c ON c.source = x.source AND c.record_key = x.record_key
       JOIN ${r('comp')} k ON k.node = c.center`,
    );
    const detRows = await sql.query<{ n: number | null }>(
      `SELECT SUM(CAST(n AS ${d.typeName('number')}) * (n - 1) / 2) AS n FROM (SELECT COUNT(*) AS n FROM ${sql.rel(recs)} GROUP BY comp) x`,
    );
    const fs = await runFellegiSunter(sql, { records: recs, config, scratch, deterministicPairs: Number(detRows[0]?.n ?? 0), reviewed: options.reviewed });
    params = fs.params;
    scored = fs.scored;
    pairs = await sql.count(fs.scored);
    await storeModel(sql, plan.schema, fs.params);
  }
  const minWeight = thresholdWeight(config);

  // Candidate links between components: the best pair per component pair.
  const cand = scratch('cand');
  await sql.create(
    cand,
    `SELECT ca, cb, w, src, dst, links FROM (
       SELECT CASE WHEN l.comp < r.comp THEN l.comp ELSE r.comp END AS ca, CASE WHEN l.comp < r.comp THEN r.comp ELSE l.comp END AS cb,
              p.match_probability AS w, l.center AS src, r.center AS dst,
              ROW_NUMBER() OVER (PARTITION BY CASE WHEN l.comp < r.comp THEN l.comp ELSE r.comp END, CASE WHEN l.comp < r.comp THEN r.comp ELSE l.comp END
                                 ORDER BY p.match_weight DESC, l.center, r.center) AS rn,
              COUNT(*) OVER (PARTITION BY CASE WHEN l.comp < r.comp THEN l.comp ELSE r.comp END, CASE WHEN l.comp < r.comp THEN r.comp ELSE l.comp END) AS links
       FROM ${sql.rel(scored)} p JOIN ${sql.rel(recs)} l ON l.rid = p.rid_l JOIN ${sql.rel(recs)} r ON r.rid = p.rid_r
       WHERE p.match_weight >= ${d.literal(minWeight)} AND l.comp <> r.comp) x
     WHERE rn = 1`,
  );
  const candidates = await sql.count(cand);
  // Links at or above the threshold, accepted or refused, keep their components in one raw component
  // (finalize): an incremental build recomputes them together, as a full build resolves them together.
  await sql.create(t.tmp('prob_raw'), `SELECT src, dst FROM ${sql.rel(cand)}`);
  // The deterministic components, before any merge: finalize tells from them how each identifier joined its profile.
  if (candidates > 0) await sql.create(t.tmp('det_comp'), `SELECT node, comp FROM ${r('comp')}`);
  const { linked, refused } = candidates > 0 ? await mergeUnderLimits(sql, plan, t, config, cand, recs) : { linked: 0, refused: 0 };
  if (linked === 0) await sql.drop(t.tmp('det_comp'));
  await storeLinks(sql, plan.schema, { scored, records: recs, fields: fieldNames, minWeight, accepted: scratch('accepted'), keep: kept });
  await storeNearPairs(sql, t, config, { scored, records: recs, incremental: Boolean(reused) });
  for (const name of ['cand', 'accepted', 'records', 'scored', 'kept']) await sql.drop(scratch(name));
  const seconds = (performance.now() - started) / 1000;
  const how = reused ? `incremental, model of ${reused.trainedAt?.toISOString() ?? 'the last full build'} reused: ` : `${trainingSummary(params)}; `;
  options.say?.(`probabilistic: ${how}${pairs} pair(s) scored, ${linked} link(s) joined components, ${refused} refused by limits (${seconds.toFixed(1)}s)`);
  return { pairs, candidates, linked, refused, params, seconds };
}

/** How the model was trained, for the progress line: where m came from, convergence, the prior. */
export function trainingSummary(params: ModelParams): string {
  const prior = `prior (${params.priorSource}) ${params.prior.toExponential(2)}`;
  if (params.mSource === 'labels') {
    const answers = params.reviewed ? ` (review answers: ${params.reviewed.matches} match, ${params.reviewed.nonMatches} non-match)` : '';
    return `m from ${params.knownMatches} labelled matching pair(s)${answers}, ${prior}`;
  }
  const sessions = params.sessions.filter((x) => x.estimated.length > 0);
  const stuck = sessions.filter((x) => !x.converged).map((x) => `[${x.rule.join(', ') || 'all blocked pairs'}]`);
  const converged = stuck.length ? `NOT converged: ${stuck.join(' ')} (raise emIterations)` : 'all converged';
  return `m by EM over ${sessions.length} training rule(s), ${converged}, ${prior}`;
}

/**
 * Without `exclusiveTypes`: the most trusted id type, unless it is a record key (every source maps
 * it from its key column): records whose only identifier is their own key must be able to link.
 */
export function defaultExclusiveTypes(plan: IdentityPlan): string[] {
  const top = plan.types[0];
  return top && !keyTypes(plan).has(top.name) ? [top.name] : [];
}

/** (tier, limit) checked when two components join: maxPerProfile limits and exclusive types (limit 1). */
function joinLimits(plan: IdentityPlan, config: ProbabilisticConfig): Array<{ tier: number; limit: number }> {
  const exclusive = new Set(config.exclusiveTypes ?? defaultExclusiveTypes(plan));
  return plan.types
    .map((type) => ({ tier: type.tier, limit: Math.min(type.maxPerProfile ?? Infinity, exclusive.has(type.name) ? 1 : Infinity) }))
    .filter((x) => Number.isFinite(x.limit));
}

/**
 * Merges candidate component pairs (ca < cb, weight w) in rounds: each round takes the links
 * that are the best of both their components (a matching: no chains, so a round's merges can be
 * checked pair by pair), refuses those that would break a limit, applies the rest to `comp` and
 * carries the remaining links over to the merged components.
 */
async function mergeUnderLimits(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  config: ProbabilisticConfig,
  cand: RelationRef,
  recs: RelationRef,
): Promise<{ linked: number; refused: number }> {
  const d = sql.d;
  const r = (ref: RelationRef) => sql.rel(ref);
  const s = (name: string) => t.tmp(`prob_${name}`);
  const limits = joinLimits(plan, config);
  const comp = t.tmp('comp');
  const accepted = s('accepted');
  await sql.create(accepted, `SELECT src, dst, w FROM ${r(cand)} WHERE 1 = 0`);
  let refused = 0;
  for (let round = 0; ; round++) {
    if ((await sql.count(cand)) === 0) break;
    if (round >= plan.maxRounds) {
      refused += await sql.count(cand);
      break;
    }
    // Eligible: at least minLinkShare of the two components' record pairs are links (no chains).
    const eligible = s('eligible');
    const sizes = `SELECT k.comp, COUNT(*) AS n FROM ${r(recs)} x JOIN ${r(comp)} k ON k.node = x.center GROUP BY k.comp`;
    await sql.create(
      eligible,
      config.minLinkShare > 0
        ? `SELECT c.* FROM ${r(cand)} c JOIN (${sizes}) sa ON sa.comp = c.ca JOIN (${sizes}) sb ON sb.comp = c.cb
           WHERE CAST(c.links AS ${d.typeName('number')}) >= ${d.literal(config.minLinkShare)} * sa.n * sb.n`
        : `SELECT * FROM ${r(cand)}`,
    );
    await sql.create(s('mutual'), mutualBestSql(sql, eligible, ['src', 'dst']));
    if ((await sql.count(s('mutual'))) === 0) {
      // What is left links clusters too loosely: refused.
      refused += await sql.count(cand);
      break;
    }
    const limitCase = limits.length ? `CASE k.tier ${limits.map((l) => `WHEN ${l.tier} THEN ${l.limit}`).join(' ')} END` : '0';
    const tiers = limits.length ? limits.map((l) => l.tier).join(', ') : 'NULL';
    await sql.create(
      s('bad'),
      limits.length
        ? `SELECT DISTINCT m.ca, m.cb FROM ${r(s('mutual'))} m
           JOIN (SELECT comp, tier, COUNT(*) AS n FROM ${r(comp)} WHERE tier IN (${tiers}) GROUP BY comp, tier) ka ON ka.comp = m.ca
           JOIN (SELECT comp, tier, COUNT(*) AS n FROM ${r(comp)} WHERE tier IN (${tiers}) GROUP BY comp, tier) k ON k.comp = m.cb AND k.tier = ka.tier
           WHERE ka.n + k.n > ${limitCase}`
        : `SELECT ca, cb FROM ${r(s('mutual'))} WHERE 1 = 0`,
    );
    refused += await sql.count(s('bad'));
    await sql.create(
      s('ok'),
      `SELECT m.* FROM ${r(s('mutual'))} m LEFT JOIN ${r(s('bad'))} b ON b.ca = m.ca AND b.cb = m.cb WHERE b.ca IS NULL`,
    );
    await sql.exec(`INSERT INTO ${r(accepted)} (src, dst, w) SELECT src, dst, w FROM ${r(s('ok'))}`);
    // comp := ca for the nodes of every accepted cb.
    const next = t.tmp('prob_comp_next');
    await sql.create(next, `SELECT c.node, c.tier, COALESCE(o.ca, c.comp) AS comp FROM ${r(comp)} c LEFT JOIN ${r(s('ok'))} o ON o.cb = c.comp`);
    await sql.drop(comp);
    await sql.rename(next, comp.name);
    // The remaining links, on the merged components.
    await sql.create(
      s('cand_next'),
      `SELECT ca, cb, w, src, dst, links FROM (
         SELECT CASE WHEN a < b THEN a ELSE b END AS ca, CASE WHEN a < b THEN b ELSE a END AS cb, w, src, dst,
                ROW_NUMBER() OVER (PARTITION BY CASE WHEN a < b THEN a ELSE b END, CASE WHEN a < b THEN b ELSE a END ORDER BY w DESC, src, dst) AS rn,
                SUM(links) OVER (PARTITION BY CASE WHEN a < b THEN a ELSE b END, CASE WHEN a < b THEN b ELSE a END) AS links
         FROM (SELECT COALESCE(oa.ca, c.ca) AS a, COALESCE(ob.ca, c.cb) AS b, c.w, c.src, c.dst, c.links
               FROM ${r(cand)} c
               LEFT JOIN ${r(s('mutual'))} m ON m.ca = c.ca AND m.cb = c.cb
               LEFT JOIN ${r(s('ok'))} oa ON oa.cb = c.ca
               LEFT JOIN ${r(s('ok'))} ob ON ob.cb = c.cb
               WHERE m.ca IS NULL) x
         WHERE a <> b) y
       WHERE rn = 1`,
    );
    await sql.drop(cand);
    await sql.rename(s('cand_next'), cand.name);
  }
  for (const name of ['mutual', 'bad', 'ok', 'eligible']) await sql.drop(s(name));
  const linked = await sql.count(accepted);
  // The accepted links join the edges stage (stored in _identity_edges, read by explain and raw components).
  await sql.exec(
    `INSERT INTO ${r(t.tmp('edges'))} (src, dst, tier, src_tier, kind, score)
     SELECT a.src, a.dst, nd.tier, ns.tier, 'probabilistic', a.w FROM ${r(accepted)} a
     JOIN ${r(comp)} ns ON ns.node = a.src JOIN ${r(comp)} nd ON nd.node = a.dst`,
  );
  return { linked, refused };
}
