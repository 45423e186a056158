import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { audienceCatalog } from './catalog.js';
import { invalid, suggestion } from './errors.js';
import { readAudienceFiles, type AudienceFile } from './files.js';
import { parseAudienceDefinition } from './parse.js';
import { AudienceRepository, type StoredAudience } from './repository.js';
import { resolveAudience, type AudienceResolver } from './resolve.js';
import { isAll, isAny, isAudienceReference, isNot, type AudienceDefinition, type Condition, type NamedAudienceDefinition } from './schema.js';

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

interface Sources {
  files: AudienceFile[];
  stored: StoredAudience[];
}

async function repository(project: Project): Promise<AudienceRepository> {
  const state = await project.state();
  return new AudienceRepository(state.knex);
}

async function readSources(project: Project): Promise<Sources> {
  const [files, stored] = await Promise.all([readAudienceFiles(project), repository(project).then((r) => r.list())]);
  return { files, stored };
}

/** Every audience: YAML files in the project, then those saved in the state store; sorted by name. */
export async function listAudiences(project: Project): Promise<AudienceSummary[]> {
  const { files, stored } = await readSources(project);
  const summaries: AudienceSummary[] = [
    ...files.map((f) => ({
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
  ];
  return summaries.sort((a, b) => a.name.localeCompare(b.name) || a.origin.localeCompare(b.origin));
}

/** The definition of the audience with this name, from a file or the state store. */
export async function loadAudience(project: Project, name: string): Promise<NamedAudienceDefinition> {
  return findIn(await readSources(project), name);
}

function findIn({ files, stored }: Sources, name: string): NamedAudienceDefinition {
  const inFiles = files.filter((f) => f.name === name);
  const inState = stored.filter((s) => s.name === name);
  const places = [...inFiles.map((f) => f.file), ...inState.map(() => 'the state store (made in the UI)')];
  if (places.length > 1) {
    throw new CdpError('CONFLICT', `audience \`${name}\` is defined ${places.length} times: ${places.join(' and ')}`, {
      location: { file: inFiles[0]?.file },
      hint: 'give each audience a unique name: rename or delete one of them',
    });
  }
  const file = inFiles[0];
  if (file) {
    if (file.error) throw file.error;
    return file.definition!;
  }
  const saved = inState[0];
  if (saved) return saved.definition;
  const known = [...files.map((f) => f.name), ...stored.map((s) => s.name)];
  throw new CdpError('AUDIENCE_NOT_FOUND', `no audience named \`${name}\``, { hint: suggestion(name, known, 'audience') });
}

/** What definitions refer to, for one operation (sources are read once). */
export function projectResolver(project: Project): AudienceResolver {
  let sources: Promise<Sources> | undefined;
  const read = () => (sources ??= readSources(project));
  return {
    catalog: audienceCatalog(project),
    async find(name) {
      const all = await read();
      const exists = all.files.some((f) => f.name === name) || all.stored.some((s) => s.name === name);
      return exists ? findIn(all, name) : undefined;
    },
    async names() {
      const all = await read();
      return [...new Set([...all.files.map((f) => f.name), ...all.stored.map((s) => s.name)])];
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
  const file = (await readAudienceFiles(project)).find((f) => f.name === named.name);
  if (file) {
    throw new CdpError('CONFLICT', `audience \`${named.name}\` is defined in ${file.file}`, {
      location: { file: file.file },
      hint: 'edit that file in git, or choose another name',
    });
  }
  await resolveAudience(named, projectResolver(project));
  return (await repository(project)).save(named, options.createdBy ?? null);
}

/** Deletes an audience saved in the state store; refuses while other audiences refer to it. */
export async function deleteAudience(project: Project, name: string): Promise<void> {
  const sources = await readSources(project);
  const definition = findIn(sources, name);
  if (!sources.stored.some((s) => s.name === name)) {
    const file = sources.files.find((f) => f.name === name)!;
    throw new CdpError('CONFLICT', `audience \`${name}\` lives in ${file.file}`, { location: { file: file.file }, hint: 'delete the file in git instead' });
  }
  const users = [...sources.files.flatMap((f) => (f.definition ? [f.definition] : [])), ...sources.stored.map((s) => s.definition)]
    .filter((d) => d.name !== definition.name && references(d.where).includes(name))
    .map((d) => d.name);
  if (users.length > 0) {
    throw new CdpError('CONFLICT', `audience \`${name}\` is used by ${users.map((u) => `\`${u}\``).join(', ')}`, {
      hint: 'remove those references first',
    });
  }
  await (await repository(project)).delete(name);
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
