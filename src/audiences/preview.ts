import { formatPath } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Row } from '../warehouse/index.js';
import { audienceCatalog } from './catalog.js';
import { AudienceQueryBuilder, indent, PROFILE_ALIAS } from './compile.js';
import { describeCondition } from './describe.js';
import { invalid, suggestion } from './errors.js';
import type { AudienceInput } from './library.js';
import type { ResolvedCondition } from './resolve.js';
import { audienceTables, validateAudience } from './sql.js';

/** How one top-level condition narrows the audience: members left after it and every earlier one. */
export interface AudienceStep {
  /** Definition path of the condition, e.g. `where.all[2]`. */
  path: string;
  label: string;
  count: number;
}

export interface AudiencePreview {
  /** Members. */
  count: number;
  /** Every profile (the funnel's starting point). */
  total: number;
  /** Cumulative narrowing by each top-level condition of an `all` (one step otherwise). */
  steps: AudienceStep[];
  /** Columns of `sample`: profile_id first, then the chosen traits. */
  columns: string[];
  /** Up to `limit` members, ordered by profile_id. */
  sample: Row[];
  /** Wall time of the preview queries. */
  milliseconds: number;
}

export const DEFAULT_SAMPLE_SIZE = 20;
const MAX_SAMPLE_SIZE = 10_000;

/** Members of the audience: one COUNT query in the warehouse. */
export async function countAudience(project: Project, input: AudienceInput): Promise<number> {
  const sql = await audienceCountSql(project, input);
  const rows = await (await project.warehouse()).query<{ n: number | bigint }>(sql);
  return Number(rows[0]?.n ?? 0);
}

/** The COUNT query `countAudience` runs (column `n`), in the warehouse's dialect. */
export async function audienceCountSql(project: Project, input: AudienceInput): Promise<string> {
  const resolved = await validateAudience(project, input);
  const warehouse = await project.warehouse();
  const builder = new AudienceQueryBuilder(warehouse.dialect, audienceTables(project));
  const where = builder.predicate(resolved.where);
  return `SELECT COUNT(*) AS ${warehouse.dialect.quoteIdent('n')}\n${builder.from()}\nWHERE ${where}`;
}

/**
 * Count, funnel and sample in two queries run side by side: one pass that counts every step, and
 * one that reads the first `limit` members with the chosen traits.
 */
export async function previewAudience(
  project: Project,
  input: AudienceInput,
  options: { limit?: number; traits?: string[] } = {},
): Promise<AudiencePreview> {
  const started = Date.now();
  const resolved = await validateAudience(project, input);
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const limit = Math.min(Math.max(0, Math.trunc(options.limit ?? DEFAULT_SAMPLE_SIZE)), MAX_SAMPLE_SIZE);
  const columns = await sampleColumns(project, options.traits);

  // Each top-level condition is evaluated once per profile as a flag; the steps AND them up.
  const tops = topLevel(resolved.where);
  const funnel = new AudienceQueryBuilder(d, audienceTables(project));
  const flag = (i: number) => d.quoteIdent(`c${i + 1}`);
  const flags = tops.map((node, i) => `${funnel.predicate(node)} AS ${flag(i)}`);
  const steps = tops.map((_, i) => {
    const cumulative = tops.slice(0, i + 1).map((__, j) => `f.${flag(j)}`).join(' AND ');
    return `COUNT(CASE WHEN ${cumulative} THEN 1 END) AS ${d.quoteIdent(`step_${i + 1}`)}`;
  });
  const funnelSql = [
    `SELECT ${[`COUNT(*) AS ${d.quoteIdent('total')}`, ...steps].join(',\n  ')}`,
    `FROM (`,
    indent(`SELECT ${flags.length ? flags.join(',\n  ') : `1 AS ${d.quoteIdent('one')}`}\n${funnel.from()}`),
    `) AS f`,
  ].join('\n');

  const sampleBuilder = new AudienceQueryBuilder(d, audienceTables(project));
  const where = sampleBuilder.predicate(resolved.where);
  const select = columns.map((c) => `${PROFILE_ALIAS}.${d.quoteIdent(c)}`).join(', ');
  const sampleSql = `SELECT ${select}\n${sampleBuilder.from()}\nWHERE ${where}\nORDER BY ${PROFILE_ALIAS}.${d.quoteIdent('profile_id')}\n${d.limit(limit)}`;

  const [counts, sample] = await Promise.all([
    warehouse.query(funnelSql),
    limit > 0 ? warehouse.query(sampleSql) : Promise.resolve([] as Row[]),
  ]);
  const row = counts[0] ?? {};
  const total = Number(row.total ?? 0);
  const stepCounts = tops.map((node, i) => ({ path: formatPath(node.path), label: describeCondition(node.source), count: Number(row[`step_${i + 1}`] ?? 0) }));
  return {
    count: stepCounts.length ? stepCounts[stepCounts.length - 1]!.count : total,
    total,
    steps: stepCounts,
    columns,
    sample,
    milliseconds: Date.now() - started,
  };
}

/** The conditions a funnel shows: the items of a top-level `all`, else the whole condition. */
function topLevel(where: ResolvedCondition): ResolvedCondition[] {
  return where.type === 'all' ? where.items : [where];
}

async function sampleColumns(project: Project, traits: string[] | undefined): Promise<string[]> {
  const known = await audienceCatalog(project).traits();
  if (!traits || traits.length === 0) return ['profile_id', ...[...known.keys()].filter((c) => c !== 'profile_id')];
  traits.forEach((trait, i) => {
    if (!known.has(trait)) throw invalid(`unknown trait \`${trait}\``, ['traits', i], suggestion(trait, [...known.keys()], 'trait'));
  });
  return ['profile_id', ...traits.filter((t) => t !== 'profile_id')];
}
