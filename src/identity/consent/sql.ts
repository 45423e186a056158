import { nodeSql } from '../extract.js';
import { normalizeQuery } from '../normalize.js';
import type { IdentityPlan } from '../plan.js';
import type { Dialect, RelationRef } from '../../warehouse/index.js';
import { DENIED, GRANTED, UNKNOWN, consentColumn, type ConsentPlan, type ConsentSourcePlan } from './plan.js';

/**
 * The SELECT that builds `<schema>.consent` (profile_id, purpose, status, decided_at, source,
 * id_type): every decision of every consent source, per identifier column, normalised like the
 * identity graph does it and hashed to the same 64-bit node surrogate, then joined to the stored
 * graph's nodes (node -> profile_id). Per (profile, purpose) the latest decision wins; on a tie a
 * denial wins (the safe side), then source and id type in byte order so every engine agrees.
 * Decisions whose purpose is not configured, whose status is in neither list, or whose
 * identifier does not resolve to a profile are left out.
 */
export function consentSelect(d: Dialect, identity: IdentityPlan, plan: ConsentPlan, nodes: RelationRef): string {
  const resolved = resolvedDecisionsSelect(d, identity, plan, nodes);
  const order = [
    'decided_at DESC NULLS LAST',
    `CASE WHEN status = ${d.literal(DENIED)} THEN 0 ELSE 1 END`,
    d.binaryOrder('source'),
    d.binaryOrder('id_type'),
  ].join(', ');
  return (
    `SELECT profile_id, purpose, status, decided_at, source, id_type FROM (` +
    `SELECT r.*, ROW_NUMBER() OVER (PARTITION BY profile_id, purpose ORDER BY ${order}) AS rn FROM (${resolved}) r` +
    `) ranked WHERE rn = 1`
  );
}

/**
 * Every decision of every consent source that resolves to a profile, before the latest wins
 * (profile_id, purpose, status, decided_at, source, id_type): the consent history of an access export.
 */
export function resolvedDecisionsSelect(d: Dialect, identity: IdentityPlan, plan: ConsentPlan, nodes: RelationRef): string {
  const decisions = plan.sources.flatMap((source) => source.ids.map(({ idType, column }) => decisionsSelect(d, identity, plan, source, idType, column)));
  return (
    `SELECT n.profile_id, x.purpose, x.status, x.decided_at, x.source, x.id_type ` +
    `FROM (${decisions.join(' UNION ALL ')}) x JOIN ${d.relation(nodes)} n ON n.node = x.node WHERE n.profile_id IS NOT NULL`
  );
}

/**
 * How consent resolution reads an identifier column of a consent source: `inner` (a SELECT with
 * a string column `raw`) with `norm` added, normalised exactly like the identity graph does it for
 * `idType` (NULL: not a valid identifier). Deletion requests count the person's consent rows with it.
 */
export function consentIdNormalizeQuery(d: Dialect, identity: IdentityPlan, idType: string, inner: string): string {
  const type = identity.types.find((t) => t.name === idType);
  if (!type) throw new Error(`consent: unknown id type ${idType}`);
  return normalizeQuery(d, type, inner);
}

/** One (source, identifier column): (source, id_type, node, purpose, status, decided_at). */
function decisionsSelect(d: Dialect, identity: IdentityPlan, plan: ConsentPlan, source: ConsentSourcePlan, idType: string, column: string): string {
  const str = (expr: string) => d.cast(expr, 'string');
  // The source's own expressions are evaluated alone first, under names that cannot clash with
  // its columns (some engines let a SELECT list refer to aliases defined earlier in it).
  const picked =
    `SELECT ${str(`s.${d.quoteIdent(column)}`)} AS cdp_id, (${source.purpose}) AS cdp_purpose, (${source.status}) AS cdp_status, ` +
    `${d.cast(`s.${d.quoteIdent(source.timestamp)}`, 'timestamp')} AS cdp_ts FROM ${d.relation(source.relation)} s`;
  const purposeValue = `LOWER(TRIM(${str('c.cdp_purpose')}))`;
  const purpose = `CASE ${purposeValue} ${plan.purposes.map((p) => `WHEN ${d.literal(p.name.toLowerCase())} THEN ${d.literal(p.name)}`).join(' ')} END`;
  const statusValue = `LOWER(TRIM(${str('c.cdp_status')}))`;
  const inList = (values: string[]) => (values.length ? `${statusValue} IN (${values.map((v) => d.literal(v)).join(', ')})` : 'FALSE');
  const status = `CASE WHEN ${inList(source.revoked)} THEN ${d.literal(DENIED)} WHEN ${inList(source.granted)} THEN ${d.literal(GRANTED)} END`;
  const inner =
    `SELECT c.cdp_id AS raw, ${purpose} AS purpose, ${status} AS status, c.cdp_ts AS decided_at ` +
    `FROM (${picked}) c WHERE c.cdp_id IS NOT NULL AND TRIM(c.cdp_id) <> ''`;
  return (
    `SELECT ${d.literal(source.name)} AS source, ${d.literal(idType)} AS id_type, ${nodeSql(d, idType, 'x.norm')} AS node, ` +
    `x.purpose, x.status, x.decided_at FROM (${consentIdNormalizeQuery(d, identity, idType, inner)}) x ` +
    `WHERE x.norm IS NOT NULL AND x.purpose IS NOT NULL AND x.status IS NOT NULL`
  );
}

/** The `consent_<purpose>` columns of `profiles`, pivoted from the consent table (joined as `cons`). */
export function profileConsentColumns(d: Dialect, table: RelationRef, purposes: readonly string[]): { select: string; cte: string; columns: string[] } {
  const pivots = purposes.map(
    (p) => `MAX(CASE WHEN purpose = ${d.literal(p)} THEN status END) AS ${d.quoteIdent(consentColumn(p))}`,
  );
  const select = `SELECT profile_id, ${pivots.join(', ')} FROM ${d.relation(table)} GROUP BY profile_id`;
  return {
    select,
    cte: `cons AS (${select})`,
    columns: purposes.map((p) => `COALESCE(cons.${d.quoteIdent(consentColumn(p))}, ${d.literal(UNKNOWN)}) AS ${d.quoteIdent(consentColumn(p))}`),
  };
}
