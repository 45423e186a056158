import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { docsOf, getDestination, type AnyDestination } from '../destinations/index.js';
import { CdpError, isCdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { invalid, parseSyncDefinition, readSyncYaml, type DefinitionLocation, type SyncDefinition } from './definition.js';

/**
 * Where a sync or destination came from: `project` files in git are reviewed code (they may use
 * `{env}`, loopback URLs, any path); `api` input is not (docs/security.md, "The trust rule").
 */
export type Trust = 'project' | 'api';

/** A sync whose definition, destination type, destination config, mode and field names all checked out. */
export interface PreparedSync {
  /** Absent: `project`. */
  trust?: Trust;
  definition: SyncDefinition;
  /** The YAML file, relative to the project; null for syncs defined through the API. */
  file: string | null;
  destination: AnyDestination;
  /** The destination config as its schema parsed it (secrets still as references). */
  config: unknown;
  /** Finds lines in the definition's file, for errors found later (e.g. a column the warehouse lacks). */
  location: DefinitionLocation;
}

/**
 * Checks everything that can be checked without the warehouse: the destination type exists,
 * its config is valid, it offers the mode, and it accepts the mapped field names.
 */
export function prepareSync(definition: SyncDefinition, location: DefinitionLocation = {}): PreparedSync {
  const destination = getDestination(definition.destination.type, { file: location.file, line: location.lineOf?.(['destination', 'type']) });
  const parsed = destination.config.safeParse(definition.destination.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = ['destination', 'config', ...issue.path];
    throw invalid(`invalid ${destination.type} config: ${issue.message}`, path, location, `see ${docsOf(destination)}`);
  }
  if (!destination.modes.includes(definition.mode)) {
    throw invalid(`${destination.type} does not offer mode ${definition.mode}`, ['mode'], location, `use one of: ${destination.modes.join(', ')}`);
  }
  const problems = destination.validateFields?.(definition.fields, parsed.data) ?? [];
  if (problems.length > 0) {
    const first = problems[0]!;
    const path = first.field in definition.fields ? ['fields', first.field] : ['fields'];
    throw invalid(`${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, path, location, `see ${docsOf(destination)} for the fields it takes`);
  }
  checkAskedFormats(definition, destination, location);
  return { definition, file: location.file ?? null, destination, config: parsed.data, location };
}

/**
 * `{ column, as }` on a field the vendor documents must fit it: `as` is for date fields, and a date
 * field whose format the vendor fixes (Braze `dob`, Mailchimp timestamps) takes only that format.
 * Fields the catalogue does not know (custom properties) take any format: only the sync knows them.
 */
function checkAskedFormats(definition: SyncDefinition, destination: AnyDestination, location: DefinitionLocation): void {
  for (const [field, rule] of Object.entries(definition.fieldRules ?? {})) {
    if (!('as' in rule)) continue;
    const known = destination.fields?.known.find((f) => f.name === field);
    if (!known) continue;
    const hint = `map ${field} to the column without "as", or see ${docsOf(destination)}`;
    if (known.type !== 'date') throw invalid(`field ${field}: ${destination.type} takes ${known.type} values there, not dates ("as: ${rule.as}")`, ['fields', field], location, hint);
    if (known.format && known.format !== rule.as) {
      throw invalid(`field ${field}: ${destination.type} takes ${field} as ${known.format}, not ${rule.as}`, ['fields', field], location, `write as: ${known.format}, or leave "as" out (${known.format} is the default)`);
    }
  }
}

function syncsDir(project: Project): string {
  return project.path(project.config.syncs.path);
}

export interface SyncFile {
  file: string;
  sync?: PreparedSync;
  error?: CdpError;
}

/** Every `syncs/*.yaml` file, each either prepared or with the error that stops it. */
export async function readSyncFiles(project: Project): Promise<SyncFile[]> {
  const dir = syncsDir(project);
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const out: SyncFile[] = [];
  for (const name of names) {
    const file = relative(project.dir, join(dir, name));
    try {
      const text = await readFile(join(dir, name), 'utf8');
      const { definition, location } = readSyncYaml(text, file, name.replace(/\.ya?ml$/i, ''));
      out.push({ file, sync: prepareSync(definition, location) });
    } catch (error) {
      if (!isCdpError(error)) throw error;
      out.push({ file, error });
    }
  }
  const seen = new Map<string, string>();
  for (const entry of out) {
    const name = entry.sync?.definition.name;
    if (!name) continue;
    if (seen.has(name)) {
      entry.error = new CdpError('SYNC_INVALID', `sync "${name}" is also defined in ${seen.get(name)}`, { location: { file: entry.file }, hint: 'give each sync its own name' });
      delete entry.sync;
    } else seen.set(name, entry.file);
  }
  return out;
}

/** All syncs of the project; the first invalid file fails the whole listing. */
export async function listSyncs(project: Project): Promise<PreparedSync[]> {
  const files = await readSyncFiles(project);
  const broken = files.find((f) => f.error);
  if (broken) throw broken.error!;
  return files.map((f) => f.sync!);
}

/** One sync by name, from `syncs/<name>.yaml` (or any file whose `name` matches). */
export async function loadSync(project: Project, name: string): Promise<PreparedSync> {
  const files = await readSyncFiles(project);
  const match = files.find((f) => f.sync?.definition.name === name) ?? files.find((f) => f.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, '') === name);
  if (match?.error) throw match.error;
  if (!match?.sync) {
    const known = files.map((f) => f.sync?.definition.name).filter(Boolean);
    throw new CdpError('SYNC_NOT_FOUND', `no sync named "${name}"`, {
      location: { file: relative(project.dir, syncsDir(project)) },
      hint: known.length ? `known syncs: ${known.join(', ')}` : `add ${project.config.syncs.path}/${name}.yaml`,
    });
  }
  return match.sync;
}

/** Validates a sync sent as JSON (API, UI) the same way as a file. */
export function prepareSyncObject(value: unknown): PreparedSync {
  return prepareSync(parseSyncDefinition(value));
}
