import type { ConsentPolicy } from '../config/index.js';
import { CdpError } from '../errors.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import type { PlanFilter } from '../syncs/filters.js';
import type { PreparedSync } from '../syncs/load.js';
import { closestName } from '../util/suggest.js';
import type { ColumnInfo, Dialect, RelationRef } from '../warehouse/index.js';
import { CONSENT_TABLE, DENIED, GRANTED, UNKNOWN, consentColumn } from '../identity/consent/index.js';

/**
 * Consent enforcement: a sync to a destination that declares `consentPurposes` only sends rows
 * whose person allows each purpose. Per purpose policy:
 * - require_granted: `consent_<purpose> = 'granted'`;
 * - allow_unknown:   anything but 'denied'.
 * The filters are plan filters (named `consent:<purpose>`): rows they hold back are counted in the
 * plan and run history, and rows delivered before are removed by the next mirror run.
 *
 * Where the status comes from:
 * - audience syncs: the row is a `profiles` row, with its `consent_<purpose>` columns;
 * - model syncs: a `consent_<purpose>` column of the model if it has one, else its `profile_id`
 *   checked against `<schema>.consent` (a non-correlated IN subquery); else the sync is refused.
 */
export async function consentFilters(project: Project, sync: PreparedSync): Promise<PlanFilter[]> {
  const purposes = [...new Set(sync.destination.consentPurposes ?? [])];
  if (purposes.length === 0) return [];
  const consent = project.config.privacy?.consent;
  if (!consent || consent.sources.length === 0) {
    warnOnce(project, sync);
    return [];
  }
  const configured = consent.purposes;
  const filters: PlanFilter[] = [];
  const columns = await sourceColumns(project, sync);
  for (const purpose of purposes) {
    const policy = configured[purpose]?.policy;
    if (!policy) throw unconfiguredPurpose(project, sync, purpose, Object.keys(configured));
    filters.push(await filterFor(project, sync, purpose, policy, columns));
  }
  return filters;
}

const warned = new Set<string>();

/** Once per project and process: consent is not configured, so nothing is held back. */
function warnOnce(project: Project, sync: PreparedSync): void {
  if (warned.has(project.dir)) return;
  warned.add(project.dir);
  logger.warn(
    { sync: sync.definition.name, destination: sync.destination.type, purposes: sync.destination.consentPurposes },
    'consent enforcement is off: no privacy.consent.sources configured, so rows are sent without a consent check',
  );
}

function syncLocation(sync: PreparedSync, path: string[]) {
  return { file: sync.file ?? undefined, line: sync.location.lineOf?.(path), path: path.join('.') };
}

function unconfiguredPurpose(project: Project, sync: PreparedSync, purpose: string, known: string[]): CdpError {
  const near = closestName(purpose, known);
  return new CdpError(
    'SYNC_INVALID',
    `${sync.destination.type} needs consent for purpose ${purpose}, which privacy.consent.purposes of ${project.configFile} does not declare`,
    {
      location: syncLocation(sync, ['destination', 'type']),
      hint: `${near ? `did you mean ${near}? ` : ''}declare it, e.g. privacy.consent.purposes.${purpose} = { policy: 'require_granted' } (or 'allow_unknown' where the law allows)`,
    },
  );
}

interface SourceColumns {
  kind: 'audience' | 'model';
  relation: RelationRef;
  columns: ColumnInfo[];
}

async function sourceColumns(project: Project, sync: PreparedSync): Promise<SourceColumns> {
  const warehouse = await project.warehouse();
  const { from } = sync.definition;
  // Audience rows are `profiles` rows (the members query selects every profile column).
  const kind = 'model' in from ? 'model' : 'audience';
  const relation = 'model' in from ? project.relation(from.model) : { schema: project.schema, name: 'profiles' };
  return { kind, relation, columns: await warehouse.listColumns(relation) };
}

async function filterFor(project: Project, sync: PreparedSync, purpose: string, policy: ConsentPolicy, source: SourceColumns): Promise<PlanFilter> {
  const name = `consent:${purpose}`;
  const wanted = consentColumn(purpose);
  const column = source.columns.find((c) => c.name === wanted) ?? source.columns.find((c) => c.name.toLowerCase() === wanted.toLowerCase());
  if (column) return { name, removeHeldBack: true, predicate: (alias, d) => statusAllows(d, `${alias}.${d.quoteIdent(column.name)}`, policy) };
  if (source.kind === 'audience') {
    throw new CdpError('SYNC_INVALID', `profiles has no ${wanted} column, needed to enforce consent for ${sync.destination.type}`, {
      location: syncLocation(sync, ['from', 'audience']),
      hint: 'rebuild profiles with `cdp run`: every build adds a consent_<purpose> column per configured purpose',
    });
  }
  const profileId = source.columns.find((c) => c.name === 'profile_id') ?? source.columns.find((c) => c.name.toLowerCase() === 'profile_id');
  if (!profileId) {
    const model = 'model' in sync.definition.from ? sync.definition.from.model : '';
    throw new CdpError(
      'SYNC_INVALID',
      `model ${model} has neither a ${wanted} nor a profile_id column, so consent for purpose ${purpose} (required by ${sync.destination.type}) cannot be checked`,
      {
        location: syncLocation(sync, ['from', 'model']),
        hint: `add profile_id to the model (join ${project.schema}.resolved_records or ${project.schema}.identity_graph), or a ${wanted} column from ${project.schema}.profiles`,
      },
    );
  }
  const warehouse = await project.warehouse();
  const table = { schema: project.schema, name: CONSENT_TABLE };
  if (!(await warehouse.relationExists(table))) {
    throw new CdpError('SYNC_INVALID', `${project.schema}.${CONSENT_TABLE} does not exist yet, needed to enforce consent for ${sync.destination.type}`, {
      location: syncLocation(sync, ['destination', 'type']),
      hint: 'run `cdp run`: the identity build resolves the consent sources into that table',
    });
  }
  return { name, removeHeldBack: true, predicate: (alias, d) => profileAllows(d, `${alias}.${d.quoteIdent(profileId.name)}`, table, purpose, policy) };
}

/** A `consent_<purpose>` value ('granted' | 'denied' | 'unknown', or NULL) allows sending. */
export function statusAllows(d: Dialect, column: string, policy: ConsentPolicy): string {
  return policy === 'require_granted' ? `${column} = ${d.literal(GRANTED)}` : `COALESCE(${column}, ${d.literal(UNKNOWN)}) <> ${d.literal(DENIED)}`;
}

/**
 * A profile id allows sending, by the consent table. A NULL profile id never does (NOT IN gives
 * NULL, which holds the row back): a row that is nobody's profile cannot show a consent.
 */
export function profileAllows(d: Dialect, profileId: string, table: RelationRef, purpose: string, policy: ConsentPolicy): string {
  const status = policy === 'require_granted' ? GRANTED : DENIED;
  const ids = `SELECT profile_id FROM ${d.relation(table)} WHERE purpose = ${d.literal(purpose)} AND status = ${d.literal(status)}`;
  const id = d.cast(profileId, 'string');
  return policy === 'require_granted' ? `${id} IN (${ids})` : `${id} IS NOT NULL AND ${id} NOT IN (${ids})`;
}
