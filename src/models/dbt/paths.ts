import { relative, sep } from 'node:path';
import type { Project } from '../../project/index.js';
import { findFiles, type ProjectFile } from '../discover.js';

/** A node file found under one of the project's paths, with dbt's fqn. */
export interface NodeFile extends ProjectFile {
  fqn: string[];
}

/** The project (package) name: dbt_project.yml's name, or `cdp` for a project without one. */
export function projectNameOf(project: Project): string {
  return project.dbt?.name ?? 'cdp';
}

export function modelPaths(project: Project): string[] {
  return project.dbt?.modelPaths ?? [project.config.models.path];
}

export function seedPaths(project: Project): string[] {
  return project.dbt?.seedPaths ?? ['seeds'];
}

/** Every file with one of `extensions` under the given project-relative folders, with its fqn. */
export function nodeFiles(project: Project, folders: readonly string[], extensions: readonly string[]): NodeFile[] {
  const name = projectNameOf(project);
  return folders.flatMap((folder) => {
    const root = project.path(folder);
    return findFiles(project.dir, root, extensions).map((file) => {
      const parts = relative(root, file.path).split(sep);
      const base = parts.pop()!;
      return { ...file, fqn: [name, ...parts, base.replace(/\.[^.]+$/, '')] };
    });
  });
}
