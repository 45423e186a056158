import type { CdpConfig } from '../config/index.js';
import type { ColumnKind, Dialect, OrderKey, RelationRef } from '../warehouse/index.js';
import { createHash } from 'node:crypto';
import { consentColumn, UNKNOWN } from './consent/plan.js';
import { profileConsentColumns } from './consent/sql.js';
import type { IdentityPlan, SourcePlan } from './plan.js';
import type { SqlRunner } from './runner.js';
import type { IdentityTables } from './tables.js';

type TraitConfig = CdpConfig['profiles']['traits'][string];
type ColumnTrait = Extract<TraitConfig, { column: string }>;

/** Columns every profile has, besides its traits. */
export function generatedProfileColumns(plan: IdentityPlan): string[] {
  return ['profile_id', 'sources', 'source_count', 'record_count', ...plan.types.map((t) => `${t.name}_count`)];
}

/** Where the last profiles build records what shaped it (traits, consent purposes, graph): one row, `shape` (a hash). */
const PROFILE_BUILD = '_identity_profile_build';

/**
 * An incremental build's touched profiles (scratch `touched(profile_id)`), before the stored
 * graph is replaced: the profiles of the recomputed region as it was (the region's nodes that
 * go) and as it is now (its new nodes). Every profile outside these has the same records, rows
 * and identifiers as before.
 */
export function touchedProfilesSelect(sql: SqlRunner, t: IdentityTables): string {
  const r = (name: string) => sql.rel(t.tmp(name));
  return (
    `SELECT profile_id FROM ${r('new_nodes')} WHERE profile_id IS NOT NULL ${sql.d.unionDistinct()} ` +
    `SELECT n.profile_id FROM ${sql.rel(t.state('nodes'))} n JOIN ${r('gone')} g ON g.node = n.node WHERE n.profile_id IS NOT NULL`
  );
}

/**
 * Writes `profiles` from the stored graph and `resolved_records` (inside the commit's
 * transaction). A full build, or a build whose traits, consent purposes or graph config changed,
 * rebuilds the table; an incremental one recomputes only the touched profiles (scratch
 * `touched`) and those whose consent changed, and leaves every other row as it is.
 */
export async function writeProfiles(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  traits: Record<string, TraitConfig>,
  options: { mode: 'full' | 'incremental'; consent?: ProfilesConsent },
): Promise<void> {
  const target = t.output('profiles');
  const stateRef = { schema: plan.schema, name: PROFILE_BUILD };
  const hash = createHash('sha256')
    .update(JSON.stringify({ graph: plan.hash, traits, purposes: options.consent?.purposes ?? [] }))
    .digest('hex')
    .slice(0, 16);
  const keyKinds = new Map<string, ColumnKind>();
  for (const group of sourceGroups(sql.d, plan, traits)) {
    const key = (await sql.columns(group.source.relation)).find((c) => c.name === group.source.key);
    if (key) keyKinds.set(group.source.name, key.kind);
  }
  const touched = t.tmp('touched');
  const incremental =
    options.mode === 'incremental' && (await sql.exists(touched)) && (await sql.exists(target)) && (await storedHash(sql, stateRef)) === hash;
  if (!incremental) {
    const { select, scratch } = await stageProfileParts(sql, plan, t, traits, options.consent, { keyKinds });
    await sql.replace(target, select);
    for (const table of scratch) await sql.drop(table);
    await sql.create(stateRef, `SELECT ${sql.d.literal(hash)} AS shape`);
    return;
  }
  if (options.consent?.purposes.length) await sql.exec(`INSERT INTO ${sql.rel(touched)} (profile_id) ${consentChangedSelect(sql, target, options.consent)}`);
  const only = ` WHERE profile_id IN (SELECT profile_id FROM ${sql.rel(touched)})`;
  await sql.exec(`DELETE FROM ${sql.rel(target)}${only}`);
  const { select, scratch } = await stageProfileParts(sql, plan, t, traits, options.consent, { keyKinds, only: touched });
  // Named columns: profiles may carry more than identity writes (prediction scores, NULL here until the run scores again).
  const names = [...generatedProfileColumns(plan), ...Object.keys(traits), ...(options.consent?.purposes ?? []).map(consentColumn)];
  await sql.exec(`INSERT INTO ${sql.rel(target)} (${names.map((n) => sql.d.quoteIdent(n)).join(', ')}) ${select}`);
  for (const table of scratch) await sql.drop(table);
}

/**
 * Writes each part of `profiles` (see `profileParts`) to its own scratch table, one after the
 * other, and returns the SELECT that joins them by profile, with the scratch tables to drop after it.
 */
async function stageProfileParts(
  sql: SqlRunner,
  plan: IdentityPlan,
  t: IdentityTables,
  traits: Record<string, TraitConfig>,
  consent: ProfilesConsent | undefined,
  scope: ProfilesScope,
): Promise<{ select: string; scratch: RelationRef[] }> {
  const scratchOf = (name: string) => t.tmp(`profile_${name}`);
  const { parts, select } = profileParts(sql.d, plan, traits, { records: t.state('records'), nodes: t.state('nodes') }, consent, scope, scratchOf);
  // Each part is read once by the join and dropped: session temporary tables where the engine has
  // them (t.tmp), which DuckDB keeps uncompressed and out of the database file (at 1M people the
  // parts cost 17.5 CPU s written plain against 20-23 compressed).
  for (const part of parts) await sql.create(scratchOf(part.name), part.select);
  return { select, scratch: parts.map((part) => scratchOf(part.name)) };
}

async function storedHash(sql: SqlRunner, ref: RelationRef): Promise<string | null> {
  if (!(await sql.exists(ref))) return null;
  const rows = await sql.query<{ shape: string }>(`SELECT shape FROM ${sql.rel(ref)}`);
  return rows[0]?.shape ?? null;
}

/** Stored profiles whose consent columns differ from the consent table just written (consent is resolved in full every build). */
function consentChangedSelect(sql: SqlRunner, profiles: RelationRef, consent: ProfilesConsent): string {
  const d = sql.d;
  const pivot = profileConsentColumns(d, consent.table, consent.purposes);
  const differs = consent.purposes
    .map((p) => {
      const c = d.quoteIdent(consentColumn(p));
      return `COALESCE(cons.${c}, ${d.literal(UNKNOWN)}) <> COALESCE(p.${c}, ${d.literal(UNKNOWN)})`;
    })
    .join(' OR ');
  return `WITH ${pivot.cte} SELECT p.profile_id FROM ${d.relation(profiles)} p LEFT JOIN cons ON cons.profile_id = p.profile_id WHERE ${differs}`;
}

/** Sources a `source_priority` trait reads, most trusted first. */
export function traitSourceOrder(trait: ColumnTrait): string[] {
  if (!trait.sources?.length) return [trait.source];
  return trait.sources.includes(trait.source) ? trait.sources : [trait.source, ...trait.sources];
}

/** Consent columns of profiles: the resolved consent table and the configured purposes. */
export interface ProfilesConsent {
  table: RelationRef;
  purposes: readonly string[];
}

/** How `profileParts` reads: key column kinds (native joins) and, for an incremental build, the profiles to recompute. */
export interface ProfilesScope {
  /** The kind of each source's key column, by source name: keys are joined in their own type where it can be. */
  keyKinds?: ReadonlyMap<string, ColumnKind>;
  /** A table of `profile_id`s: only these profiles are computed (an incremental build's touched profiles). */
  only?: RelationRef;
}

/**
 * How `profiles` is built: one row per profile (a component with at least one record),
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
 *
 * Each source is read once: its rows joined to their profiles, grouped by profile, every trait of
 * that source one aggregate of the group (an ordered pick where the dialect has one, else a
 * ROW_NUMBER rank in the same scan); most_frequent counts ride along as window aggregates.
 *
 * The work is split into parts, each one GROUP BY profile written to its own scratch table
 * (`scratch(name)`) in turn: the counts over the records (`base`) and over the identifiers
 * (`idc`), one part per source a trait reads (`g<k>`), and the consent pivot (`cons`). `select`
 * then joins them on the component (an integer; the text profile id comes from `idc`). One
 * statement holding every part's hash table at once outgrew DuckDB's memory limit from about 3M
 * people and spilled (docs/scale.md).
 */
export function profileParts(
  d: Dialect,
  plan: IdentityPlan,
  traits: Record<string, TraitConfig>,
  state: { records: RelationRef; nodes: RelationRef },
  consent: ProfilesConsent | undefined,
  scope: ProfilesScope,
  scratch: (part: string) => RelationRef,
): { parts: ProfilePart[]; select: string } {
  const only = (column: string) => (scope.only ? ` AND ${column} IN (SELECT profile_id FROM ${d.relation(scope.only)})` : '');
  const parts: ProfilePart[] = [];
  const nodes = d.relation(state.nodes);
  // The resolved records (`resolved_records`' own join) keyed by their component: every part
  // groups and joins on that integer, and the text profile id is joined once, from the nodes.
  const rr =
    `(SELECT rc.source, rc.record_key, n.comp AS pid FROM ${d.relation(state.records)} rc ` +
    `JOIN ${nodes} n ON n.node = rc.center WHERE n.profile_id IS NOT NULL${only('n.profile_id')})`;
  const rel = (name: string) => d.relation(scratch(name));
  // Sources are known from the config: one flag each, joined in byte order (no ordered aggregate needed).
  const names = plan.sources.map((x) => x.name).sort();
  const has = (name: string) => `MAX(CASE WHEN source = ${d.literal(name)} THEN 1 ELSE 0 END)`;
  const list = names.map((name) => `CASE WHEN ${has(name)} = 1 THEN ${d.literal(`,${name}`)} ELSE '' END`).join(' || ');
  parts.push({
    name: 'base',
    select: `SELECT pid, SUBSTR(${list}, 2) AS sources, ${names.map(has).join(' + ')} AS source_count, COUNT(*) AS record_count FROM ${rr} x GROUP BY pid`,
  });
  const counts = plan.types.map((t) => `SUM(CASE WHEN tier = ${t.tier} THEN 1 ELSE 0 END) AS ${d.quoteIdent(`${t.name}_count`)}`).join(', ');
  parts.push({
    name: 'idc',
    // A component has one profile id (its anchor's): MIN only carries it through the GROUP BY.
    select: `SELECT comp AS pid, MIN(profile_id) AS profile_id, ${counts} FROM ${nodes} WHERE profile_id IS NOT NULL${only('profile_id')} GROUP BY comp`,
  });
  const columns = ['idc.profile_id', 'b.sources', 'b.source_count', 'b.record_count', ...plan.types.map((t) => `idc.${d.quoteIdent(`${t.name}_count`)}`)];
  const joins = [`JOIN ${rel('idc')} idc ON idc.pid = b.pid`];
  const groups = sourceGroups(d, plan, traits);
  groups.forEach((group, k) => {
    parts.push({ name: `g${k}`, select: groupSelect(d, group, rr, scope.keyKinds?.get(group.source.name)) });
    joins.push(`LEFT JOIN ${rel(`g${k}`)} g${k} ON g${k}.pid = b.pid`);
  });
  Object.keys(traits).forEach((name, i) => {
    const picks = groups.flatMap((group, k) => group.parts.filter((part) => part.trait === i).map((part) => ({ k, part })));
    picks.sort((a, b) => a.part.priority - b.part.priority);
    const refs = picks.map(({ k, part }) => `g${k}.${part.alias}`);
    columns.push(`${refs.length === 1 ? refs[0]! : `COALESCE(${refs.join(', ')})`} AS ${d.quoteIdent(name)}`);
  });
  // Consent per configured purpose (see src/identity/consent): 'unknown' where nobody decided.
  if (consent && consent.purposes.length) {
    const pivot = profileConsentColumns(d, consent.table, consent.purposes);
    parts.push({ name: 'cons', select: pivot.select });
    columns.push(...pivot.columns);
    joins.push(`LEFT JOIN ${rel('cons')} cons ON cons.profile_id = idc.profile_id`);
  }
  return { parts, select: `SELECT ${columns.join(', ')} FROM ${rel('base')} b ${joins.join(' ')}` };
}

/** One part of `profiles`: a scratch table of one row per profile (`pid`: its component). */
export interface ProfilePart {
  name: string;
  select: string;
}

/** One trait's share of one source: the whole trait, or (source_priority) its pick from this source. */
interface TraitPart {
  trait: number;
  /** Position of this source in a source_priority trait's order (0 otherwise). */
  priority: number;
  alias: string;
  config: TraitConfig;
}

interface SourceGroup {
  source: SourcePlan;
  parts: TraitPart[];
}

/** Traits grouped by the source they read, in the order sources are first used. */
function sourceGroups(d: Dialect, plan: IdentityPlan, traits: Record<string, TraitConfig>): SourceGroup[] {
  const groups = new Map<string, SourceGroup>();
  Object.values(traits).forEach((trait, i) => {
    const order = 'sql' in trait ? [trait.source] : trait.rule === 'source_priority' ? traitSourceOrder(trait) : [trait.source];
    order.forEach((name, priority) => {
      const source = plan.sources.find((s) => s.name === name)!;
      const group = groups.get(name) ?? { source, parts: [] };
      groups.set(name, group);
      group.parts.push({ trait: i, priority, alias: d.quoteIdent(`t${i}_${priority}`), config: trait });
    });
  });
  return [...groups.values()];
}

/**
 * One source read once: (pid, one column per trait part). The inner SELECT is the source's rows
 * with their profile, record key and timestamp (plus window columns where a pick needs them);
 * the outer one groups them by profile.
 */
function groupSelect(d: Dialect, group: SourceGroup, rr: string, keyKind: ColumnKind | undefined): string {
  const { source } = group;
  const ts = d.cast(`s.${d.quoteIdent(source.timestamp)}`, 'timestamp');
  const inner = ['rr.pid AS __cdp_pid', 'rr.record_key AS __cdp_rk', `${ts} AS __cdp_ts`];
  const ranks: string[] = [];
  const rk = d.binaryOrder('__cdp_rk');
  const aggregates = group.parts.map((part, n) => {
    const trait = part.config;
    if ('sql' in trait) return `${trait.sql} AS ${part.alias}`;
    const value = d.quoteIdent(trait.column);
    let order: OrderKey[];
    if (trait.rule === 'most_frequent') {
      // How often each value occurs in the profile, and when it was last seen: window aggregates of this scan.
      const within = `PARTITION BY rr.pid, s.${value}`;
      inner.push(`COUNT(*) OVER (${within}) AS __cdp_n${n}`, `MAX(${ts}) OVER (${within}) AS __cdp_last${n}`);
      order = [{ expr: `__cdp_n${n}`, desc: true }, { expr: `__cdp_last${n}`, desc: true }, { expr: d.binaryOrder(d.cast(value, 'string')) }];
    } else if (trait.rule === 'first_seen') {
      order = [{ expr: '__cdp_ts' }, { expr: rk }];
    } else {
      order = [{ expr: '__cdp_ts', desc: true }, { expr: rk, desc: true }];
    }
    if (d.firstValueAgg) return `${d.firstValueAgg(value, order)} AS ${part.alias}`;
    // No ordered pick: rank the rows (non-null values first) over the same scan, keep rank 1.
    const keys = order.map((k) => `${k.expr} ${k.desc ? 'DESC' : 'ASC'} NULLS LAST`).join(', ');
    ranks.push(`ROW_NUMBER() OVER (PARTITION BY __cdp_pid ORDER BY CASE WHEN ${value} IS NULL THEN 1 ELSE 0 END, ${keys}) AS __cdp_rn${n}`);
    return `MAX(CASE WHEN __cdp_rn${n} = 1 THEN ${value} END) AS ${part.alias}`;
  });
  let rows = `SELECT ${inner.join(', ')}, s.* FROM ${d.relation(source.relation)} s JOIN ${sourceKeys(d, source, rr)} rr ON ${keyJoin(d, source, keyKind)}`;
  if (ranks.length) rows = `SELECT r.*, ${ranks.join(', ')} FROM (${rows}) r`;
  return `SELECT __cdp_pid AS pid, ${aggregates.join(', ')} FROM (${rows}) s GROUP BY __cdp_pid`;
}

/** The resolved records of one source: (record_key, pid). */
function sourceKeys(d: Dialect, source: SourcePlan, rr: string): string {
  return `(SELECT record_key, pid FROM ${rr} x WHERE source = ${d.literal(source.name)})`;
}

/**
 * The join of a source's rows to their resolved records. Record keys are stored as text; a text
 * key is compared as it is and an integer key as an integer (the stored text is its canonical
 * form), so the source's column is never converted row by row. Other key types compare as text.
 */
function keyJoin(d: Dialect, source: SourcePlan, kind: ColumnKind | undefined): string {
  const key = `s.${d.quoteIdent(source.key)}`;
  if (kind === 'string') return `rr.record_key = ${key}`;
  if (kind === 'integer') return `${key} = ${d.tryCast('rr.record_key', 'integer')}`;
  return `rr.record_key = ${d.cast(key, 'string')}`;
}
