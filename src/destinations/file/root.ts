import { mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CdpError } from '../../errors.js';

/**
 * Where a file destination writes. A destination in git (reviewed code) writes where its `path`
 * says, relative to the project. One created over the API has a root (config `files.root`,
 * default `<project>/.cdp/files`): its `path` is relative to the root and every directory it
 * writes to must be inside the root once symlinks are resolved (realpath) — an absolute path,
 * `../` or a symlink pointing out is refused with a 4xx naming the root, before anything is
 * created outside it.
 */
export interface FileTarget {
  projectDir: string;
  fileRoot?: string;
}

const inside = (dir: string, root: string): boolean => {
  const rel = relative(root, dir);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
};

export function outsideRoot(path: string, root: string): CdpError {
  return new CdpError('INVALID_INPUT', `file path "${path}" is outside the files root ${root}`, {
    location: { path: 'config.path' },
    hint: `use a relative path without "..": files of destinations created over the API are written under ${root} (config files.root)`,
  });
}

/** The path as written, checked lexically (for saving a destination; the symlink check is at write time). */
export function checkRelativePath(path: string, root: string): void {
  if (isAbsolute(path) || !inside(resolve(root, path), root)) throw outsideRoot(path, root);
}

/** The deepest directory of `dir` (or `dir` itself) that exists, with symlinks resolved. */
async function realAncestor(dir: string): Promise<string> {
  for (let current = dir; ; current = dirname(current)) {
    try {
      return await realpath(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) throw error;
    }
  }
}

/** The directory `path`/`...more` would be, checked like `ensureDirectory` but nothing created. */
export async function locateDirectory(target: FileTarget, path: string, ...more: string[]): Promise<string> {
  if (!target.fileRoot) return resolve(isAbsolute(path) ? path : resolve(target.projectDir, path), ...more);
  const root = target.fileRoot;
  checkRelativePath(path, root);
  const realRoot = await realAncestor(root);
  const dir = resolve(realRoot, path, ...more);
  if (!inside(dir, realRoot) || !inside(await realAncestor(dir), realRoot)) throw outsideRoot(path, root);
  return dir;
}

/**
 * Creates `path`/`...more` (joined) and returns it, refusing to create or use anything outside
 * the root: checked on the existing part before creating the rest, and on the result after.
 */
export async function ensureDirectory(target: FileTarget, path: string, ...more: string[]): Promise<string> {
  if (!target.fileRoot) {
    const dir = resolve(isAbsolute(path) ? path : resolve(target.projectDir, path), ...more);
    await mkdir(dir, { recursive: true });
    return dir;
  }
  const root = target.fileRoot;
  checkRelativePath(path, root);
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const dir = resolve(realRoot, path, ...more);
  if (!inside(dir, realRoot) || !inside(await realAncestor(dir), realRoot)) throw outsideRoot(path, root);
  await mkdir(dir, { recursive: true });
  if (!inside(await realpath(dir), realRoot)) throw outsideRoot(path, root);
  return dir;
}
