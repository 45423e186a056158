import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { CdpError, formatPath } from '../errors.js';
import { configSchema, type CdpConfig, type CdpConfigInput } from './schema.js';

export const CONFIG_FILES = ['cdp.config.ts', 'cdp.config.mts', 'cdp.config.js', 'cdp.config.mjs'] as const;

/** Typed identity: gives editor completion in cdp.config.ts. A plain object export works as well. */
export function defineConfig(config: CdpConfigInput): CdpConfigInput {
  return config;
}

/** Finds and imports the project's config file, then validates it. */
export async function loadConfig(projectDir: string): Promise<{ config: CdpConfig; file: string }> {
  const dir = resolve(projectDir);
  const file = CONFIG_FILES.map((name) => join(dir, name)).find((candidate) => existsSync(candidate));
  if (!file) {
    throw new CdpError('CONFIG_NOT_FOUND', `no cdp.config.ts in ${dir}`, {
      hint: 'run `cdp init <dir>` to scaffold a project, or pass --project <dir>',
    });
  }
  let exported: unknown;
  try {
    exported = await importConfigModule(file);
  } catch (error) {
    throw new CdpError('CONFIG_INVALID', `cannot load config: ${(error as Error).message}`, {
      location: { file },
      cause: error,
      hint: 'fix the syntax error; the file must `export default { ... }`',
    });
  }
  return { config: parseConfig(exported, file), file };
}

/**
 * Imports a config file as ESM whatever the surrounding package.json says (a project folder often
 * has none), through tsx so TypeScript configs need no build step.
 */
async function importConfigModule(file: string): Promise<unknown> {
  const { tsImport } = await import('tsx/esm/api');
  // A query string defeats the module cache so a changed config is read again in long-running processes.
  const module = (await tsImport(`${pathToFileURL(file).href}?t=${Date.now()}`, import.meta.url)) as { default?: unknown };
  let exported = module.default;
  // Loaded as CommonJS (no "type": "module" nearby), the ESM default export arrives wrapped once more.
  if (isWrappedDefault(exported)) exported = exported.default;
  return exported;
}

function isWrappedDefault(value: unknown): value is { default: unknown } {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && 'default' in value;
}

/** Validates a config object; the first problem is reported with its field path and what is expected. */
export function parseConfig(value: unknown, file = 'cdp.config.ts'): CdpConfig {
  if (value === undefined) {
    throw new CdpError('CONFIG_INVALID', 'the config file has no default export', {
      location: { file },
      hint: 'add `export default { warehouse: {...}, ... }`',
    });
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw configError(parsed.error, file);
  return parsed.data;
}

function configError(error: z.ZodError, file: string): CdpError {
  const issue = error.issues[0]!;
  const path = formatPath(issue.path);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return new CdpError('CONFIG_INVALID', `invalid config: ${issue.message}${more}`, {
    location: { file, path: path || '(root)' },
    hint: 'see README "Configuration" for the expected shape',
  });
}
