import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { parseAudienceFile } from './parse.js';
import type { NamedAudienceDefinition } from './schema.js';

export const AUDIENCE_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** One file of the project's audiences folder: its definition, or why it could not be read. */
export interface AudienceFile {
  name: string;
  /** Relative to the project directory. */
  file: string;
  definition?: NamedAudienceDefinition;
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
    const definition = parseAudienceFile(text, file);
    return { name: definition.name, file, definition };
  } catch (error) {
    if (error instanceof CdpError) return { name: stem, file, error };
    throw error;
  }
}
