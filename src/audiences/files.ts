import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { parseAudienceFolderFile } from './parse.js';
import type { NamedAudienceDefinition, PriorityListDefinition } from './schema.js';

export const AUDIENCE_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** One file of the project's audiences folder: its audience or priority list, or why it could not be read. */
export interface AudienceFile {
  name: string;
  /** Relative to the project directory. */
  file: string;
  definition?: NamedAudienceDefinition;
  /** Set instead of `definition` when the file holds a priority list (it has `priority:`). */
  priorityList?: PriorityListDefinition;
  error?: CdpError;
}

/** The audiences kept in git: `<project>/<config.audiences.path>/*.yaml` (or .yml, .json). */
export async function readAudienceFiles(project: Project): Promise<AudienceFile[]> {
  const dir = project.path(project.config.audiences.path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((n) => AUDIENCE_FILE_EXTENSIONS.includes(extname(n).toLowerCase())).sort();
  return Promise.all(files.map((name) => readAudienceFile(join(dir, name), project.dir)));
}

/** Reads one audience file (also used for `--file`); never throws for bad content, reports it. */
export async function readAudienceFile(path: string, projectDir: string): Promise<AudienceFile> {
  const file = relative(projectDir, path) || path;
  const stem = basename(path, extname(path));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { name: stem, file, error: new CdpError('NOT_FOUND', `cannot read ${file}: ${(error as Error).message}`, { location: { file } }) };
  }
  try {
    const content = parseAudienceFolderFile(text, file);
    if (content.kind === 'priority_list') return { name: content.list.name, file, priorityList: content.list };
    return { name: content.definition.name, file, definition: content.definition };
  } catch (error) {
    if (error instanceof CdpError) return { name: stem, file, error };
    throw error;
  }
}

/** The audience of a file given by path (`--file`, `cdp compile <file>`): its error, or a clear refusal for a priority list. */
export function audienceOfFile(file: AudienceFile): NamedAudienceDefinition {
  if (file.error) throw file.error;
  if (file.definition) return file.definition;
  throw new CdpError('AUDIENCE_INVALID', `${file.file} is a priority list, not an audience`, {
    location: { file: file.file, path: 'priority' },
    hint: `use \`cdp audience priority ${file.name}\` to count its slots`,
  });
}
