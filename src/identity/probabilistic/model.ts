import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { CdpError } from '../../errors.js';
import { crossFields, NULL_LEVEL, planField, type FieldPlan } from './comparisons.js';
import type { ThresholdCurve } from './curve.js';
import { EPS, levelKey, runEm, type LevelValues } from './em.js';
import { createLabelledPairs, effectiveLabels, mFromLabels, type ReviewedPairs } from './labels.js';
import { createBlockedPairs, createRandomPairs, linkFilter } from './pairs.js';
import { trainByRules, type TrainingSession } from './train-rules.js';

export interface LevelParams {
  field: string;
  gamma: number;
  label: string;
  /** P(level | match). */
  m: number;
  /** P(level | non-match). */
  u: number;
  /** log2(m / u): what this level adds to a pair's match weight (0 for null). */
  weight: number;
}

export interface ModelParams {
  /** Prior probability that two random records match. */
  prior: number;
  /** `rules`: from train.deterministic; `deterministic`: from the identity graph's components; `em`: EM over the blocked pairs with m and u fixed. */
  priorSource: 'em' | 'deterministic' | 'rules' | 'config';
  /** Where m came from: EM per training blocking rule, or known matches. */
  mSource: 'em' | 'labels';
  /** The EM sessions (one per training rule), with convergence. */
  sessions: TrainingSession[];
  /** Comparisons no training rule left free, whose m came from EM over all blocked pairs. */
  fallbackFields: string[];
  /** Known matching pairs among the records (labels), 0 without labels. */
  knownMatches: number;
  /** Review-queue answers among the labels (match / non-match), when training used them. */
  reviewed?: { matches: number; nonMatches: number };
  /** Precision/recall curves and suggested thresholds (model; labels when given), filled after scoring. */
  curves: ThresholdCurve[];
  /** Share of blocked pairs that match, as estimated with the trained m and u. */
  blockedMatchShare: number;
  levels: LevelParams[];
  iterations: number;
  converged: boolean;
  blockedPairs: number;
  randomPairs: number;
  records: number;
  /** Term-frequency adjusted fields. */
  tfFields: string[];
}

export interface TrainOptions {
  /** Records: `(rid BIGINT, source, <one column per field>)`. */
  records: RelationRef;
  config: ProbabilisticConfig;
  scratch: (name: string) => RelationRef;
  /** Number of deterministic matching pairs among the records (for `prior: 'deterministic'`). */
  deterministicPairs?: number;
  /** Answers of the review queue, written to the warehouse for this training (labels.ts, effectiveLabels). */
  reviewed?: ReviewedPairs | null;
}

/** Every record field the model reads: compared, blocked on, trained on, or a label. */
export function recordFields(config: ProbabilisticConfig): string[] {
  const { train } = config;
  const label = train.labels && 'field' in train.labels ? [train.labels.field] : [];
  const cross = Object.values(config.comparisons).flatMap(crossFields);
  return [...new Set([...Object.keys(config.comparisons), ...cross, ...config.blocking.flat(), ...(train.blocking ?? []).flat(), ...(train.deterministic ?? []).flat(), ...label])];
}

export function planFields(config: ProbabilisticConfig): FieldPlan[] {
  return Object.entries(config.comparisons).map(([name, c]) => planField(name, c));
}

const log2 = (x: number) => Math.log(x) / Math.LN2;

/**
 * Trains a Fellegi-Sunter model in the warehouse, as Splink does:
 * 1. u-probabilities: level frequencies among random pairs (sampled in SQL);
 * 2. m-probabilities: from known matches when `train.labels` is given; else by EM once per
 *    training blocking rule over the comparisons the rule does not block on, averaged across rules
 *    (a comparison no rule leaves free is estimated by EM over all blocked pairs);
 * 3. the prior: from `train.deterministic` rules (matching pairs / all pairs / recall), from the
 *    deterministic identity components, given, or by EM of the match share over the blocked pairs
 *    with m and u fixed.
 * Leaves the scratch table `pairs` (rid_l, rid_r, g_<field>...) for scoring, and `labelled`
 * (rid_l, rid_r, is_match) when labels were given.
 */
export async function trainModel(sql: SqlRunner, options: TrainOptions): Promise<{ params: ModelParams; pairs: RelationRef; labelled?: RelationRef }> {
  const { config, scratch, records } = options;
  const fields = planFields(config);
  const { u, randomPairs, nonNull } = await estimateU(sql, records, config, fields, scratch);

  const pairs = scratch('pairs');
  const blockedPairs = await createBlockedPairs(sql, records, config, fields, pairs);
  const patterns = scratch('patterns');
  const gcols = fields.map((f) => sql.q(f.gammaColumn)).join(', ');
  await sql.create(patterns, `SELECT ${gcols}, COUNT(*) AS n FROM ${sql.rel(pairs)} GROUP BY ${gcols}`);

  let m: LevelValues;
  let sessions: TrainingSession[] = [];
  let fallbackFields: string[] = [];
  let knownMatches = 0;
  let labelled: RelationRef | undefined;
  const tolerance = config.train.tolerance;
  let labels = effectiveLabels(config, options.reviewed);
  if (labels) {
    labelled = scratch('labelled');
    knownMatches = await createLabelledPairs(sql, records, config, labels, labelled, config.train.labels ? options.reviewed : null);
    // Review answers alone whose records no longer take part: nothing to learn m from, train by EM.
    if (knownMatches === 0 && !config.train.labels) {
      await sql.drop(labelled);
      labelled = undefined;
      labels = undefined;
    }
  }
  if (labels && labelled) {
    if (knownMatches === 0) {
      throw new CdpError('IDENTITY_INVALID', 'the labels name no matching pair of participating records', {
        location: { path: 'identity.probabilistic.train.labels' },
        hint: 'check the label field or pairs relation (source and record_key as the sources give them), or remove train.labels to train by EM',
      });
    }
    m = await mFromLabels(sql, records, labelled, fields);
  } else {
    const trained = await trainByRules(sql, { records, config, fields, u, rules: config.train.blocking ?? config.blocking, scratch });
    m = trained.m;
    sessions = trained.sessions;
    fallbackFields = trained.uncovered;
    if (fallbackFields.length) {
      const all = await runEm(sql, { patterns, fields, u, maxIterations: config.emIterations, tolerance });
      for (const f of fields.filter((x) => fallbackFields.includes(x.name))) {
        for (const level of f.levels) if (all.m.has(levelKey(f.name, level.gamma))) m.set(levelKey(f.name, level.gamma), all.m.get(levelKey(f.name, level.gamma))!);
      }
      sessions.push({ rule: [], pairs: blockedPairs, estimated: fallbackFields, iterations: all.iterations, converged: all.converged, matchShare: all.share });
    }
  }
  const nRecords = await sql.count(records);
  const possible = await possiblePairs(sql, records, config, nRecords);
  // λ by EM with m and u fixed: the posterior of each blocked pair uses λ itself (not a share of
  // the blocked pairs, whose blocked-on fields agree by construction), pairs outside the blocks
  // count as non-matches.
  const lambda = await runEm(sql, { patterns, fields, u, m, share: Math.min(blockedPairs / possible, 0.5), maxIterations: 200, tolerance: 1e-6, fixM: true, population: possible });
  await sql.drop(patterns);
  // Matches blocking missed are not non-matches: λ is scaled up by the share of matches blocking finds.
  const exactAgreement = (field: string) => {
    const plan = fields.find((f) => f.name === field);
    const exact = plan?.levels.find((l) => l.exact);
    return plan && exact ? m.get(levelKey(field, exact.gamma))! * (nonNull.get(field) ?? 1) : 0;
  };
  const recallOfBlocking = Math.max(blockingRecall(config.blocking, exactAgreement), 0.05);
  const emMatches = (lambda.share * possible) / recallOfBlocking;
  const { prior, priorSource } = await estimatePrior(sql, { ...options, possible, emMatches });

  const levels: LevelParams[] = [];
  for (const f of fields) {
    for (const level of f.levels) {
      if (level.gamma === NULL_LEVEL) {
        levels.push({ field: f.name, gamma: level.gamma, label: level.label, m: 1, u: 1, weight: 0 });
        continue;
      }
      const mm = m.get(levelKey(f.name, level.gamma))!;
      const uu = nonMatchU(u.get(levelKey(f.name, level.gamma))!, mm, prior);
      levels.push({ field: f.name, gamma: level.gamma, label: level.label, m: mm, u: uu, weight: log2(mm / uu) });
    }
  }
  const emSessions = sessions.filter((s) => s.estimated.length > 0);
  return {
    params: {
      prior,
      priorSource,
      mSource: labels ? 'labels' : 'em',
      reviewed: labels && options.reviewed ? { matches: options.reviewed.matches, nonMatches: options.reviewed.nonMatches } : undefined,
      sessions,
      fallbackFields,
      knownMatches,
      curves: [],
      blockedMatchShare: blockedPairs > 0 ? emMatches / blockedPairs : 0,
      levels,
      iterations: emSessions.reduce((s, x) => s + x.iterations, 0),
      converged: emSessions.every((s) => s.converged),
      blockedPairs,
      randomPairs,
      records: nRecords,
      tfFields: fields.filter((f) => f.termFrequency).map((f) => f.name),
    },
    pairs,
    labelled,
  };
}

/**
 * u among non-matches, from a level's share among random pairs: random pairs are a mixture of
 * matches (share λ, the prior) and non-matches, so share = λ·m + (1 - λ)·u. Taking the share as u
 * (as Splink does) overstates u of agreeing levels when λ is not tiny next to them (on 1,000
 * records with 4 records per person, λ 0.004 against an exact-name u of 0.006) and understates
 * every agreement's weight. Floored at a tenth of the share, so that an m estimated too high cannot
 * drive u to zero.
 */
export function nonMatchU(randomShare: number, m: number, prior: number): number {
  return Math.max((randomShare - prior * m) / (1 - prior), randomShare / 10);
}

/** u: each level's frequency among the non-null comparisons of random pairs (before `nonMatchU`). */
async function estimateU(
  sql: SqlRunner,
  records: RelationRef,
  config: ProbabilisticConfig,
  fields: FieldPlan[],
  scratch: (name: string) => RelationRef,
): Promise<{ u: LevelValues; randomPairs: number; nonNull: Map<string, number> }> {
  const d = sql.d;
  const random = scratch('random_pairs');
  const randomPairs = await createRandomPairs(sql, records, config, fields, random, scratch('random_order'));
  const uRows = await sql.query<{ field: string; gamma: number; n: number | bigint }>(
    fields
      .map((f) => `SELECT ${d.literal(f.name)} AS field, ${sql.q(f.gammaColumn)} AS gamma, COUNT(*) AS n FROM ${sql.rel(random)} GROUP BY ${sql.q(f.gammaColumn)}`)
      .join(' UNION ALL '),
  );
  await sql.drop(random);
  const u: LevelValues = new Map();
  const nonNull = new Map<string, number>();
  for (const f of fields) {
    const rows = uRows.filter((r) => r.field === f.name && Number(r.gamma) !== NULL_LEVEL);
    const total = rows.reduce((s, r) => s + Number(r.n), 0);
    nonNull.set(f.name, randomPairs > 0 ? total / randomPairs : 1);
    for (const level of f.levels) {
      if (level.gamma === NULL_LEVEL) continue;
      const n = Number(rows.find((r) => Number(r.gamma) === level.gamma)?.n ?? 0);
      u.set(levelKey(f.name, level.gamma), total > 0 ? Math.max(n, 1) / (total + 1) : 0.5);
    }
  }
  return { u, randomPairs, nonNull };
}

/**
 * P(a true match passes blocking): the chance it agrees exactly on every field of at least one
 * rule, each field agreeing with probability m(exact) × P(both sides present), fields independent
 * given a match (the model's own assumption), summed over every agree/disagree combination of the
 * blocking fields. A field without an exact level counts as never agreeing.
 */
export function blockingRecall(rules: string[][], agree: (field: string) => number): number {
  const fieldsOf = [...new Set(rules.flat())];
  if (fieldsOf.length > 16) return 1;
  let recall = 0;
  for (let mask = 0; mask < 1 << fieldsOf.length; mask++) {
    const agreed = new Set(fieldsOf.filter((_, i) => mask & (1 << i)));
    if (!rules.some((rule) => rule.every((f) => agreed.has(f)))) continue;
    recall += fieldsOf.reduce((p, f, i) => p * (mask & (1 << i) ? agree(f) : 1 - agree(f)), 1);
  }
  return recall;
}

async function estimatePrior(
  sql: SqlRunner,
  options: TrainOptions & { possible: number; emMatches: number },
): Promise<{ prior: number; priorSource: ModelParams['priorSource'] }> {
  const { config, possible } = options;
  let prior: number;
  let priorSource: ModelParams['priorSource'];
  if (typeof config.prior === 'number') {
    prior = config.prior;
    priorSource = 'config';
  } else if (config.train.deterministic) {
    prior = (await deterministicRulePairs(sql, options.records, config, config.train.deterministic)) / possible / config.train.recall;
    priorSource = 'rules';
  } else if (config.prior === 'deterministic' && options.deterministicPairs && options.deterministicPairs > 0) {
    prior = options.deterministicPairs / possible;
    priorSource = 'deterministic';
  } else {
    prior = options.emMatches / possible;
    priorSource = 'em';
  }
  return { prior: Math.min(Math.max(prior, EPS), 1 - EPS), priorSource };
}

/** Pairs agreeing exactly on every field of at least one rule (distinct over the rules). */
async function deterministicRulePairs(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, rules: string[][]): Promise<number> {
  const recs = sql.rel(records);
  const selects = rules.map(
    (rule) => `SELECT l.rid AS rid_l, r.rid AS rid_r FROM ${recs} l JOIN ${recs} r ON ${rule.map((f) => `l.${sql.q(f)} = r.${sql.q(f)}`).join(' AND ')} AND l.rid < r.rid${linkFilter(config)}`,
  );
  const [row] = await sql.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM (${selects.join(` ${sql.d.unionDistinct()} `)}) x`);
  return Number(row?.n ?? 0);
}

/** All pairs the link type allows: the denominator of the prior. */
async function possiblePairs(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, n: number): Promise<number> {
  const all = (n * (n - 1)) / 2;
  if (config.linkType === 'link_and_dedupe') return Math.max(all, 1);
  const rows = await sql.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${sql.rel(records)} GROUP BY source`);
  const within = rows.reduce((s, r) => s + (Number(r.n) * (Number(r.n) - 1)) / 2, 0);
  return Math.max(config.linkType === 'link_only' ? all - within : within, 1);
}

