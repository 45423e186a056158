import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';

/** A file found under the models folder. */
export interface ProjectFile {
  /** Absolute path. */
  path: string;
  /** Relative to the project directory, with `/` separators (what messages show). */
  file: string;
  text: string;
}

/** Every file under `dir` (recursively, skipping dot-folders) whose name ends with one of `extensions`, sorted by path. */
export function findFiles(projectDir: string, dir: string, extensions: readonly string[]): ProjectFile[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) found.push(full);
    }
  };
  walk(dir);
  return found.sort().map((path) => ({ path, file: relative(projectDir, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }));
}

/** The model name a `.sql` file defines: its basename. */
export function modelNameOf(path: string): string {
  return basename(path, '.sql');
}
