import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { AudienceQueryBuilder, indent } from './compile.js';
import { definitionOf, projectResolver, type AudienceInput } from './library.js';
import { resolveAudience } from './resolve.js';
import { audienceTables } from './sql.js';

export interface AudienceOverlap {
  /** The audiences compared, in the order given. */
  audiences: string[];
  /** Every profile. */
  total: number;
  /** Members of each audience. */
  sizes: Array<{ audience: string; count: number }>;
  /** For every combination of two or more audiences: profiles in all of them. */
  intersections: Array<{ audiences: string[]; count: number }>;
  /** Profiles in exactly these audiences and no other of the list (the regions of a Venn diagram). */
  regions: Array<{ audiences: string[]; count: number }>;
}

export const MAX_OVERLAP_AUDIENCES = 8;

/**
 * Overlap of several audiences in one query: each profile's membership vector is computed in one
 * pass and grouped, giving the 2^n regions; sizes and intersections are sums of regions.
 */
export async function audienceOverlap(project: Project, inputs: AudienceInput[]): Promise<AudienceOverlap> {
  if (inputs.length < 2 || inputs.length > MAX_OVERLAP_AUDIENCES) {
    throw new CdpError('INVALID_INPUT', `overlap compares 2 to ${MAX_OVERLAP_AUDIENCES} audiences, got ${inputs.length}`, {
      hint: 'name two or more audiences',
    });
  }
  const resolver = projectResolver(project);
  const definitions = await Promise.all(inputs.map((input) => definitionOf(project, input)));
  const names = definitions.map((d, i) => d.name ?? `audience_${i + 1}`);
  const resolved = await Promise.all(definitions.map((d) => resolveAudience(d, resolver)));

  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const builder = new AudienceQueryBuilder(d, audienceTables(project));
  const flags = resolved.map((r, i) => `CASE WHEN ${builder.predicate(r.where)} THEN 1 ELSE 0 END AS ${d.quoteIdent(`m${i + 1}`)}`);
  const flagNames = resolved.map((_, i) => d.quoteIdent(`m${i + 1}`));
  const sql = [
    `${builder.with()}SELECT ${flagNames.join(', ')}, COUNT(*) AS ${d.quoteIdent('n')}`,
    `FROM (`,
    `  SELECT ${flags.join(',\n    ')}`,
    indent(builder.from()),
    `) AS memberships`,
    `GROUP BY ${flagNames.join(', ')}`,
  ].join('\n');
  const rows = await warehouse.query(sql);

  const regionCounts = new Map<number, number>(); // bit mask of audiences -> profiles in exactly those
  for (const row of rows) {
    let mask = 0;
    resolved.forEach((_, i) => {
      if (Number(row[`m${i + 1}`]) === 1) mask |= 1 << i;
    });
    regionCounts.set(mask, (regionCounts.get(mask) ?? 0) + Number(row.n));
  }
  const total = [...regionCounts.values()].reduce((a, b) => a + b, 0);
  const namesOf = (mask: number) => names.filter((_, i) => mask & (1 << i));
  const inAll = (mask: number) => [...regionCounts].filter(([region]) => (region & mask) === mask).reduce((sum, [, n]) => sum + n, 0);
  const masks = Array.from({ length: (1 << names.length) - 1 }, (_, i) => i + 1);
  return {
    audiences: names,
    total,
    sizes: names.map((audience, i) => ({ audience, count: inAll(1 << i) })),
    intersections: masks.filter((m) => bitCount(m) >= 2).map((m) => ({ audiences: namesOf(m), count: inAll(m) })),
    regions: masks.map((m) => ({ audiences: namesOf(m), count: regionCounts.get(m) ?? 0 })),
  };
}

function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask; m; m &= m - 1) n++;
  return n;
}
