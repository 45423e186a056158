import { createHash } from 'node:crypto';
import { CdpError } from '../../errors.js';
import { explainIdentifier, IdentityTables, normalizeLiteralsQuery, planIdentity, SUPPRESSIONS_TABLE, type IdentityPlan } from '../../identity/index.js';
import type { Project } from '../../project/index.js';
import { didYouMean } from '../../util/suggest.js';
import type { Warehouse } from '../../warehouse/index.js';

/** Who a privacy request is about, as the caller names them. */
export interface SubjectInput {
  idType: string;
  value: string;
}

export interface SubjectIdentifier {
  idType: string;
  /** Normalised like the identity build stores it. */
  value: string;
}

/** A person as the warehouse knows them: their profile(s) and every identifier linked to them. */
export interface Subject {
  idType: string;
  /** The value as given (kept in memory only: never stored in the state store or the audit log). */
  input: string;
  /** The value as identity resolution normalises it; null when it is not a valid value of the type. */
  normalized: string | null;
  /** SHA-256 (hex) of the normalised value (of the trimmed input when it does not normalise). */
  valueSha256: string;
  /** Profiles holding the identifier (today at most one: one identifier links to one profile). */
  profileIds: string[];
  /** Earlier ids of those profiles (profile_merges): syncs may still hold rows keyed by them. */
  formerProfileIds: string[];
  /** Every identifier of the profiles, plus the requested one. */
  identifiers: SubjectIdentifier[];
  /**
   * Ids the person's profiles had or would have (a profile id is a hash of its anchor identifier):
   * finds rows syncs still hold after the warehouse forgot the profile (a retried deletion).
   */
  derivedProfileIds: string[];
  /** Surrogate keys of the profiles' identifiers in the `_identity_*` state tables. */
  nodes: bigint[];
  /** Other profiles holding records that carry the value when its links were dropped (not erased: they are other people). */
  seenWith: string[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function identityPlanOf(project: Project): IdentityPlan {
  const config = project.config.identity;
  if (!config) {
    throw new CdpError('IDENTITY_INVALID', 'the config has no identity section, so no person can be found by an identifier', {
      location: { path: 'identity' },
      hint: 'declare identity.sources and identity.idTypes in cdp.config.ts',
    });
  }
  return planIdentity(project, config);
}

/** Throws INVALID_INPUT with a did-you-mean hint when `idType` is not one of identity.idTypes. */
export function checkIdType(project: Project, idType: string, path = 'id_type'): void {
  const known = Object.keys(project.config.identity?.idTypes ?? {});
  if (known.includes(idType)) return;
  throw new CdpError('INVALID_INPUT', `unknown id type ${idType}`, {
    location: { path },
    hint: didYouMean(idType, known, `use one of: ${known.join(', ')}`),
  });
}

const uniqueIdentifiers = (list: SubjectIdentifier[]): SubjectIdentifier[] => {
  const seen = new Set<string>();
  return list.filter((i) => {
    const key = `${i.idType}\u0000${i.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/**
 * Refuses a value the identity build would drop (like profile search does): nothing can be held
 * under it, and an empty export or a deletion of nothing would read as "we hold nothing".
 */
export function requireValidValue(subject: Pick<Subject, 'idType' | 'normalized'>): void {
  if (subject.normalized !== null) return;
  throw new CdpError('INVALID_INPUT', `the value is not a valid ${subject.idType}, so no profile can hold it`, {
    location: { path: 'value' },
    hint: 'check the value (it is normalised like identity resolution does, e.g. emails need an @ and a domain), or look the person up by another identifier',
  });
}

/**
 * Finds the person: normalises the value with the identity build's own SQL and looks up its
 * profile (identity explain), then reads every identifier and state-table node of that profile.
 * Works before any build too (no profile, only the requested identifier).
 */
export async function resolveSubject(project: Project, input: SubjectInput): Promise<Subject> {
  checkIdType(project, input.idType);
  if (input.value.trim() === '') {
    throw new CdpError('INVALID_INPUT', `the ${input.idType} to look up is empty`, { location: { path: 'value' }, hint: `give the person's ${input.idType}, e.g. as the customer wrote it` });
  }
  const plan = identityPlanOf(project);
  const warehouse = await project.warehouse();
  const t = new IdentityTables(plan.schema);
  const built = await warehouse.relationExists(t.state('nodes'));
  const explained = built ? await explainIdentifier(project, input.idType, input.value) : null;
  const normalized = explained ? explained.normalized : await normalizeOnly(warehouse, plan, input);
  const requested: SubjectIdentifier = { idType: input.idType, value: normalized ?? input.value.trim() };
  const subject: Subject = {
    idType: input.idType,
    input: input.value,
    normalized,
    valueSha256: sha256Hex(requested.value),
    profileIds: explained?.profileId ? [explained.profileId] : [],
    formerProfileIds: [],
    identifiers: [requested],
    derivedProfileIds: [],
    nodes: [],
    seenWith: explained?.seenWith ?? [],
  };
  // A deletion run before (e.g. one a vendor did not confirm) suppressed the person's identifiers under its request id.
  subject.identifiers = uniqueIdentifiers([requested, ...(await earlierSuppressed(warehouse, plan.schema, requested))]);
  subject.derivedProfileIds = profileIdsOf(subject.identifiers);
  if (!subject.profileIds.length) return subject;

  const d = warehouse.dialect;
  const ids = subject.profileIds.map((id) => d.literal(id)).join(', ');
  const typeOf = `CASE n.tier ${plan.types.map((type) => `WHEN ${type.tier} THEN ${d.literal(type.name)}`).join(' ')} END`;
  const members = await warehouse.query<{ node: bigint | number | string; id_type: string; id_value: string }>(
    `SELECT n.node, ${typeOf} AS id_type, dc.id_value FROM ${d.relation(t.state('nodes'))} n ` +
      `JOIN ${d.relation(t.state('dictionary'))} dc ON dc.node = n.node WHERE n.profile_id IN (${ids}) ORDER BY n.tier, dc.id_value`,
  );
  subject.nodes = members.map((m) => BigInt(m.node));
  subject.identifiers = uniqueIdentifiers([...subject.identifiers, ...members.map((m) => ({ idType: String(m.id_type), value: String(m.id_value) }))]);
  subject.derivedProfileIds = profileIdsOf(subject.identifiers);
  if (await warehouse.relationExists(t.output('merges'))) {
    const former = await warehouse.query<{ old_profile_id: string }>(
      `SELECT DISTINCT old_profile_id FROM ${d.relation(t.output('merges'))} WHERE profile_id IN (${ids}) AND old_profile_id NOT IN (${ids})`,
    );
    subject.formerProfileIds = former.map((r) => String(r.old_profile_id)).sort();
  }
  return subject;
}

/** A profile's id: the first 16 hex digits of SHA-256(`id_type:value`) of its anchor (see identity/finalize.ts). */
function profileIdsOf(identifiers: readonly SubjectIdentifier[]): string[] {
  return identifiers.map((i) => sha256Hex(`${i.idType}:${i.value}`).slice(0, 16));
}

/** Identifiers suppressed together with this one by earlier deletion requests. */
async function earlierSuppressed(warehouse: Warehouse, schema: string, identifier: SubjectIdentifier): Promise<SubjectIdentifier[]> {
  const table = { schema, name: SUPPRESSIONS_TABLE };
  if (!(await warehouse.relationExists(table))) return [];
  const columns = new Set((await warehouse.listColumns(table)).map((c) => c.name.toLowerCase()));
  if (!columns.has('request_id')) return [];
  const d = warehouse.dialect;
  const rows = await warehouse.query<{ id_type: string; id_value: string }>(
    `SELECT DISTINCT id_type, id_value FROM ${d.relation(table)} WHERE request_id IN ` +
      `(SELECT request_id FROM ${d.relation(table)} WHERE id_type = ${d.literal(identifier.idType)} AND id_value = ${d.literal(identifier.value)} AND request_id IS NOT NULL)`,
  );
  return rows.map((r) => ({ idType: String(r.id_type), value: String(r.id_value) }));
}

async function normalizeOnly(warehouse: Warehouse, plan: IdentityPlan, input: SubjectInput): Promise<string | null> {
  const type = plan.types.find((x) => x.name === input.idType)!;
  const [row] = await warehouse.query<{ norm: string | null }>(normalizeLiteralsQuery(warehouse.dialect, type, [input.value]));
  return row?.norm === null || row?.norm === undefined ? null : String(row.norm);
}

/** Identifier counts per type (what reports show instead of values). */
export function countByType(identifiers: readonly SubjectIdentifier[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of identifiers) out[i.idType] = (out[i.idType] ?? 0) + 1;
  return out;
}
