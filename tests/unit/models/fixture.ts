import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseConfig, type CdpConfigInput } from '../../../src/config/index.js';
import { Project } from '../../../src/project/index.js';

/** A throwaway project directory with the given files (paths relative to it). */
export function tempProject(files: Record<string, string>, config: CdpConfigInput = { warehouse: { type: 'duckdb', path: ':memory:' } }): Project {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-models-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return new Project(dir, join(dir, 'cdp.config.ts'), parseConfig(config));
}

export function removeProject(project: Project): void {
  rmSync(project.dir, { recursive: true, force: true });
}

/** Runs `work` and returns the error it throws (failing the test if it does not throw). */
export async function errorOf(work: () => unknown): Promise<Error & { code?: string; location?: { file?: string; line?: number; path?: string }; hint?: string }> {
  try {
    await work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, but none was thrown');
}
