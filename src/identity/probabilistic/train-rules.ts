import type { ProbabilisticConfig } from '../../config/index.js';
import type { RelationRef } from '../../warehouse/index.js';
import type { SqlRunner } from '../runner.js';
import { gammaSql, type FieldPlan } from './comparisons.js';
import { initialM, levelKey, runEm, type LevelValues } from './em.js';
import { linkFilter } from './pairs.js';

/** One EM session: the pairs one training rule blocks, and what it estimated. */
export interface TrainingSession {
  rule: string[];
  pairs: number;
  /** Comparisons whose m this session estimated (those the rule does not block on). */
  estimated: string[];
  iterations: number;
  converged: boolean;
  /** Share of the rule's pairs EM took for matches. */
  matchShare: number;
}

/** The pairs agreeing on every field of `rule`, with the comparison vector of `fields`, grouped into patterns `(g_<field>..., n)`. */
export async function rulePatterns(sql: SqlRunner, records: RelationRef, config: ProbabilisticConfig, rule: string[], fields: FieldPlan[], target: RelationRef): Promise<number> {
  const d = sql.d;
  const recs = sql.rel(records);
  const on = rule.map((f) => `l.${d.quoteIdent(f)} = r.${d.quoteIdent(f)}`).join(' AND ');
  const gcols = fields.map((f) => d.quoteIdent(f.gammaColumn));
  const vector = fields.length ? `${fields.map((f) => gammaSql(d, f, 'l', 'r')).join(', ')}, ` : '';
  await sql.create(
    target,
    `SELECT ${gcols.map((g) => `${g}, `).join('')}COUNT(*) AS n
     FROM (SELECT ${vector}1 AS one FROM ${recs} l JOIN ${recs} r ON ${on} AND l.rid < r.rid${linkFilter(config)}) x
     ${gcols.length ? `GROUP BY ${gcols.join(', ')}` : ''}`,
  );
  const [row] = await sql.query<{ n: number | bigint | null }>(`SELECT SUM(n) AS n FROM ${sql.rel(target)}`);
  return Number(row?.n ?? 0);
}

/**
 * m by EM per training blocking rule, as Splink trains: each rule's pairs are compared on the
 * fields the rule does not block on (a blocked-on field agrees on every pair, so it says nothing
 * about matches there), EM estimates their m with u fixed, and each comparison's m is the mean of
 * the sessions that estimated it. Returns the comparisons no rule left free in `uncovered`.
 */
export async function trainByRules(
  sql: SqlRunner,
  options: { records: RelationRef; config: ProbabilisticConfig; fields: FieldPlan[]; u: LevelValues; rules: string[][]; scratch: (name: string) => RelationRef },
): Promise<{ m: LevelValues; sessions: TrainingSession[]; uncovered: string[] }> {
  const { config, fields, u } = options;
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  const sessions: TrainingSession[] = [];
  const patterns = options.scratch('rule_patterns');
  for (const rule of options.rules) {
    const free = fields.filter((f) => !rule.includes(f.name));
    const pairs = await rulePatterns(sql, options.records, config, rule, free, patterns);
    if (free.length === 0 || pairs === 0) {
      sessions.push({ rule, pairs, estimated: [], iterations: 0, converged: true, matchShare: 0 });
      continue;
    }
    const em = await runEm(sql, { patterns, fields: free, u, m: initialM(free), share: 0.5, maxIterations: config.emIterations, tolerance: config.train.tolerance });
    for (const [key, value] of em.m) {
      sums.set(key, (sums.get(key) ?? 0) + value);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    sessions.push({ rule, pairs, estimated: free.map((f) => f.name), iterations: em.iterations, converged: em.converged, matchShare: em.share });
  }
  await sql.drop(patterns);
  const m: LevelValues = new Map();
  for (const [key, sum] of sums) m.set(key, sum / counts.get(key)!);
  const uncovered = fields.filter((f) => !f.levels.some((l) => m.has(levelKey(f.name, l.gamma)))).map((f) => f.name);
  return { m, sessions, uncovered };
}
