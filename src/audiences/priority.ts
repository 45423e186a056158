import type { Project } from '../project/index.js';
import type { Dialect, DialectName, Row } from '../warehouse/index.js';
import { getDialect } from '../warehouse/index.js';
import { AudienceQueryBuilder, indent, PROFILE_ALIAS } from './compile.js';
import { AudienceError, invalid } from './errors.js';
import { projectResolver } from './library.js';
import { resolveAudience, type ResolvedCondition } from './resolve.js';
import type { PriorityListDefinition } from './schema.js';
export { parsePriorityList } from './parse.js';
import { audienceTables } from './sql.js';

/**
 * Priority lists: each profile goes to the first audience of the list that holds it, so a profile
 * is in one slot at most ("VIPs get the VIP offer, not also the win-back one"). Every audience is
 * compiled once as a common table expression and one CASE picks the first that holds the profile:
 * one statement, whatever the number of slots.
 */

/** The column that names a member's slot. */
export const SLOT_COLUMN = 'audience';

export interface PriorityListCounts {
  /** Every profile. */
  total: number;
  /** Profiles assigned to each audience of the list, in list order (each profile counted once). */
  slots: Array<{ audience: string; count: number }>;
}

/** `CASE WHEN <in first> THEN 'first' ... END` and the builder holding its joins and CTEs. */
async function slotExpression(project: Project, list: PriorityListDefinition, d: Dialect): Promise<{ builder: AudienceQueryBuilder; slot: string }> {
  const resolver = projectResolver(project);
  let resolved: ResolvedCondition;
  try {
    resolved = (await resolveAudience({ where: { any: list.priority.map((audience) => ({ audience })) } }, resolver)).where;
  } catch (error) {
    // where.any[i].audience -> priority[i]
    if (error instanceof AudienceError && error.pathParts[0] === 'where' && typeof error.pathParts[2] === 'number') {
      throw new AudienceError(error.code, error.message, ['priority', error.pathParts[2]], { hint: error.hint, cause: error });
    }
    throw error;
  }
  const slots = resolved.type === 'any' ? resolved.items : [resolved];
  const builder = new AudienceQueryBuilder(d, audienceTables(project));
  const whens = slots.map((node, i) => `WHEN ${builder.predicate(node, true)} THEN ${d.literal(list.priority[i]!)}`);
  return { builder, slot: `CASE\n${indent(whens.join('\n'))}\nEND` };
}

async function dialectOf(project: Project, dialect?: DialectName): Promise<Dialect> {
  return dialect ? getDialect(dialect) : (await project.warehouse()).dialect;
}

/** Every profile held by an audience of the list, once, with the `audience` (slot) it is assigned to; `slot` keeps one. */
export async function priorityListSql(project: Project, list: PriorityListDefinition, options: { dialect?: DialectName; slot?: string } = {}): Promise<string> {
  if (options.slot !== undefined && !list.priority.includes(options.slot)) {
    throw invalid(`priority list \`${list.name}\` has no audience \`${options.slot}\``, ['slot'], `use one of: ${list.priority.join(', ')}`);
  }
  const d = await dialectOf(project, options.dialect);
  const { builder, slot } = await slotExpression(project, list, d);
  const inner = `SELECT ${PROFILE_ALIAS}.*, ${slot} AS ${d.quoteIdent(SLOT_COLUMN)}\n${builder.from()}`;
  const column = `m.${d.quoteIdent(SLOT_COLUMN)}`;
  const keep = options.slot === undefined ? `${column} IS NOT NULL` : `${column} = ${d.literal(options.slot)}`;
  return `${builder.with()}SELECT m.*\nFROM (\n${indent(inner)}\n) AS m\nWHERE ${keep}`;
}

/** The SQL of `priorityListCounts` (columns `audience`, `n`; a NULL audience counts the profiles in none). */
export async function priorityListCountsSql(project: Project, list: PriorityListDefinition, dialect?: DialectName): Promise<string> {
  const d = await dialectOf(project, dialect);
  const { builder, slot } = await slotExpression(project, list, d);
  const column = d.quoteIdent(SLOT_COLUMN);
  return `${builder.with()}SELECT m.${column}, COUNT(*) AS ${d.quoteIdent('n')}\nFROM (\n${indent(`SELECT ${slot} AS ${column}\n${builder.from()}`)}\n) AS m\nGROUP BY m.${column}`;
}

/** Profiles per slot, in one grouped query. */
export async function priorityListCounts(project: Project, list: PriorityListDefinition): Promise<PriorityListCounts> {
  const rows = await (await project.warehouse()).query<{ audience: string | null; n: number | bigint }>(await priorityListCountsSql(project, list));
  const byAudience = new Map(rows.map((r) => [r.audience, Number(r.n)]));
  return {
    total: rows.reduce((sum, r) => sum + Number(r.n), 0),
    slots: list.priority.map((audience) => ({ audience, count: byAudience.get(audience) ?? 0 })),
  };
}

/** Counts per slot and the first `limit` assigned profiles (by profile_id) with their `audience`. */
export async function previewPriorityList(project: Project, list: PriorityListDefinition, options: { limit?: number } = {}): Promise<PriorityListCounts & { sample: Row[] }> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const limit = Math.min(Math.max(0, Math.trunc(options.limit ?? 20)), 10_000);
  const members = await priorityListSql(project, list);
  const [counts, sample] = await Promise.all([
    priorityListCounts(project, list),
    limit > 0 ? warehouse.query(`SELECT s.*\nFROM (\n${indent(members)}\n) AS s\nORDER BY s.${d.quoteIdent('profile_id')}\n${d.limit(limit)}`) : Promise.resolve([] as Row[]),
  ]);
  return { ...counts, sample };
}
