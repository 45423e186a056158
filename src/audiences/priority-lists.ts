import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { suggestion } from './errors.js';
import { entryOf, knownNames, readSources, refuseNameTaken, repository, type AudienceOrigin, type StoredPriorityList } from './library.js';
import { parsePriorityList } from './parse.js';
import { priorityListCountsSql } from './priority.js';
import type { PriorityListDefinition } from './schema.js';

/**
 * Saved priority lists: YAML files in the audiences folder with `priority:` (kept in git), or rows
 * of the state store's audiences table saved over the API (like UI audiences). Names are shared
 * with audiences, so a sync's `from: { priority_list, slot }` can never mean two things.
 */

/** One saved priority list as the CLI and the API show it. */
export interface PriorityListSummary {
  name: string;
  origin: AudienceOrigin;
  description?: string;
  priority: string[];
  file?: string;
  id?: string;
  createdBy?: string | null;
  updatedAt?: Date;
}

export async function listPriorityLists(project: Project): Promise<PriorityListSummary[]> {
  const { files, lists } = await readSources(project);
  const summaries: PriorityListSummary[] = [
    ...files.flatMap((f) => (f.priorityList ? [{ ...summaryOf(f.priorityList), origin: 'file' as const, file: f.file }] : [])),
    ...lists.map((l) => ({ ...summaryOf(l.definition), origin: 'state' as const, id: l.id, createdBy: l.createdBy, updatedAt: l.updatedAt })),
  ];
  return summaries.sort((a, b) => a.name.localeCompare(b.name));
}

function summaryOf(list: PriorityListDefinition): Pick<PriorityListSummary, 'name' | 'priority' | 'description'> {
  return { name: list.name, priority: list.priority, ...(list.description ? { description: list.description } : {}) };
}

/** The saved list with this name (a file or the state store). */
export async function loadPriorityList(project: Project, name: string): Promise<PriorityListDefinition> {
  const sources = await readSources(project);
  const entry = entryOf(sources, name);
  if (entry?.list) return entry.list;
  if (entry?.audience) {
    throw new CdpError('NOT_FOUND', `\`${name}\` is an audience, not a priority list`, { hint: 'give the name of a saved priority list' });
  }
  throw new CdpError('NOT_FOUND', `no priority list named \`${name}\``, { hint: suggestion(name, sources.lists.map((l) => l.name).concat(sources.files.filter((f) => f.priorityList).map((f) => f.name)), 'priority list') });
}

/** True when `name` is a saved priority list (so `cdp audience priority <name>` reads it). */
export async function isSavedPriorityList(project: Project, name: string): Promise<boolean> {
  const sources = await readSources(project);
  return knownNames(sources).includes(name) && entryOf(sources, name)?.list !== undefined;
}

/** Creates or replaces a list in the state store after checking every audience of it exists. */
export async function savePriorityList(project: Project, value: unknown, options: { createdBy?: string | null } = {}): Promise<StoredPriorityList> {
  const list = parsePriorityList(value);
  await refuseNameTaken(project, list.name, 'priority list');
  // Compiling resolves every audience of the list (no query runs): an unknown one fails here, at priority[i].
  await priorityListCountsSql(project, list);
  const row = await (await repository(project)).save(list, options.createdBy ?? null);
  return { ...row, definition: list };
}

export async function deletePriorityList(project: Project, name: string): Promise<void> {
  const sources = await readSources(project);
  const entry = entryOf(sources, name);
  if (!entry?.list) throw new CdpError('NOT_FOUND', `no priority list named \`${name}\``);
  if (entry.file) throw new CdpError('CONFLICT', `priority list \`${name}\` lives in ${entry.file.file}`, { location: { file: entry.file.file }, hint: 'delete the file in git instead' });
  await (await repository(project)).delete(name);
}
