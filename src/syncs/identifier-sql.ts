import { CdpError } from '../errors.js';
import { IdentityTables, planIdentity, type IdentityPlan } from '../identity/index.js';
import type { Project } from '../project/index.js';
import type { ColumnInfo, Dialect, Warehouse } from '../warehouse/index.js';
import { identifierColumn, type IdentifierPrefer } from './definition.js';
import type { PreparedSync } from './load.js';
import type { SyncRows } from './rows.js';

/**
 * Fields written `{ identifier: email, prefer: ... }` send the profile's own identifier of that
 * type from the identity graph — normalised and junk-free by identity's rules, since only linked
 * identifiers are in it — chosen per profile, set-based, by one rule:
 * - `most_recent`: the one seen last (`last_seen`);
 * - `most_frequent`: the one on the most source records (`records`), then the most recent;
 * - `{ sources: [a, b] }`: one seen in source a, else in b, else any; the most recent within a rank.
 * Ties end on the value itself, so every engine picks the same one. The rows are joined to the
 * graph by their `profile_id` column (audiences and priority lists have it; a model needs one).
 */

/** The column rows are joined to the graph by. */
const PROFILE_COLUMN = 'profile_id';

export interface IdentifierField {
  field: string;
  idType: string;
  prefer: IdentifierPrefer;
}

/** The fields of a sync that read the identity graph. */
export function identifierFields(sync: PreparedSync): IdentifierField[] {
  return Object.entries(sync.definition.fieldRules ?? {}).flatMap(([field, rule]) => ('identifier' in rule ? [{ field, idType: rule.identifier, prefer: rule.prefer }] : []));
}

/** ORDER BY of one profile's candidates, best first (aliases: dc dictionary, o source ranks). */
function preferenceOrder(prefer: IdentifierPrefer): string {
  const recent = `dc.last_seen DESC, dc.id_value`;
  if (prefer === 'most_recent') return recent;
  if (prefer === 'most_frequent') return `dc.records DESC, ${recent}`;
  return `o.source_rank, ${recent}`;
}

/** `(profile_id, id_value)`: each profile's preferred identifier of one id type. */
export function preferredIdentifierSql(d: Dialect, tables: IdentityTables, tier: number, prefer: IdentifierPrefer): string {
  const nodes = d.relation(tables.state('nodes'));
  const dictionary = d.relation(tables.state('dictionary'));
  let ranks = '';
  if (typeof prefer === 'object') {
    // A source's place in the list; sources not listed come after all listed ones.
    const rank = `CASE oc.source ${prefer.sources.map((s, i) => `WHEN ${d.literal(s)} THEN ${i}`).join(' ')} ELSE ${prefer.sources.length} END`;
    const occurrences = d.relation(tables.state('occurrences'));
    ranks = ` JOIN (SELECT oc.node, MIN(${rank}) AS source_rank FROM ${occurrences} oc WHERE oc.tier = ${tier} GROUP BY oc.node) o ON o.node = n.node`;
  }
  return (
    `SELECT c.profile_id, c.id_value FROM (` +
    `SELECT n.profile_id, dc.id_value, ROW_NUMBER() OVER (PARTITION BY n.profile_id ORDER BY ${preferenceOrder(prefer)}) AS pick ` +
    `FROM ${nodes} n JOIN ${dictionary} dc ON dc.node = n.node${ranks} ` +
    `WHERE n.tier = ${tier} AND n.profile_id IS NOT NULL) c WHERE c.pick = 1`
  );
}

function invalidField(sync: PreparedSync, field: string, message: string, hint: string): CdpError {
  return new CdpError('SYNC_INVALID', `field ${field}: ${message}`, {
    location: { file: sync.file ?? undefined, line: sync.location.lineOf?.(['fields', field]), path: `fields.${field}` },
    hint,
  });
}

/** The id type's tier, or a clear error naming the id types there are. */
function tierOf(sync: PreparedSync, plan: IdentityPlan, f: IdentifierField): number {
  const type = plan.types.find((t) => t.name === f.idType);
  if (!type) throw invalidField(sync, f.field, `"${f.idType}" is not an id type of identity`, `id types: ${plan.types.map((t) => t.name).join(', ')}`);
  if (typeof f.prefer === 'object') {
    const known = new Set(plan.sources.map((s) => s.name));
    const unknown = f.prefer.sources.find((s) => !known.has(s));
    if (unknown) throw invalidField(sync, f.field, `prefer.sources names "${unknown}", which is not an identity source`, `identity sources: ${[...known].join(', ')}`);
  }
  return type.tier;
}

/**
 * Checks the sync's `{ identifier }` fields against the project's identity config, without the
 * warehouse (a run checks them again; the API checks them on save): the project has identity,
 * each id type and preferred source exists. Returns the identity plan and each field's tier.
 */
export function checkIdentifierFields(project: Project, sync: PreparedSync): { plan: IdentityPlan; tiers: number[] } | undefined {
  const fields = identifierFields(sync);
  if (fields.length === 0) return undefined;
  const identity = project.config.identity;
  if (!identity) throw invalidField(sync, fields[0]!.field, '{ identifier } reads the identity graph, and this project has no identity', 'configure identity in cdp.config.ts (docs/identity.md), or map a column');
  const plan = planIdentity(project, identity);
  return { plan, tiers: fields.map((f) => tierOf(sync, plan, f)) };
}

/** The columns `{ identifier }` fields add to a sync's rows (strings: identifier values). */
export function identifierColumns(d: Dialect, sync: PreparedSync): ColumnInfo[] {
  return identifierFields(sync).map((f) => ({ name: identifierColumn(f.field), type: d.typeName('string').toUpperCase(), kind: 'string' }));
}

/**
 * The sync's rows with one more column per `{ identifier }` field (identifierColumn(field)):
 * the profile's preferred identifier, NULL when the profile has none of that type.
 */
export async function withPreferredIdentifiers(project: Project, warehouse: Warehouse, sync: PreparedSync, rows: SyncRows): Promise<SyncRows> {
  const fields = identifierFields(sync);
  const checked = checkIdentifierFields(project, sync);
  if (!checked) return rows;
  const first = fields[0]!.field;
  const profile = rows.columns.find((c) => c.name.toLowerCase() === PROFILE_COLUMN);
  if (!profile) {
    throw invalidField(sync, first, `{ identifier } joins rows to the identity graph by ${PROFILE_COLUMN}, and ${rows.label} has no such column`, `sync from an audience, or add ${PROFILE_COLUMN} to the model`);
  }
  const tables = new IdentityTables(checked.plan.schema);
  if (!(await warehouse.relationExists(tables.state('nodes')))) {
    throw invalidField(sync, first, 'the identity graph has not been built yet', 'build it with `cdp run` (or `cdp identity build`) first');
  }
  const d = warehouse.dialect;
  const q = (name: string) => d.quoteIdent(name);
  const joins = fields.map((f, i) => {
    const pick = preferredIdentifierSql(d, tables, checked.tiers[i]!, f.prefer);
    return `LEFT JOIN (${pick}) id_${i} ON id_${i}.profile_id = ${d.cast(`r.${q(profile.name)}`, 'string')}`;
  });
  const added = fields.map((f, i) => `id_${i}.id_value AS ${q(identifierColumn(f.field))}`);
  const columns = identifierColumns(d, sync);
  return {
    from: `(SELECT r.*, ${added.join(', ')} FROM ${rows.from} r ${joins.join(' ')})`,
    columns: [...rows.columns, ...columns],
    label: rows.label,
  };
}
