import { CdpError } from '../errors.js';
import { AudienceRepository, type BrokenStoredAudience, type StoredAudienceOf } from '../state/index.js';
import type { Project } from '../project/index.js';
import { audienceCatalog } from './catalog.js';
import { invalid, suggestion } from './errors.js';
import { readAudienceFiles, type AudienceFile } from './files.js';
import { isPriorityListShape, parseAudienceDefinition, parsePriorityList } from './parse.js';
import { resolveAudience, type AudienceResolver } from './resolve.js';
import { isAll, isAny, isAudienceReference, isNot, type AudienceDefinition, type Condition, type NamedAudienceDefinition, type PriorityListDefinition } from './schema.js';

export type AudienceOrigin = 'file' | 'state';

/** One audience as `cdp audience list` and the API show it. */
export interface AudienceSummary {
  name: string;
  origin: AudienceOrigin;
  description?: string;
  /** For file audiences: the file, relative to the project. */
  file?: string;
  /** For state-store audiences. */
  id?: string;
  createdBy?: string | null;
  updatedAt?: Date;
  /** Why a file could not be read (the audience cannot be used until it is fixed). */
  error?: string;
}

export interface Sources {
  /** Audience and priority list files. */
  files: AudienceFile[];
  stored: StoredAudience[];
  /** Priority lists saved over the API (same table as audiences: one name space). */
  lists: StoredPriorityList[];
  /** Stored rows that cannot be read: listed with their error, refused when used. */
  broken: BrokenStoredAudience[];
}

/** An audience kept in the state store. */
export type StoredAudience = StoredAudienceOf<AudienceDefinition>;
/** A priority list kept in the state store. */
export type StoredPriorityList = StoredAudienceOf<PriorityListDefinition>;
/** What a row of the audiences table holds: a definition with `priority` is a priority list. */
type StoredDefinition = AudienceDefinition | PriorityListDefinition;

/**
 * Parsed definitions by their stored JSON text: every count of a saved audience lists the stored
 * audiences, and validating each definition again costs more than the rest of a cached count.
 * Parsing is pure, so the same text always gives the same definition (shared: treat as read-only).
 */
const PARSED_MAX = 2_000;
const parsed = new Map<string, StoredDefinition>();

function parseStored(json: string): StoredDefinition {
  let definition = parsed.get(json);
  if (definition === undefined) {
    const value: unknown = JSON.parse(json);
    definition = isPriorityListShape(value) ? parsePriorityList(value) : parseAudienceDefinition(value);
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
    parsed.set(json, definition);
  }
  return definition;
}

/** The state store's audiences table; it holds audiences and priority lists. */
export async function repository(project: Project): Promise<AudienceRepository<StoredDefinition>> {
  const state = await project.state();
  return new AudienceRepository(state.knex, parseStored);
}

function isStoredList(row: StoredAudienceOf<StoredDefinition>): row is StoredPriorityList {
  return 'priority' in row.definition;
}

export async function readSources(project: Project): Promise<Sources> {
  const [files, { audiences: rows, broken }] = await Promise.all([readAudienceFiles(project), repository(project).then((r) => r.list())]);
  const lists = rows.filter(isStoredList);
  const stored = rows.filter((row): row is StoredAudience => !isStoredList(row));
  return { files, stored, lists, broken };
}

/** Every audience: YAML files in the project, then those saved in the state store; sorted by name. */
export async function listAudiences(project: Project): Promise<AudienceSummary[]> {
  const { files, stored, broken } = await readSources(project);
  const summaries: AudienceSummary[] = [
    ...files.filter((f) => !f.priorityList).map((f) => ({
      name: f.name,
      origin: 'file' as const,
      file: f.file,
      ...(f.definition?.description ? { description: f.definition.description } : {}),
      ...(f.error ? { error: f.error.oneLine() } : {}),
    })),
    ...stored.map((s) => ({
      name: s.name,
      origin: 'state' as const,
      id: s.id,
      createdBy: s.createdBy,
      updatedAt: s.updatedAt,
      ...(s.definition.description ? { description: s.definition.description } : {}),
    })),
    ...broken.map((b) => ({ name: b.name, origin: 'state' as const, id: b.id, error: b.error.oneLine() })),
  ];
  return summaries.sort((a, b) => a.name.localeCompare(b.name) || a.origin.localeCompare(b.origin));
}

/** The definition of the audience with this name, from a file or the state store. */
export async function loadAudience(project: Project, name: string): Promise<NamedAudienceDefinition> {
  return findIn(await readSources(project), name);
}

/** Where a name is defined, among audiences and priority lists of both origins. */
export interface NamedEntry {
  place: string;
  file?: AudienceFile;
  audience?: NamedAudienceDefinition;
  list?: PriorityListDefinition;
  stored?: StoredAudience | StoredPriorityList;
}

/** The one definition of `name` (audience or priority list), undefined when there is none; two or more are refused. */
export function entryOf({ files, stored, lists, broken }: Sources, name: string): NamedEntry | undefined {
  const inFiles = files.filter((f) => f.name === name);
  const brokenRow = broken.find((b) => b.name === name);
  if (brokenRow && inFiles.length === 0) throw brokenRow.error;
  const entries: NamedEntry[] = [
    ...inFiles.map((f) => ({ place: f.file, file: f, audience: f.definition, list: f.priorityList })),
    ...stored.filter((s) => s.name === name).map((s) => ({ place: 'the state store (made in the UI)', audience: s.definition, stored: s })),
    ...lists.filter((l) => l.name === name).map((l) => ({ place: 'the state store (made in the UI)', list: l.definition, stored: l })),
  ];
  if (entries.length > 1) {
    const what = entries.some((e) => e.list) ? 'name' : 'audience';
    throw new CdpError('CONFLICT', `${what} \`${name}\` is defined ${entries.length} times: ${entries.map((e) => e.place).join(' and ')}`, {
      location: { file: inFiles[0]?.file },
      hint: 'give each audience and priority list a unique name: rename or delete one of them',
    });
  }
  if (entries[0]?.file?.error) throw entries[0].file.error;
  return entries[0];
}

/** Every name of an audience or a priority list. */
export function knownNames({ files, stored, lists, broken }: Sources): string[] {
  return [...new Set([...files, ...stored, ...lists, ...broken].map((a) => a.name))];
}

function findIn(sources: Sources, name: string): NamedAudienceDefinition {
  const entry = entryOf(sources, name);
  if (entry?.audience) return entry.audience;
  if (entry?.list) {
    throw new CdpError('AUDIENCE_INVALID', `\`${name}\` is a priority list, not an audience`, {
      location: { file: entry.file?.file },
      hint: 'refer to an audience; a sync reads one slot of a list with from: { priority_list, slot }',
    });
  }
  throw new CdpError('AUDIENCE_NOT_FOUND', `no audience named \`${name}\``, { hint: suggestion(name, knownNames(sources), 'audience') });
}

/** What definitions refer to, for one operation (sources are read once). */
export function projectResolver(project: Project): AudienceResolver {
  let sources: Promise<Sources> | undefined;
  const read = () => (sources ??= readSources(project));
  return {
    catalog: audienceCatalog(project),
    async find(name) {
      const all = await read();
      return knownNames(all).includes(name) ? findIn(all, name) : undefined;
    },
    async names() {
      return knownNames(await read());
    },
  };
}

/**
 * Saves an audience in the state store (creating it, or replacing the definition of the one with
 * this name) after checking it against the warehouse. File audiences are edited in git instead.
 */
export async function saveAudience(project: Project, definition: unknown, options: { createdBy?: string | null } = {}): Promise<StoredAudience> {
  const parsed = parseAudienceDefinition(definition);
  if (!parsed.name) throw invalid('an audience needs a name to be saved', ['name'], 'add `name`: letters, digits and underscores');
  const named: NamedAudienceDefinition = { ...parsed, name: parsed.name };
  await refuseNameTaken(project, named.name, 'audience');
  await resolveAudience(named, projectResolver(project));
  const row = await (await repository(project)).save(named, options.createdBy ?? null);
  return { ...row, definition: named };
}

/**
 * Saving over the API may replace a stored definition of the same kind, never a file's nor one of
 * the other kind (audiences and priority lists share one name space).
 */
export async function refuseNameTaken(project: Project, name: string, kind: 'audience' | 'priority list'): Promise<void> {
  const { files, stored, lists } = await readSources(project);
  const file = files.find((f) => f.name === name);
  if (file) {
    throw new CdpError('CONFLICT', `\`${name}\` is defined in ${file.file}`, { location: { file: file.file }, hint: 'edit that file in git, or choose another name' });
  }
  const other = kind === 'audience' ? lists.some((l) => l.name === name) : stored.some((s) => s.name === name);
  if (other) {
    throw new CdpError('CONFLICT', `\`${name}\` is already the name of ${kind === 'audience' ? 'a priority list' : 'an audience'}`, {
      location: { path: 'body.name' },
      hint: 'audiences and priority lists share names: choose another name',
    });
  }
}

/** Deletes an audience saved in the state store; refuses while other audiences refer to it. */
export async function deleteAudience(project: Project, name: string): Promise<void> {
  const sources = await readSources(project);
  // An unreadable stored row can always be deleted: nothing can refer to it successfully.
  if (sources.broken.some((b) => b.name === name) && !sources.files.some((f) => f.name === name)) {
    await (await repository(project)).delete(name);
    return;
  }
  const definition = findIn(sources, name);
  if (!sources.stored.some((s) => s.name === name)) {
    const file = sources.files.find((f) => f.name === name)!;
    throw new CdpError('CONFLICT', `audience \`${name}\` lives in ${file.file}`, { location: { file: file.file }, hint: 'delete the file in git instead' });
  }
  const users = [...sources.files.flatMap((f) => (f.definition ? [f.definition] : [])), ...sources.stored.map((s) => s.definition)]
    .filter((d) => d.name !== definition.name && references(d.where).includes(name))
    .map((d) => d.name);
  users.push(...priorityListsOf(sources).filter((l) => l.priority.includes(name)).map((l) => l.name));
  if (users.length > 0) {
    throw new CdpError('CONFLICT', `audience \`${name}\` is used by ${users.map((u) => `\`${u}\``).join(', ')}`, {
      hint: 'remove those references first',
    });
  }
  await (await repository(project)).delete(name);
}

/** Every readable priority list, from files and the state store. */
export function priorityListsOf({ files, lists }: Sources): PriorityListDefinition[] {
  return [...files.flatMap((f) => (f.priorityList ? [f.priorityList] : [])), ...lists.map((l) => l.definition)];
}

/** Names of the audiences a condition refers to directly. */
export function references(condition: Condition): string[] {
  if (isAll<Condition>(condition)) return condition.all.flatMap(references);
  if (isAny<Condition>(condition)) return condition.any.flatMap(references);
  if (isNot<Condition>(condition)) return references(condition.not);
  if (isAudienceReference(condition)) return [condition.audience];
  return [];
}

/** A name is looked up; an object is validated as a definition (e.g. a draft from the UI). */
export type AudienceInput = string | AudienceDefinition;

export async function definitionOf(project: Project, input: AudienceInput): Promise<AudienceDefinition> {
  return typeof input === 'string' ? loadAudience(project, input) : parseAudienceDefinition(input);
}
