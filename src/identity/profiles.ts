import type { CdpConfig } from '../config/index.js';
import type { Dialect, RelationRef } from '../warehouse/index.js';
import { profileConsentColumns } from './consent/sql.js';
import type { IdentityPlan, SourcePlan } from './plan.js';

type TraitConfig = CdpConfig['profiles']['traits'][string];
type ColumnTrait = Extract<TraitConfig, { column: string }>;

/** Columns every profile has, besides its traits. */
export function generatedProfileColumns(plan: IdentityPlan): string[] {
  return ['profile_id', 'sources', 'source_count', 'record_count', ...plan.types.map((t) => `${t.name}_count`)];
}

/** Sources a `source_priority` trait reads, most trusted first. */
export function traitSourceOrder(trait: ColumnTrait): string[] {
  if (!trait.sources?.length) return [trait.source];
  return trait.sources.includes(trait.source) ? trait.sources : [trait.source, ...trait.sources];
}

/**
 * The SELECT that builds `profiles`: one row per profile (a component with at least one record),
 * with `sources` (its sources' names, comma-separated, sorted), `source_count`, `record_count`,
 * `<id type>_count` per id type, and one column per configured trait.
 *
 * Survivorship, per column trait, over the non-null values of that column in the profile's rows:
 * - most_recent: the value of the row with the latest timestamp;
 * - first_seen: the value of the row with the earliest timestamp;
 * - most_frequent: the value on most rows (ties: the most recently seen, then the smaller value);
 * - source_priority: the most recent value from the first source (in `sources` order) that has one.
 * Ties on timestamps go to the larger record key (byte order), so every engine picks the same row.
 * Aggregate traits (`sql`) are that aggregate over the profile's rows of the source (NULL when the
 * profile has none). With `consent`, one `consent_<purpose>` column per purpose follows the traits.
 */
export function profilesSelect(
  d: Dialect,
  plan: IdentityPlan,
  traits: Record<string, TraitConfig>,
  resolved: RelationRef,
  nodes: RelationRef,
  consent?: { table: RelationRef; purposes: readonly string[] },
): string {
  const rr = `(SELECT source, record_key, profile_id FROM ${d.relation(resolved)} WHERE profile_id IS NOT NULL)`;
  // Sources are known from the config: one flag each, joined in byte order (no ordered aggregate needed).
  const names = plan.sources.map((x) => x.name).sort();
  const has = (name: string) => `MAX(CASE WHEN source = ${d.literal(name)} THEN 1 ELSE 0 END)`;
  const list = names.map((name) => `CASE WHEN ${has(name)} = 1 THEN ${d.literal(`,${name}`)} ELSE '' END`).join(' || ');
  const ctes: string[] = [
    `base AS (SELECT profile_id, SUBSTR(${list}, 2) AS sources, ${names.map(has).join(' + ')} AS source_count, COUNT(*) AS record_count FROM ${rr} x GROUP BY profile_id)`,
    `idc AS (SELECT profile_id, ${plan.types
      .map((t) => `SUM(CASE WHEN tier = ${t.tier} THEN 1 ELSE 0 END) AS ${d.quoteIdent(`${t.name}_count`)}`)
      .join(', ')} FROM ${d.relation(nodes)} WHERE profile_id IS NOT NULL GROUP BY profile_id)`,
  ];
  const columns = ['b.profile_id', 'b.sources', 'b.source_count', 'b.record_count', ...plan.types.map((t) => `idc.${d.quoteIdent(`${t.name}_count`)}`)];
  const joins = ['LEFT JOIN idc ON idc.profile_id = b.profile_id'];
  Object.entries(traits).forEach(([name, trait], i) => {
    const cte = `t${i}`;
    ctes.push(`${cte} AS (${traitSelect(d, plan, trait, rr)})`);
    columns.push(`${cte}.v AS ${d.quoteIdent(name)}`);
    joins.push(`LEFT JOIN ${cte} ON ${cte}.pid = b.profile_id`);
  });
  // Consent per configured purpose (see src/identity/consent): 'unknown' where nobody decided.
  if (consent && consent.purposes.length) {
    const pivot = profileConsentColumns(d, consent.table, consent.purposes);
    ctes.push(pivot.cte);
    columns.push(...pivot.columns);
    joins.push('LEFT JOIN cons ON cons.profile_id = b.profile_id');
  }
  return `WITH ${ctes.join(',\n')}\nSELECT ${columns.join(', ')} FROM base b ${joins.join(' ')}`;
}

function sourceRows(d: Dialect, source: SourcePlan, rr: string): string {
  return (
    `FROM ${d.relation(source.relation)} s JOIN ${rr} rr ON rr.source = ${d.literal(source.name)} ` +
    `AND rr.record_key = ${d.cast(`s.${d.quoteIdent(source.key)}`, 'string')}`
  );
}

/** One trait: a SELECT of (pid, v). */
function traitSelect(d: Dialect, plan: IdentityPlan, trait: TraitConfig, rr: string): string {
  const sourceOf = (name: string) => plan.sources.find((s) => s.name === name)!;
  if ('sql' in trait) {
    const source = sourceOf(trait.source);
    return `SELECT __cdp_pid AS pid, ${trait.sql} AS v FROM (SELECT rr.profile_id AS __cdp_pid, s.* ${sourceRows(d, source, rr)}) s GROUP BY __cdp_pid`;
  }
  const order = trait.rule === 'source_priority' ? traitSourceOrder(trait) : [trait.source];
  const rows = order
    .map((name, priority) => {
      const source = sourceOf(name);
      const col = `s.${d.quoteIdent(trait.column)}`;
      return (
        `SELECT rr.profile_id AS pid, ${priority} AS p, ${d.cast(`s.${d.quoteIdent(source.timestamp)}`, 'timestamp')} AS ts, ` +
        `rr.record_key AS rk, ${col} AS v ${sourceRows(d, source, rr)} WHERE ${col} IS NOT NULL`
      );
    })
    .join(' UNION ALL ');
  const rk = d.binaryOrder('rk');
  switch (trait.rule) {
    case 'most_recent':
    case 'source_priority':
      return pick(`SELECT pid, v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY p, ts DESC NULLS LAST, ${rk} DESC) AS rn FROM (${rows}) x`);
    case 'first_seen':
      return pick(`SELECT pid, v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY ts ASC NULLS LAST, ${rk} ASC) AS rn FROM (${rows}) x`);
    case 'most_frequent':
      return pick(
        `SELECT pid, v, ROW_NUMBER() OVER (PARTITION BY pid ORDER BY n DESC, last_ts DESC NULLS LAST, ${d.binaryOrder(d.cast('v', 'string'))}) AS rn ` +
          `FROM (SELECT pid, v, COUNT(*) AS n, MAX(ts) AS last_ts FROM (${rows}) x GROUP BY pid, v) y`,
      );
  }
}

function pick(ranked: string): string {
  return `SELECT pid, v FROM (${ranked}) z WHERE rn = 1`;
}
