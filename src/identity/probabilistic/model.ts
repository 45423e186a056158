import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { NULL_LEVEL, num, planField, type FieldPlan } from './comparisons.js';
import { createBlockedPairs, createRandomPairs } from './pairs.js';

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
  priorSource: 'em' | 'deterministic' | 'config';
  /** Share of blocked pairs that match, as EM estimated it. */
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
}

export function planFields(config: ProbabilisticConfig): FieldPlan[] {
  return Object.entries(config.comparisons).map(([name, c]) => planField(name, c));
}

const log2 = (x: number) => Math.log(x) / Math.LN2;
/** Floor for probabilities, so a level never seen in a sample gets a finite weight. */
const EPS = 1e-9;
/**
 * Expected matches added to every level when m is re-estimated: a level no match reached in a
 * small data set gets a large negative weight, not an infinite one (negligible on thousands of matches).
 */
const M_PSEUDO_COUNT = 0.5;

/**
 * Trains a Fellegi-Sunter model in the warehouse:
 * 1. u-probabilities: level frequencies among random pairs (sampled in SQL);
 * 2. blocked candidate pairs with their comparison vectors, grouped by pattern into a tiny table;
 * 3. m-probabilities (and the blocked match share) by expectation-maximisation, each iteration
 *    one aggregate query over the pattern table, u held fixed;
 * 4. the prior: matches EM found among blocked pairs over all possible pairs (or deterministic, or given).
 * Leaves the scratch table `pairs` (rid_l, rid_r, g_<field>...) for scoring.
 */
export async function trainModel(sql: SqlRunner, options: TrainOptions): Promise<{ params: ModelParams; pairs: RelationRef }> {
  const { config, scratch, records } = options;
  const d = sql.d;
  const fields = planFields(config);
  const q = (name: string) => d.quoteIdent(name);

  const random = scratch('random_pairs');
  const randomPairs = await createRandomPairs(sql, records, config, fields, random, scratch('random_order'));
  const uRows = await sql.query<{ field: string; gamma: number; n: number | bigint }>(
    fields
      .map((f) => `SELECT ${d.literal(f.name)} AS field, ${q(f.gammaColumn)} AS gamma, COUNT(*) AS n FROM ${sql.rel(random)} GROUP BY ${q(f.gammaColumn)}`)
      .join(' UNION ALL '),
  );
  await sql.drop(random);

  const pairs = scratch('pairs');
  const blockedPairs = await createBlockedPairs(sql, records, config, fields, pairs);
  const patterns = scratch('patterns');
  const gcols = fields.map((f) => q(f.gammaColumn)).join(', ');
  await sql.create(patterns, `SELECT ${gcols}, COUNT(*) AS n FROM ${sql.rel(pairs)} GROUP BY ${gcols}`);

  // u: level frequency among non-null random comparisons.
  const u = new Map<string, number>();
  for (const f of fields) {
    const rows = uRows.filter((r) => r.field === f.name && Number(r.gamma) !== NULL_LEVEL);
    const total = rows.reduce((s, r) => s + Number(r.n), 0);
    for (const level of f.levels) {
      if (level.gamma === NULL_LEVEL) continue;
      const n = Number(rows.find((r) => Number(r.gamma) === level.gamma)?.n ?? 0);
      u.set(key(f.name, level.gamma), total > 0 ? Math.max(n, 1) / (total + 1) : 0.5);
    }
  }
  // m: start from "matches mostly agree at the top level".
  const m = new Map<string, number>();
  for (const f of fields) {
    const listed = f.levels.filter((l) => l.gamma !== NULL_LEVEL);
    const top = Math.max(...listed.map((l) => l.gamma));
    for (const level of listed) m.set(key(f.name, level.gamma), level.gamma === top ? 0.9 : 0.1 / (listed.length - 1));
  }
  let share = 0.1;
  let iterations = 0;
  let converged = false;
  for (; iterations < config.emIterations && blockedPairs > 0; ) {
    iterations++;
    const rows = await sql.query<{ field: string; gamma: number; sm: number; su: number }>(emStepSql(sql, fields, patterns, m, u, share));
    let maxDelta = 0;
    const lambdaRow = rows.find((r) => r.field === '');
    const nextShare = lambdaRow && Number(lambdaRow.su) > 0 ? Number(lambdaRow.sm) / Number(lambdaRow.su) : share;
    maxDelta = Math.abs(nextShare - share);
    share = Math.min(Math.max(nextShare, EPS), 1 - EPS);
    for (const f of fields) {
      const fr = rows.filter((r) => r.field === f.name && Number(r.gamma) !== NULL_LEVEL);
      const listed = f.levels.filter((l) => l.gamma !== NULL_LEVEL).length;
      const total = fr.reduce((s, r) => s + Number(r.sm), 0) + M_PSEUDO_COUNT * listed;
      for (const level of f.levels) {
        if (level.gamma === NULL_LEVEL) continue;
        const sm = Number(fr.find((r) => Number(r.gamma) === level.gamma)?.sm ?? 0);
        const next = Math.max((sm + M_PSEUDO_COUNT) / total, EPS);
        maxDelta = Math.max(maxDelta, Math.abs(next - m.get(key(f.name, level.gamma))!));
        m.set(key(f.name, level.gamma), next);
      }
    }
    if (maxDelta < 1e-6) {
      converged = true;
      break;
    }
  }
  await sql.drop(patterns);

  const nRecords = await sql.count(records);
  const possible = await possiblePairs(sql, records, config, nRecords);
  let prior: number;
  let priorSource: ModelParams['priorSource'];
  if (typeof config.prior === 'number') {
    prior = config.prior;
    priorSource = 'config';
  } else if (config.prior === 'deterministic' && options.deterministicPairs && options.deterministicPairs > 0) {
    prior = options.deterministicPairs / possible;
    priorSource = 'deterministic';
  } else {
    prior = (share * blockedPairs) / possible;
    priorSource = 'em';
  }
  prior = Math.min(Math.max(prior, EPS), 1 - EPS);

  const levels: LevelParams[] = [];
  for (const f of fields) {
    for (const level of f.levels) {
      if (level.gamma === NULL_LEVEL) {
        levels.push({ field: f.name, gamma: level.gamma, label: level.label, m: 1, u: 1, weight: 0 });
        continue;
      }
      const mm = m.get(key(f.name, level.gamma))!;
      const uu = u.get(key(f.name, level.gamma))!;
      levels.push({ field: f.name, gamma: level.gamma, label: level.label, m: mm, u: uu, weight: log2(mm / uu) });
    }
  }
  return {
    params: {
      prior,
      priorSource,
      blockedMatchShare: share,
      levels,
      iterations,
      converged,
      blockedPairs,
      randomPairs,
      records: nRecords,
      tfFields: fields.filter((f) => f.termFrequency).map((f) => f.name),
    },
    pairs,
  };
}

function key(field: string, gamma: number): string {
  return `${field}\u0000${gamma}`;
}

/** All pairs the link type allows: the denominator of the prior. */
async function possiblePairs(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, n: number): Promise<number> {
  const all = (n * (n - 1)) / 2;
  if (config.linkType === 'link_and_dedupe') return Math.max(all, 1);
  const rows = await sql.query<{ n: number | bigint }>(`SELECT COUNT(*) AS n FROM ${sql.rel(records)} GROUP BY source`);
  const within = rows.reduce((s, r) => s + (Number(r.n) * (Number(r.n) - 1)) / 2, 0);
  return Math.max(config.linkType === 'link_only' ? all - within : within, 1);
}

/** `CASE g WHEN 3 THEN 0.9 ... END`: a per-level value (1 for null) of one field. */
function levelCase(sql: SqlRunner, field: FieldPlan, values: Map<string, number>): string {
  const whens = field.levels
    .filter((l) => l.gamma !== NULL_LEVEL)
    .map((l) => `WHEN ${l.gamma} THEN ${num(sql.d, values.get(key(field.name, l.gamma))!)}`)
    .join(' ');
  return `CASE ${sql.d.quoteIdent(field.gammaColumn)} ${whens} ELSE 1 END`;
}

/**
 * One EM iteration as one query over the pattern counts: the E-step (each pattern's match
 * posterior) and the M-step sums (expected matches per field level; the '' row holds the
 * expected matches and the pair count, whose ratio is the next blocked match share).
 */
function emStepSql(sql: SqlRunner, fields: FieldPlan[], patterns: RelationRef, m: Map<string, number>, u: Map<string, number>, share: number): string {
  const d = sql.d;
  const mProd = fields.map((f) => `(${levelCase(sql, f, m)})`).join(' * ');
  const uProd = fields.map((f) => `(${levelCase(sql, f, u)})`).join(' * ');
  const gcols = fields.map((f) => d.quoteIdent(f.gammaColumn)).join(', ');
  const e = `SELECT ${gcols}, n, ${num(d, share)} * ${mProd} AS a, ${num(d, 1 - share)} * ${uProd} AS b FROM ${sql.rel(patterns)}`;
  const post = `SELECT ${gcols}, n, a / (a + b) AS post FROM (${e}) e`;
  const str = d.typeName('string');
  const parts = fields.map(
    (f) => `SELECT CAST(${d.literal(f.name)} AS ${str}) AS field, ${d.quoteIdent(f.gammaColumn)} AS gamma, SUM(n * post) AS sm, SUM(n) AS su FROM p GROUP BY ${d.quoteIdent(f.gammaColumn)}`,
  );
  parts.push(`SELECT CAST('' AS ${str}) AS field, 0 AS gamma, SUM(n * post) AS sm, SUM(n) AS su FROM p`);
  return `WITH p AS (${post}) ${parts.join(' UNION ALL ')}`;
}
