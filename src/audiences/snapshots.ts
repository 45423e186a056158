import { randomBytes } from 'node:crypto';
import type { Project } from '../project/index.js';
import type { Dialect, RelationRef, Warehouse, WarehouseSession } from '../warehouse/index.js';
import { AudienceQueryBuilder, PROFILE_ALIAS } from './compile.js';
import { logger } from '../logger.js';
import { audienceTables, validateAudience } from './sql.js';

/** Where membership history lives, in the project's schema. */
export interface MembershipTables {
  /** Current members: (audience, profile_id, entered_at). */
  membership: RelationRef;
  /** Every change: (audience, profile_id, change 'entered' | 'left', at). */
  events: RelationRef;
  /** One row per snapshot: (audience, at, size, entered, left). */
  sizes: RelationRef;
}

export function membershipTables(project: Project): MembershipTables {
  const schema = project.schema;
  return {
    membership: { schema, name: 'audience_membership' },
    events: { schema, name: 'audience_events' },
    sizes: { schema, name: 'audience_sizes' },
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
  const d = warehouse.dialect;
  const tables = membershipTables(project);
  const at = options.at ?? new Date();
  const builder = new AudienceQueryBuilder(d, audienceTables(project));
  const where = builder.predicate(resolved.where);
  const profileId = d.quoteIdent('profile_id');
  const members = `SELECT ${PROFILE_ALIAS}.${profileId}\n${builder.from()}\nWHERE ${where} AND ${PROFILE_ALIAS}.${profileId} IS NOT NULL`;
  const stage: RelationRef = { schema: project.schema, name: `audience_snapshot__${randomBytes(6).toString('hex')}` };

  await ensureMembershipTables(warehouse, d, tables);
  const counts = await warehouse.transaction(async (session) => {
    for (const statement of d.createOrReplaceTableAs(stage, members)) await session.execute(statement);
    try {
      return await applySnapshot(session, d, tables, stage, name, at);
    } finally {
      await session.execute(d.dropRelation(stage, 'table'));
    }
  });
  const snapshot = { audience: name, at, ...counts, milliseconds: Date.now() - started };
  logger.info({ audience: name, size: snapshot.size, entered: snapshot.entered, left: snapshot.left, ms: snapshot.milliseconds }, 'audience snapshot');
  return snapshot;
}

async function applySnapshot(
  session: WarehouseSession,
  d: Dialect,
  tables: MembershipTables,
  stage: RelationRef,
  audience: string,
  at: Date,
): Promise<{ size: number; entered: number; left: number }> {
  const q = (c: string) => d.quoteIdent(c);
  const name = d.literal(audience);
  const when = d.literal(at);
  const membership = d.relation(tables.membership);
  const isMember = (alias: string) => `EXISTS (SELECT 1 FROM ${membership} AS m WHERE m.${q('audience')} = ${name} AND m.${q('profile_id')} = ${alias}.${q('profile_id')})`;
  const isNew = (alias: string) => `EXISTS (SELECT 1 FROM ${d.relation(stage)} AS s WHERE s.${q('profile_id')} = ${alias}.${q('profile_id')})`;
  const eventColumns = `(${['audience', 'profile_id', 'change', 'at'].map(q).join(', ')})`;

  const entered = await session.execute(
    `INSERT INTO ${d.relation(tables.events)} ${eventColumns}\nSELECT ${name}, n.${q('profile_id')}, 'entered', ${when}\nFROM ${d.relation(stage)} AS n\nWHERE NOT ${isMember('n')}`,
  );
  const left = await session.execute(
    `INSERT INTO ${d.relation(tables.events)} ${eventColumns}\nSELECT ${name}, o.${q('profile_id')}, 'left', ${when}\nFROM ${membership} AS o\nWHERE o.${q('audience')} = ${name} AND NOT ${isNew('o')}`,
  );
  await session.execute(`DELETE FROM ${membership} AS o WHERE o.${q('audience')} = ${name} AND NOT ${isNew('o')}`);
  await session.execute(
    `INSERT INTO ${membership} (${['audience', 'profile_id', 'entered_at'].map(q).join(', ')})\nSELECT ${name}, n.${q('profile_id')}, ${when}\nFROM ${d.relation(stage)} AS n\nWHERE NOT ${isMember('n')}`,
  );
  // Engines that do not report affected rows: count what was just written.
  const counted = await session.query<{ size: number; entered: number; left: number }>(
    `SELECT (SELECT COUNT(*) FROM ${d.relation(stage)}) AS ${q('size')}` +
      (entered === undefined || left === undefined
        ? `, (SELECT COUNT(*) FROM ${d.relation(tables.events)} WHERE ${q('audience')} = ${name} AND ${q('at')} = ${when} AND ${q('change')} = 'entered') AS ${q('entered')}` +
          `, (SELECT COUNT(*) FROM ${d.relation(tables.events)} WHERE ${q('audience')} = ${name} AND ${q('at')} = ${when} AND ${q('change')} = 'left') AS ${q('left')}`
        : ''),
  );
  const row = counted[0]!;
  const result = { size: Number(row.size), entered: Number(entered ?? row.entered), left: Number(left ?? row.left) };
  await session.execute(
    `INSERT INTO ${d.relation(tables.sizes)} (${['audience', 'at', 'size', 'entered', 'left'].map(q).join(', ')})\nVALUES (${name}, ${when}, ${result.size}, ${result.entered}, ${result.left})`,
  );
  return result;
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
  const rows = await warehouse.query<{ at: Date; size: number; entered: number; left: number }>(
    `SELECT ${['at', 'size', 'entered', 'left'].map(q).join(', ')} FROM ${d.relation(sizes)} WHERE ${q('audience')} = ${d.literal(name)} ORDER BY ${q('at')} DESC ${d.limit(options.limit ?? 100)}`,
  );
  return rows.map((r) => ({ at: new Date(r.at), size: Number(r.size), entered: Number(r.entered), left: Number(r.left) }));
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
