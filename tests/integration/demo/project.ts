/** Throwaway demo projects for the integration tests: the repository's models/audiences and a config. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const REFERENCE_DATE = new Date('2025-06-01T00:00:00Z');

export interface TempProject {
  dir: string;
  remove(): void;
}

/**
 * A project dir holding copies of the repository's models/ and audiences/ with `config` as its
 * cdp.config.ts (default: the repository's own config, unchanged).
 */
export function tempProject(config?: string): TempProject {
  const dir = mkdtempSync(join(tmpdir(), 'cdp-demo-'));
  // ESM like the repository, so cdp.config.ts loads the same way.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  cpSync(join(ROOT, 'models'), join(dir, 'models'), { recursive: true });
  cpSync(join(ROOT, 'audiences'), join(dir, 'audiences'), { recursive: true });
  if (config === undefined) cpSync(join(ROOT, 'cdp.config.ts'), join(dir, 'cdp.config.ts'));
  else writeFileSync(join(dir, 'cdp.config.ts'), config);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
