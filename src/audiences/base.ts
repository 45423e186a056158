import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef } from '../warehouse/index.js';
import { audienceCatalog, audienceDataGeneration } from './catalog.js';
import { AudienceQueryBuilder, PROFILE_ALIAS, windowHours, type AudienceBaseTable, type AudienceTables } from './compile.js';
import { ago } from './operators.js';
import { indent } from './sql-parts.js';
import { readSources } from './library.js';
import type { ResolvedCondition } from './resolve.js';
import type { Duration } from './values.js';
import { audienceTables, validateAudience } from './sql.js';

/**
 * The audience base: one table per build, `<schema>.audience_base`, holding every profile with all
 * its columns and, for the event conditions the project's audiences use most, how many matching
 * events each profile has (`ev_<hash>`, 0 without any). A count whose event conditions are among
 * them reads this one table instead of joining the event streams to `resolved_records`, which is
 * what makes many concurrent counts cheap. Only counts read it (members, previews and snapshots
 * read `profiles`, so their columns stay the profiles' own).
 *
 * A condition with a `within` window is kept as a list of times instead (`ev_<hash>_<hours>h`):
 * every matching event since <hours> (its widest window among the audiences) before the build.
 * A count `within` N at a later time counts the events since now - N, which is after build - N:
 * all in the list, so counting the list's times since now - N gives the live answer exactly.
 *
 * Kept true to `profiles`: a build drops it before identity runs and builds it after profiles and
 * predictions are written; an erasure drops it; counts use it only while it has every column of
 * `profiles`. Conditions whose property filter reads the clock (a relative time) are never kept.
 */

/** Sets of events kept in the base at most (the most used first): each one count column and/or one list of times. */
export const MAX_BASE_EVENT_COLUMNS = 16;

export function audienceBaseRelation(project: Project): RelationRef {
  return { schema: project.schema, name: 'audience_base' };
}

export type EventNode = Extract<ResolvedCondition, { type: 'event' }>;

export interface AudienceBaseBuild {
  /** Event count columns built. */
  eventColumns: number;
  /** Lists of recent event times built (for `within` conditions). */
  timeColumns: number;
  /** Audiences read to choose them (broken ones are skipped). */
  audiences: number;
  rows: number;
  seconds: number;
}

/** Builds (or replaces) the audience base from the current `profiles` and the audiences defined now. */
export async function buildAudienceBase(project: Project): Promise<AudienceBaseBuild> {
  const started = performance.now();
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const tables = audienceTables(project);
  const { nodes, audiences } = await commonEventConditions(project);
  const select = audienceBaseSelectSql(d, tables, nodes);
  const sets = baseEventSets(new AudienceQueryBuilder(d, tables), nodes);
  const q = (name: string) => d.quoteIdent(name);
  const base = audienceBaseRelation(project);
  for (const statement of d.createOrReplaceTableAs(base, select)) await warehouse.execute(statement);
  const analyze = d.analyzeTable(base);
  if (analyze) await warehouse.execute(analyze);
  known.delete(project);
  const [row] = await warehouse.query(`SELECT COUNT(*) AS ${q('n')} FROM ${d.relation(base)}`);
  return { eventColumns: sets.filter((set) => set.count).length, timeColumns: sets.filter((set) => set.horizon).length, audiences, rows: Number(row?.n ?? 0), seconds: (performance.now() - started) / 1000 };
}

/**
 * The base's SELECT: every profile and, for the events of `nodes`, a count of them (0 without)
 * where a node has no window, and the list of their times since the widest window before now (NULL
 * without) where one has.
 */
export function audienceBaseSelectSql(d: Dialect, tables: AudienceTables, nodes: readonly EventNode[]): string {
  const builder = new AudienceQueryBuilder(d, tables);
  const q = (name: string) => d.quoteIdent(name);
  const profileId = q('profile_id');
  const columns: Array<{ sql: string; select: (alias: string) => string }> = [];
  for (const set of baseEventSets(builder, nodes)) {
    if (set.count) columns.push({ sql: builder.eventCountsSql(set.node), select: (e) => `COALESCE(${e}.${q('n')}, 0) AS ${q(set.column)}` });
    if (set.horizon) {
      const horizon = set.horizon;
      columns.push({ sql: builder.eventTimesSql(set.node, ago(d, horizon)), select: (e) => `${e}.${q('t')} AS ${q(builder.eventTimesColumn(set.node, horizon)!)}` });
    }
  }
  const joins = columns.map((c, i) => `LEFT JOIN (\n${indent(c.sql)}\n) AS e${i} ON e${i}.${profileId} = ${PROFILE_ALIAS}.${profileId}`);
  const selects = columns.map((c, i) => `,\n  ${c.select(`e${i}`)}`);
  return `SELECT ${PROFILE_ALIAS}.*${selects.join('')}\nFROM ${d.relation(tables.profiles)} AS ${PROFILE_ALIAS}${joins.length ? `\n${joins.join('\n')}` : ''}`;
}

/** One set of events the base keeps: its count when a condition counts them all, its recent times when one has a window. */
interface BaseEventSet {
  column: string;
  node: EventNode;
  count: boolean;
  /** The widest window of the conditions over these events: how far back the list of times reaches. */
  horizon?: Duration;
}

/** `nodes` grouped by the events they select (in order of first appearance); nodes the base cannot keep are left out. */
function baseEventSets(builder: AudienceQueryBuilder, nodes: readonly EventNode[]): BaseEventSet[] {
  const sets = new Map<string, BaseEventSet>();
  for (const node of nodes) {
    const column = builder.eventSetColumn(node);
    if (column === undefined) continue;
    const set = sets.get(column) ?? { column, node, count: false };
    if (node.within === undefined) set.count = true;
    else if (!set.horizon || windowHours(node.within) > windowHours(set.horizon)) set.horizon = node.within;
    sets.set(column, set);
  }
  return [...sets.values()];
}

/** Drops the audience base (its profiles are about to change, or changed): counts read `profiles` until the next build. */
export async function dropAudienceBase(project: Project): Promise<void> {
  const warehouse = await project.warehouse();
  await warehouse.execute(warehouse.dialect.dropRelation(audienceBaseRelation(project), 'table'));
  known.delete(project);
}

/**
 * The build step: the base for the profiles just built. A failure is a warning (counts then read
 * `profiles`, as without a base), never a failed build.
 */
export async function audienceBaseStep(project: Project, onProgress?: (line: string) => void): Promise<void> {
  try {
    const built = await buildAudienceBase(project);
    onProgress?.(`audiences: base built with ${built.eventColumns} event count(s) and ${built.timeColumns} list(s) of event times for ${built.rows} profiles in ${built.seconds.toFixed(1)} s`);
  } catch (error) {
    await dropAudienceBase(project).catch(() => undefined);
    logger.warn({ err: (error as Error).message }, 'audience base not built: counts read profiles');
    onProgress?.(`audiences: warning: base not built: ${(error as Error).message}`);
  }
}

/** The event conditions of every audience (referenced audiences' included), most used first. */
async function commonEventConditions(project: Project): Promise<{ nodes: EventNode[]; audiences: number }> {
  const { files, stored } = await readSources(project);
  const names = [...files.filter((f) => !f.priorityList && f.definition).map((f) => f.name), ...stored.map((s) => s.name)];
  const d = (await project.warehouse()).dialect;
  const builder = new AudienceQueryBuilder(d, audienceTables(project));
  // Ranked by set of events: a set's count and list of times come from its own joins, whatever the windows.
  const uses = new Map<string, { nodes: EventNode[]; n: number }>();
  let audiences = 0;
  for (const name of new Set(names)) {
    let where: ResolvedCondition;
    try {
      where = (await validateAudience(project, name)).where;
    } catch {
      continue; // a broken audience is reported where it is used, not here
    }
    audiences++;
    for (const node of eventConditions(where)) {
      const column = builder.eventSetColumn(node);
      if (column === undefined) continue;
      const entry = uses.get(column) ?? { nodes: [], n: 0 };
      entry.nodes.push(node);
      entry.n++;
      uses.set(column, entry);
    }
  }
  const nodes = [...uses.entries()]
    .sort(([a, x], [b, y]) => y.n - x.n || a.localeCompare(b))
    .slice(0, MAX_BASE_EVENT_COLUMNS)
    .flatMap(([, entry]) => entry.nodes);
  return { nodes, audiences };
}

function* eventConditions(node: ResolvedCondition): Generator<EventNode> {
  switch (node.type) {
    case 'all':
    case 'any':
      for (const item of node.items) yield* eventConditions(item);
      return;
    case 'not':
    case 'audience':
      yield* eventConditions(node.item);
      return;
    case 'event':
      yield node;
      return;
    default:
      return;
  }
}

/** Per project: the base as last seen, for the data generation it was read in. */
const known = new WeakMap<Project, { generation: number; base: Promise<AudienceBaseTable | undefined> }>();

/**
 * The tables a count reads: `profiles` and, when the build has an audience base with every
 * column of `profiles`, that base.
 */
export async function countTables(project: Project): Promise<AudienceTables> {
  const tables = audienceTables(project);
  const generation = audienceDataGeneration(project);
  let entry = known.get(project);
  if (!entry || entry.generation !== generation) {
    entry = { generation, base: readBase(project) };
    known.set(project, entry);
    entry.base.catch(() => known.delete(project));
  }
  const base = await entry.base.catch(() => undefined);
  return base ? { ...tables, base } : tables;
}

async function readBase(project: Project): Promise<AudienceBaseTable | undefined> {
  const warehouse = await project.warehouse();
  const relation = audienceBaseRelation(project);
  if (!(await warehouse.relationExists(relation))) return undefined;
  const [columns, traits] = await Promise.all([warehouse.listColumns(relation), audienceCatalog(project).traits()]);
  const have = new Set(columns.map((c) => c.name.toLowerCase()));
  // Profiles changed shape since the base was built (a trait added outside a build): not a stand-in.
  if ([...traits.keys()].some((trait) => !have.has(trait.toLowerCase()))) return undefined;
  // Engines that fold names (Snowflake: upper case) list them folded; the compiler names them `ev_<hex>[_<hours>h]`.
  const eventColumns = columns.map((c) => c.name.toLowerCase()).filter((name) => /^ev_[0-9a-f]{16}(_\d+h)?$/.test(name));
  return { relation, eventColumns: new Set(eventColumns) };
}
