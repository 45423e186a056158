import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { NULL_LEVEL, num, type FieldPlan } from './comparisons.js';

/** Per-level values keyed by `levelKey(field, gamma)`. */
export type LevelValues = Map<string, number>;

export function levelKey(field: string, gamma: number): string {
  return `${field}\u0000${gamma}`;
}

/** Floor for probabilities, so a level never seen in a sample gets a finite weight. */
export const EPS = 1e-9;
/**
 * Expected matches added to every level when m is re-estimated: a level no match reached in a
 * small data set gets a large negative weight, not an infinite one (negligible on thousands of matches).
 */
export const M_PSEUDO_COUNT = 0.5;

export interface EmResult {
  /** m of the fields EM estimated. */
  m: LevelValues;
  /** Share of the pattern table's pairs that match. */
  share: number;
  iterations: number;
  converged: boolean;
  /** Largest change of any parameter in the last iteration. */
  lastDelta: number;
}

/** Starting m: "matches mostly agree at the top level". */
export function initialM(fields: FieldPlan[]): LevelValues {
  const m: LevelValues = new Map();
  for (const f of fields) {
    const listed = f.levels.filter((l) => l.gamma !== NULL_LEVEL);
    const top = Math.max(...listed.map((l) => l.gamma));
    for (const level of listed) m.set(levelKey(f.name, level.gamma), level.gamma === top ? 0.9 : 0.1 / (listed.length - 1));
  }
  return m;
}

/**
 * Expectation-maximisation over a pattern table `(g_<field>..., n)`: u held fixed, m of `fields`
 * and the match share re-estimated until no parameter moves by more than `tolerance` or
 * `maxIterations` ran. With `fixM`, only the share moves (m and u known); with `population`
 * as well, the share is of all `population` pairs (the prior: every pair outside the pattern
 * table taken for a non-match), its change measured relative to itself.
 */
export async function runEm(
  sql: SqlRunner,
  options: {
    patterns: RelationRef;
    fields: FieldPlan[];
    u: LevelValues;
    m?: LevelValues;
    share?: number;
    maxIterations: number;
    tolerance: number;
    fixM?: boolean;
    population?: number;
  },
): Promise<EmResult> {
  const { fields, u, patterns } = options;
  const m = new Map(options.m ?? initialM(fields));
  let share = options.share ?? 0.1;
  let lastDelta = Infinity;
  let iterations = 0;
  while (iterations < options.maxIterations) {
    iterations++;
    const rows = await sql.query<{ field: string; gamma: number; sm: number; su: number }>(emStepSql(sql, fields, patterns, m, u, share));
    const lambdaRow = rows.find((r) => r.field === '');
    if (!lambdaRow || !(Number(lambdaRow.su) > 0)) return { m, share, iterations, converged: true, lastDelta: 0 };
    const nextShare = Math.min(Math.max(Number(lambdaRow.sm) / (options.population ?? Number(lambdaRow.su)), EPS), 1 - EPS);
    lastDelta = Math.abs(nextShare - share) / (options.population ? share : 1);
    share = nextShare;
    if (!options.fixM) lastDelta = Math.max(lastDelta, mStep(fields, rows, m));
    if (lastDelta < options.tolerance) return { m, share, iterations, converged: true, lastDelta };
  }
  return { m, share, iterations, converged: false, lastDelta };
}

/** Re-estimates m from the expected matches per level (in place); returns the largest change. */
function mStep(fields: FieldPlan[], rows: Array<{ field: string; gamma: number; sm: number }>, m: LevelValues): number {
  let maxDelta = 0;
  for (const f of fields) {
    const fr = rows.filter((r) => r.field === f.name && Number(r.gamma) !== NULL_LEVEL);
    const listed = f.levels.filter((l) => l.gamma !== NULL_LEVEL).length;
    const total = fr.reduce((s, r) => s + Number(r.sm), 0) + M_PSEUDO_COUNT * listed;
    for (const level of f.levels) {
      if (level.gamma === NULL_LEVEL) continue;
      const sm = Number(fr.find((r) => Number(r.gamma) === level.gamma)?.sm ?? 0);
      const next = Math.max((sm + M_PSEUDO_COUNT) / total, EPS);
      maxDelta = Math.max(maxDelta, Math.abs(next - m.get(levelKey(f.name, level.gamma))!));
      m.set(levelKey(f.name, level.gamma), next);
    }
  }
  return maxDelta;
}

/** `CASE g WHEN 3 THEN 0.9 ... END`: a per-level value (1 for null) of one field. */
export function levelCase(sql: SqlRunner, field: FieldPlan, values: LevelValues): string {
  const whens = field.levels
    .filter((l) => l.gamma !== NULL_LEVEL)
    .map((l) => `WHEN ${l.gamma} THEN ${num(sql.d, values.get(levelKey(field.name, l.gamma))!)}`)
    .join(' ');
  return `CASE ${sql.d.quoteIdent(field.gammaColumn)} ${whens} ELSE 1 END`;
}

/**
 * One EM iteration as one query over the pattern counts: the E-step (each pattern's match
 * posterior) and the M-step sums (expected matches per field level; the '' row holds the
 * expected matches and the pair count, whose ratio is the next match share).
 */
function emStepSql(sql: SqlRunner, fields: FieldPlan[], patterns: RelationRef, m: LevelValues, u: LevelValues, share: number): string {
  const d = sql.d;
  const mProd = fields.length ? fields.map((f) => `(${levelCase(sql, f, m)})`).join(' * ') : '1';
  const uProd = fields.length ? fields.map((f) => `(${levelCase(sql, f, u)})`).join(' * ') : '1';
  const gcols = fields.map((f) => `${d.quoteIdent(f.gammaColumn)}, `).join('');
  const e = `SELECT ${gcols}n, ${num(d, share)} * ${mProd} AS a, ${num(d, 1 - share)} * ${uProd} AS b FROM ${sql.rel(patterns)}`;
  const post = `SELECT ${gcols}n, a / (a + b) AS post FROM (${e}) e`;
  const str = d.typeName('string');
  const parts = fields.map(
    (f) => `SELECT CAST(${d.literal(f.name)} AS ${str}) AS field, ${d.quoteIdent(f.gammaColumn)} AS gamma, SUM(n * post) AS sm, SUM(n) AS su FROM p GROUP BY ${d.quoteIdent(f.gammaColumn)}`,
  );
  parts.push(`SELECT CAST('' AS ${str}) AS field, 0 AS gamma, SUM(n * post) AS sm, SUM(n) AS su FROM p`);
  return `WITH p AS (${post}) ${parts.join(' UNION ALL ')}`;
}
