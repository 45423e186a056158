import { formatPath } from '../errors.js';
import type { Project } from '../project/index.js';
import type { Row, SqlValue } from '../warehouse/index.js';
import { countTables } from './base.js';
import { audienceCatalog } from './catalog.js';
import { AudienceQueryBuilder, indent, PROFILE_ALIAS } from './compile.js';
import { describeCondition } from './describe.js';
import { invalid, suggestion } from './errors.js';
import type { AudienceInput } from './library.js';
import type { ResolvedCondition } from './resolve.js';
import { SPLIT_COLUMN, splitSalt, splitSql } from './splits.js';
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
  /** Columns of `sample`: profile_id first, then the chosen traits (and `split`, the member's group, when the audience has splits). */
  columns: string[];
  /** Up to `limit` members, ordered by profile_id. */
  sample: Row[];
  /** Wall time of the preview queries. */
  milliseconds: number;
}

export const DEFAULT_SAMPLE_SIZE = 20;
const MAX_SAMPLE_SIZE = 10_000;
/** Larger samples are read by their own query (a long IN list is no cheaper than a second pass). */
const MAX_IDS_IN_FUNNEL = 1_000;

/** Members of the audience: one COUNT query in the warehouse. */
export async function countAudience(project: Project, input: AudienceInput): Promise<number> {
  const sql = await audienceCountSql(project, input);
  const rows = await (await project.warehouse()).query<{ n: number | bigint }>(sql);
  return Number(rows[0]?.n ?? 0);
}

/**
 * The COUNT query `countAudience` runs (column `n`), in the warehouse's dialect: over the build's
 * audience base when there is one (src/audiences/base.ts), else over `profiles`.
 */
export async function audienceCountSql(project: Project, input: AudienceInput, options: { base?: boolean } = {}): Promise<string> {
  const resolved = await validateAudience(project, input);
  const warehouse = await project.warehouse();
  const builder = new AudienceQueryBuilder(warehouse.dialect, options.base === false ? audienceTables(project) : await countTables(project));
  const where = builder.predicate(resolved.where);
  return `${builder.with()}SELECT COUNT(*) AS ${warehouse.dialect.quoteIdent('n')}\n${builder.from()}\nWHERE ${where}`;
}

export interface PreviewOptions {
  limit?: number;
  traits?: string[];
  /**
   * On DuckDB, evaluate the audience once (the funnel pass collects the sample's ids). Default true;
   * false runs the two-pass form every other engine runs (the SQL checks replay that form).
   */
  singlePass?: boolean;
}

/**
 * A preview ready to run: its SQL (what the result depends on, given the data) and how to run it.
 * Callers that cache previews key them by `key`; `run` queries the warehouse.
 */
export interface AudiencePreviewPlan {
  /** The funnel and sample SQL: identical keys give identical previews on the same data. */
  key: string;
  run(): Promise<AudiencePreview>;
}

/**
 * Count, funnel and sample: one pass that counts every step, and one that reads the first `limit`
 * members with the chosen traits, run side by side. On DuckDB the counting pass also collects the
 * first member ids, and the sample is a lookup of those rows (the audience is evaluated once).
 */
export async function previewAudience(
  project: Project,
  input: AudienceInput,
  options: PreviewOptions = {},
): Promise<AudiencePreview> {
  const started = Date.now();
  const preview = await (await planAudiencePreview(project, input, options)).run();
  return { ...preview, milliseconds: Date.now() - started };
}

/** Validates and compiles a preview (no query but the cached catalog's) without running it. */
export async function planAudiencePreview(
  project: Project,
  input: AudienceInput,
  options: PreviewOptions = {},
): Promise<AudiencePreviewPlan> {
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
  // Where the dialect can (DuckDB), the funnel pass also keeps the first `limit` member ids, and the
  // sample is a lookup of those rows: one evaluation of the audience instead of two.
  // A split group may depend on the other members (stratified): read from the audience itself.
  const { splits } = resolved.definition;
  const smallestN = options.singlePass === false || splits || limit <= 0 || limit > MAX_IDS_IN_FUNNEL ? undefined : d.smallestN?.bind(d);
  const idsInFunnel = smallestN !== undefined;
  const member = tops.map((_, j) => `f.${flag(j)}`).join(' AND ');
  const profileId = `${PROFILE_ALIAS}.${d.quoteIdent('profile_id')}`;
  const ids = smallestN ? [`${smallestN(`f.${d.quoteIdent('pid')}`, limit, member || undefined)} AS ${d.quoteIdent('ids')}`] : [];
  const inner = [...(idsInFunnel ? [`${profileId} AS ${d.quoteIdent('pid')}`] : []), ...flags];
  const funnelSql = [
    `${funnel.with()}SELECT ${[`COUNT(*) AS ${d.quoteIdent('total')}`, ...steps, ...ids].join(',\n  ')}`,
    `FROM (`,
    indent(`SELECT ${inner.length ? inner.join(',\n  ') : `1 AS ${d.quoteIdent('one')}`}\n${funnel.from()}`),
    `) AS f`,
  ].join('\n');

  const select = columns.map((c) => `${PROFILE_ALIAS}.${d.quoteIdent(c)}`).join(', ');
  const sampleBuilder = new AudienceQueryBuilder(d, audienceTables(project));
  const where = sampleBuilder.predicate(resolved.where);
  const splitColumn = splits ? `, ${splitSql(d, splits, splitSalt(resolved.definition))} AS ${d.quoteIdent(SPLIT_COLUMN)}` : '';
  const sampleSql = `${sampleBuilder.with()}SELECT ${select}${splitColumn}\n${sampleBuilder.from()}\nWHERE ${where}\nORDER BY ${profileId}\n${d.limit(limit)}`;
  const lookupSql = (members: SqlValue[]) =>
    `SELECT ${select}\nFROM ${d.relation(audienceTables(project).profiles)} AS ${PROFILE_ALIAS}\nWHERE ${profileId} IN (${members.map((id) => d.literal(id)).join(', ')})\nORDER BY ${profileId}`;
  // Labels come from the definition, not the SQL (two definitions may compile alike): part of the key.
  const labels = tops.map((node) => `${formatPath(node.path)}\t${describeCondition(node.source)}`);

  return {
    key: [funnelSql, limit > 0 ? (idsInFunnel ? select : sampleSql) : columns.join(','), ...labels].join('\n;\n'),
    async run() {
      const started = Date.now();
      let row: Row;
      let sample: Row[];
      if (idsInFunnel) {
        // One connection for both (the lookup must not queue behind other requests' queries once
        // the funnel is done), and one snapshot: the ids are looked up in the data they came from.
        [row, sample] = await warehouse.transaction(async (session) => {
          const counted = (await session.query(funnelSql))[0] ?? {};
          const members = Array.isArray(counted.ids) ? (counted.ids as unknown[]) : [];
          const plain = members.every((id) => typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint');
          // Ids of a kind that cannot be written back as literals: read the sample the long way.
          const rows = !plain ? await session.query(sampleSql) : members.length ? await session.query(lookupSql(members as SqlValue[])) : [];
          return [counted, rows] as const;
        });
      } else {
        const [counts, sampled] = await Promise.all([warehouse.query(funnelSql), limit > 0 ? warehouse.query(sampleSql) : Promise.resolve([] as Row[])]);
        row = counts[0] ?? {};
        sample = sampled;
      }
      const total = Number(row.total ?? 0);
      const stepCounts = tops.map((node, i) => ({ path: formatPath(node.path), label: describeCondition(node.source), count: Number(row[`step_${i + 1}`] ?? 0) }));
      return {
        count: stepCounts.length ? stepCounts[stepCounts.length - 1]!.count : total,
        total,
        steps: stepCounts,
        columns: splits ? [...columns, SPLIT_COLUMN] : columns,
        sample,
        milliseconds: Date.now() - started,
      };
    },
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
