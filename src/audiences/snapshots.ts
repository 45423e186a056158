import { randomBytes } from 'node:crypto';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef, Warehouse, WarehouseSession } from '../warehouse/index.js';
import { AudienceQueryBuilder, indent, PROFILE_ALIAS } from './compile.js';
import { logger } from '../logger.js';
import { audienceTables, validateAudience } from './sql.js';
import { CdpError, isCdpError } from '../errors.js';
import { IdentityTables } from '../identity/tables.js';
import { listAudiences, projectResolver } from './library.js';
import { resolveAudience, type ResolvedAudience } from './resolve.js';
import { SPLIT_COLUMN, splitSalt, splitSql } from './splits.js';

/** Where membership history lives, in the project's schema. */
export interface MembershipTables {
  /** Current members: (audience, profile_id, entered_at). */
  membership: RelationRef;
  /** Every change: (audience, profile_id, change 'entered' | 'left', at). */
  events: RelationRef;
  /** One row per snapshot: (audience, at, size, entered, left). */
  sizes: RelationRef;
  /**
   * The split groups members were in, for measuring lift: (audience, profile_id, split,
   * assigned_at), a row the first time a member is seen in a group.
   */
  splits: RelationRef;
}

export function membershipTables(project: Project): MembershipTables {
  const schema = project.schema;
  return {
    membership: { schema, name: 'audience_membership' },
    events: { schema, name: 'audience_events' },
    sizes: { schema, name: 'audience_sizes' },
    splits: { schema, name: 'audience_split_members' },
  };
}

export interface AudienceSnapshot {
  audience: string;
  at: Date;
  size: number;
  entered: number;
  left: number;
  milliseconds: number;
}

export interface AudienceSizePoint {
  at: Date;
  size: number;
  entered: number;
  left: number;
  /** Made up by `cdp demo` for the dashboards (src/demo/activity.ts), not a snapshot. */
  simulated: boolean;
}

/** An audience a multi-audience snapshot could not record, and why. */
export interface AudienceSnapshotFailure {
  audience: string;
  error: string;
}

/** One snapshot step over many audiences (e.g. after `cdp run`). */
export interface AudienceSnapshotRun {
  at: Date;
  /** One per audience recorded, in name order. */
  snapshots: AudienceSnapshot[];
  /** Audiences left out (broken definition, name defined twice, or their query failed). */
  failed: AudienceSnapshotFailure[];
  milliseconds: number;
}

/** The members query of one audience as `(audience, profile_id)` rows. */
interface MembersQuery {
  name: string;
  sql: string;
}

function membersQuery(d: Dialect, project: Project, name: string, resolved: ResolvedAudience): MembersQuery {
  const builder = new AudienceQueryBuilder(d, audienceTables(project));
  const where = builder.predicate(resolved.where);
  const profileId = d.quoteIdent('profile_id');
  const { splits } = resolved.definition;
  const split = splits ? splitSql(d, splits, splitSalt(resolved.definition)) : `CAST(NULL AS ${d.typeName('string')})`;
  const select =
    `SELECT CAST(${d.literal(name)} AS ${d.typeName('string')}) AS ${d.quoteIdent('audience')}, ${PROFILE_ALIAS}.${profileId} AS ${profileId}, ${split} AS ${d.quoteIdent(SPLIT_COLUMN)}\n` +
    `${builder.from()}\nWHERE ${where} AND ${PROFILE_ALIAS}.${profileId} IS NOT NULL`;
  // Queries are combined with UNION ALL: one with referenced audiences keeps its WITH in a subquery.
  const ctes = builder.with();
  const sql = ctes ? `SELECT m.* FROM (\n${indent(`${ctes}${select}`)}\n) AS m` : select;
  return { name, sql };
}

function message(error: unknown): string {
  return isCdpError(error) ? error.oneLine() : error instanceof Error ? error.message : String(error);
}

/** The warehouse's clock (UTC), so snapshot times compare with build times the warehouse wrote. */
async function warehouseNow(warehouse: Warehouse): Promise<Date> {
  try {
    const [row] = await warehouse.query<{ now: Date | string }>(`SELECT ${warehouse.dialect.currentTimestampUtc()} AS ${warehouse.dialect.quoteIdent('now')}`);
    const now = row ? new Date(row.now) : undefined;
    if (now && !Number.isNaN(now.getTime())) return now;
  } catch {
    // fall through: Node's clock
  }
  return new Date();
}

/**
 * Records who is in the audience now: the new member set is built in the warehouse, diffed with
 * the stored one (entered = new and not stored, left = stored and not new), and the changes, the
 * new membership and the size are written in one transaction. Nothing passes through Node but
 * three counts.
 */
export async function snapshotAudience(project: Project, name: string, options: { at?: Date } = {}): Promise<AudienceSnapshot> {
  const started = Date.now();
  const resolved = await validateAudience(project, name);
  const warehouse = await project.warehouse();
  const at = options.at ?? (await warehouseNow(warehouse));
  const counts = await snapshotMany(project, warehouse, [membersQuery(warehouse.dialect, project, name, resolved)], at);
  const snapshot = { audience: name, at, ...counts.get(name)!, milliseconds: Date.now() - started };
  logger.info({ audience: name, size: snapshot.size, entered: snapshot.entered, left: snapshot.left, ms: snapshot.milliseconds }, 'audience snapshot');
  return snapshot;
}

/**
 * Snapshots every audience of the project (YAML files and the state store) in one step: all
 * member sets are staged in one table, diffed with the stored membership and written in one
 * transaction, set-based. An audience whose definition does not resolve is left out and reported
 * in `failed`; if the combined step fails in the warehouse (a query that compiles but fails at
 * run time), each audience is retried on its own so only the broken ones are left out.
 */
export async function snapshotAudiences(
  project: Project,
  options: { at?: Date; names?: string[]; onStart?: (audiences: number) => void } = {},
): Promise<AudienceSnapshotRun> {
  const started = Date.now();
  const listed = options.names ?? (await listAudiences(project)).map((a) => a.name);
  const names = [...new Set(listed)].sort((a, b) => a.localeCompare(b));
  const failed: AudienceSnapshotFailure[] = [];
  const queries: MembersQuery[] = [];
  const resolver = projectResolver(project);
  const warehouse = await project.warehouse();
  for (const name of names) {
    try {
      const definition = await resolver.find(name);
      if (!definition) throw new CdpError('AUDIENCE_NOT_FOUND', `no audience named \`${name}\``);
      queries.push(membersQuery(warehouse.dialect, project, name, await resolveAudience(definition, resolver)));
    } catch (error) {
      failed.push({ audience: name, error: message(error) });
    }
  }
  const at = options.at ?? (queries.length > 0 ? await warehouseNow(warehouse) : new Date());
  let counts = new Map<string, SnapshotCounts>();
  if (queries.length > 0) {
    options.onStart?.(queries.length);
    try {
      counts = await snapshotMany(project, warehouse, queries, at);
    } catch (error) {
      if (queries.length === 1) failed.push({ audience: queries[0]!.name, error: message(error) });
      else {
        logger.warn({ err: message(error) }, 'combined audience snapshot failed; snapshotting each audience on its own');
        for (const query of queries) {
          try {
            counts.set(query.name, (await snapshotMany(project, warehouse, [query], at)).get(query.name)!);
          } catch (single) {
            failed.push({ audience: query.name, error: message(single) });
          }
        }
      }
    }
  }
  const milliseconds = Date.now() - started;
  const snapshots = queries.filter((q) => counts.has(q.name)).map((q) => ({ audience: q.name, at, ...counts.get(q.name)!, milliseconds }));
  failed.sort((a, b) => a.audience.localeCompare(b.audience));
  for (const failure of failed) logger.warn({ audience: failure.audience, err: failure.error }, 'audience not snapshotted');
  logger.info(
    { audiences: snapshots.length, failed: failed.length, entered: sum(snapshots, 'entered'), left: sum(snapshots, 'left'), ms: milliseconds },
    'audience snapshots',
  );
  return { at, snapshots, failed, milliseconds };
}

function sum(snapshots: AudienceSnapshot[], key: 'entered' | 'left'): number {
  return snapshots.reduce((total, s) => total + s[key], 0);
}

/**
 * After a sync of an audience: snapshots it unless it already has a snapshot at least as new as
 * the last identity build (`_identity_runs`), so a run followed by syncs records the data once.
 * Without a recorded build (profiles made outside `cdp run`), only an audience never snapshotted
 * is snapshotted. Returns null when nothing was recorded. Costs two catalog lookups and one
 * small query when it skips.
 */
export async function snapshotAudienceIfStale(project: Project, name: string): Promise<AudienceSnapshot | null> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const { sizes } = membershipTables(project);
  if (await warehouse.relationExists(sizes)) {
    const runs = new IdentityTables(project.schema).state('runs');
    const hasRuns = await warehouse.relationExists(runs);
    const q = (c: string) => d.quoteIdent(c);
    const [row] = await warehouse.query<{ snapped: Date | null; built?: Date | null }>(
      `SELECT (SELECT MAX(${q('at')}) FROM ${d.relation(sizes)} WHERE ${q('audience')} = ${d.literal(name)}) AS ${q('snapped')}` +
        (hasRuns ? `, (SELECT MAX(${q('finished_at')}) FROM ${d.relation(runs)}) AS ${q('built')}` : ''),
    );
    const snapped = row?.snapped ? new Date(row.snapped) : null;
    const built = row?.built ? new Date(row.built) : null;
    if (snapped && (!built || snapped.getTime() >= built.getTime())) return null;
  }
  return snapshotAudience(project, name);
}

interface SnapshotCounts {
  size: number;
  entered: number;
  left: number;
}

/**
 * Stages the members of every audience in `queries` in one table and applies the diff for all of
 * them in one transaction. Returns the counts per audience (a listed audience with no members and
 * no leavers gets zeros).
 */
async function snapshotMany(project: Project, warehouse: Warehouse, queries: MembersQuery[], at: Date): Promise<Map<string, SnapshotCounts>> {
  const d = warehouse.dialect;
  const tables = membershipTables(project);
  const stage: RelationRef = { schema: project.schema, name: `audience_snapshot__${randomBytes(6).toString('hex')}` };
  await ensureMembershipTables(warehouse, d, tables);
  return warehouse.transaction(async (session) => {
    for (const statement of d.createOrReplaceTableAs(stage, queries.map((query) => query.sql).join('\nUNION ALL\n'))) await session.execute(statement);
    try {
      return await applySnapshot(session, d, tables, stage, queries.map((query) => query.name), at);
    } finally {
      await session.execute(d.dropRelation(stage, 'table'));
    }
  });
}

async function applySnapshot(
  session: WarehouseSession,
  d: Dialect,
  tables: MembershipTables,
  stage: RelationRef,
  audiences: string[],
  at: Date,
): Promise<Map<string, SnapshotCounts>> {
  const q = (c: string) => d.quoteIdent(c);
  const names = `(${audiences.map((a) => d.literal(a)).join(', ')})`;
  const when = d.literal(at);
  const membership = d.relation(tables.membership);
  const staged = d.relation(stage);
  const same = (a: string, b: string) => `${a}.${q('audience')} = ${b}.${q('audience')} AND ${a}.${q('profile_id')} = ${b}.${q('profile_id')}`;
  const isMember = (alias: string) => `EXISTS (SELECT 1 FROM ${membership} AS m WHERE ${same('m', alias)})`;
  const isNew = (alias: string) => `EXISTS (SELECT 1 FROM ${staged} AS s WHERE ${same('s', alias)})`;
  const entered = `SELECT n.${q('audience')}, n.${q('profile_id')} FROM ${staged} AS n WHERE NOT ${isMember('n')}`;
  const left = `SELECT o.${q('audience')}, o.${q('profile_id')} FROM ${membership} AS o WHERE o.${q('audience')} IN ${names} AND NOT ${isNew('o')}`;

  // Counted before writing: one grouped query, whatever the engine reports as affected rows.
  const rows = await session.query<{ audience: string; change: string; n: number }>(
    `SELECT c.${q('audience')}, c.${q('change')}, COUNT(*) AS ${q('n')} FROM (\n` +
      `  SELECT s.${q('audience')}, 'size' AS ${q('change')} FROM ${staged} AS s\n` +
      `  UNION ALL SELECT e.${q('audience')}, 'entered' FROM (${entered}) AS e\n` +
      `  UNION ALL SELECT l.${q('audience')}, 'left' FROM (${left}) AS l\n` +
      `) AS c GROUP BY c.${q('audience')}, c.${q('change')}`,
  );
  const counts = new Map<string, SnapshotCounts>(audiences.map((a) => [a, { size: 0, entered: 0, left: 0 }]));
  for (const row of rows) {
    const entry = counts.get(row.audience);
    if (entry && (row.change === 'size' || row.change === 'entered' || row.change === 'left')) entry[row.change] = Number(row.n);
  }

  const eventColumns = `(${['audience', 'profile_id', 'change', 'at'].map(q).join(', ')})`;
  await session.execute(
    `INSERT INTO ${d.relation(tables.events)} ${eventColumns}\nSELECT e.${q('audience')}, e.${q('profile_id')}, 'entered', ${when} FROM (${entered}) AS e`,
  );
  await session.execute(`INSERT INTO ${d.relation(tables.events)} ${eventColumns}\nSELECT l.${q('audience')}, l.${q('profile_id')}, 'left', ${when} FROM (${left}) AS l`);
  await session.execute(`DELETE FROM ${membership} AS o WHERE o.${q('audience')} IN ${names} AND NOT ${isNew('o')}`);
  await session.execute(
    `INSERT INTO ${membership} (${['audience', 'profile_id', 'entered_at'].map(q).join(', ')})\nSELECT e.${q('audience')}, e.${q('profile_id')}, ${when} FROM (${entered}) AS e`,
  );
  // Split groups: a row the first time a member is seen in a group (stable groups add rows only for new members).
  const splitColumns = ['audience', 'profile_id', 'split'].map(q);
  const sameGroup = `${same('a', 'n')} AND a.${q('split')} = n.${q('split')}`;
  await session.execute(
    `INSERT INTO ${d.relation(tables.splits)} (${[...splitColumns, q('assigned_at')].join(', ')})\n` +
      `SELECT ${splitColumns.map((c) => `n.${c}`).join(', ')}, ${when} FROM ${staged} AS n\n` +
      `WHERE n.${q('split')} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${d.relation(tables.splits)} AS a WHERE ${sameGroup})`,
  );
  const values = [...counts].map(([audience, c]) => `(${d.literal(audience)}, ${when}, ${c.size}, ${c.entered}, ${c.left})`);
  await session.execute(`INSERT INTO ${d.relation(tables.sizes)} (${['audience', 'at', 'size', 'entered', 'left'].map(q).join(', ')})\nVALUES ${values.join(',\n  ')}`);
  return counts;
}

async function ensureMembershipTables(
  warehouse: Warehouse,
  d: Dialect,
  tables: MembershipTables,
): Promise<void> {
  await warehouse.createSchema(tables.membership.schema);
  const column = (n: string, kind: 'string' | 'timestamp' | 'integer') => `${d.quoteIdent(n)} ${d.typeName(kind)}`;
  const create = (ref: RelationRef, columns: string[]) => `CREATE TABLE IF NOT EXISTS ${d.relation(ref)} (${columns.join(', ')})`;
  await warehouse.execute(create(tables.membership, [column('audience', 'string'), column('profile_id', 'string'), column('entered_at', 'timestamp')]));
  await warehouse.execute(
    create(tables.events, [column('audience', 'string'), column('profile_id', 'string'), column('change', 'string'), column('at', 'timestamp')]),
  );
  await warehouse.execute(
    create(tables.splits, [column('audience', 'string'), column('profile_id', 'string'), column('split', 'string'), column('assigned_at', 'timestamp')]),
  );
  await warehouse.execute(
    create(tables.sizes, [column('audience', 'string'), column('at', 'timestamp'), column('size', 'integer'), column('entered', 'integer'), column('left', 'integer')]),
  );
}

/** Size history of an audience, newest first. Empty before the first snapshot. */
export async function audienceSizeHistory(project: Project, name: string, options: { limit?: number } = {}): Promise<AudienceSizePoint[]> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const { sizes } = membershipTables(project);
  if (!(await warehouse.relationExists(sizes))) return [];
  const q = (c: string) => d.quoteIdent(c);
  // The demo adds a `simulated` column when it backfills sizes; real snapshots leave it NULL.
  const simulated = (await warehouse.listColumns(sizes)).some((c) => c.name.toLowerCase() === 'simulated') ? q('simulated') : 'FALSE';
  const rows = await warehouse.query<{ at: Date; size: number; entered: number; left: number; simulated: boolean | null }>(
    `SELECT ${['at', 'size', 'entered', 'left'].map(q).join(', ')}, ${simulated} AS ${q('simulated')} FROM ${d.relation(sizes)} WHERE ${q('audience')} = ${d.literal(name)} ORDER BY ${q('at')} DESC ${d.limit(options.limit ?? 100)}`,
  );
  return rows.map((r) => ({ at: new Date(r.at), size: Number(r.size), entered: Number(r.entered), left: Number(r.left), simulated: r.simulated === true }));
}

/** Recent entries and exits of an audience, newest first (profile ids only). */
export async function audienceChanges(
  project: Project,
  name: string,
  options: { limit?: number } = {},
): Promise<Array<{ profileId: string; change: 'entered' | 'left'; at: Date }>> {
  const warehouse = await project.warehouse();
  const d = warehouse.dialect;
  const { events } = membershipTables(project);
  if (!(await warehouse.relationExists(events))) return [];
  const q = (c: string) => d.quoteIdent(c);
  const rows = await warehouse.query<{ profile_id: string; change: 'entered' | 'left'; at: Date }>(
    `SELECT ${['profile_id', 'change', 'at'].map(q).join(', ')} FROM ${d.relation(events)} WHERE ${q('audience')} = ${d.literal(name)} ORDER BY ${q('at')} DESC, ${q('profile_id')} ${d.limit(options.limit ?? 100)}`,
  );
  return rows.map((r) => ({ profileId: r.profile_id, change: r.change, at: new Date(r.at) }));
}
