import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CdpError, formatPath } from '../../errors.js';
import { readYamlFile, type YamlFile } from './yaml-file.js';

export const DBT_PROJECT_FILE = 'dbt_project.yml';

const paths = z.union([z.string().min(1).transform((p) => [p]), z.array(z.string().min(1))]);
const hooks = z.union([z.string(), z.array(z.string())]).optional();
const tree = z.record(z.string(), z.unknown());

/**
 * dbt_project.yml as dbt-core reads it. Keys cdp reads are typed; keys that only tune dbt's own
 * tooling (docs, cleaning, logging) are accepted and have no effect; anything else is an error, so
 * a key cdp would silently ignore is never there.
 */
const dbtProjectSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a project name is letters, digits and underscores'),
    version: z.union([z.string(), z.number()]).optional(),
    'config-version': z.literal(2).optional(),
    profile: z.string().optional(),
    'model-paths': paths.optional(),
    'seed-paths': paths.optional(),
    'test-paths': paths.optional(),
    'macro-paths': paths.optional(),
    'snapshot-paths': paths.optional(),
    'analysis-paths': paths.optional(),
    'docs-paths': paths.optional(),
    'asset-paths': paths.optional(),
    'target-path': z.string().optional(),
    'log-path': z.string().optional(),
    'packages-install-path': z.string().optional(),
    'clean-targets': z.array(z.string()).optional(),
    'require-dbt-version': z.union([z.string(), z.array(z.string())]).optional(),
    'on-run-start': hooks,
    'on-run-end': hooks,
    vars: tree.optional(),
    models: tree.optional(),
    seeds: tree.optional(),
    snapshots: tree.optional(),
    sources: tree.optional(),
    tests: tree.optional(),
    data_tests: tree.optional(),
    dispatch: z.array(z.object({ macro_namespace: z.string(), search_order: z.array(z.string()) }).strict()).optional(),
    quoting: z.record(z.string(), z.boolean()).optional(),
    'query-comment': z.unknown().optional(),
    flags: z.record(z.string(), z.unknown()).optional(),
    'dbt-cloud': z.unknown().optional(),
  })
  .strict();

/** dbt's key names for what earlier versions called differently. */
const RENAMED: Record<string, string> = { 'source-paths': 'model-paths', 'data-paths': 'seed-paths' };

export interface DbtProjectFile {
  /** Absolute folder of dbt_project.yml. */
  dir: string;
  name: string;
  profile: string | undefined;
  modelPaths: string[];
  seedPaths: string[];
  testPaths: string[];
  macroPaths: string[];
  snapshotPaths: string[];
  targetPath: string;
  packagesPath: string;
  vars: Record<string, unknown>;
  models: Record<string, unknown>;
  seeds: Record<string, unknown>;
  snapshots: Record<string, unknown>;
  tests: Record<string, unknown>;
  onRunStart: string[];
  onRunEnd: string[];
  dispatch: Array<{ macro_namespace: string; search_order: string[] }>;
  yaml: YamlFile;
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value);

/** Reads dbt_project.yml of `dir`; undefined when there is none. */
export function readDbtProject(dir: string): DbtProjectFile | undefined {
  const path = join(dir, DBT_PROJECT_FILE);
  if (!existsSync(path)) return undefined;
  return parseDbtProject(readYamlFile(path, DBT_PROJECT_FILE), dir);
}

export function parseDbtProject(yaml: YamlFile, dir: string): DbtProjectFile {
  const raw = { ...(yaml.data as Record<string, unknown>) };
  for (const [old, current] of Object.entries(RENAMED)) {
    if (old in raw && !(current in raw)) raw[current] = raw[old];
    delete raw[old];
  }
  const parsed = dbtProjectSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const unknownKey = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const where = unknownKey ? [...path, unknownKey] : path;
    throw new CdpError('CONFIG_INVALID', unknownKey ? `dbt_project.yml: cdp does not support the key '${unknownKey}'` : `dbt_project.yml: ${issue.message}`, {
      location: { file: yaml.file, line: yaml.lineOf(where), path: formatPath(where) || undefined },
      hint: unknownKey ? 'remove it, or see docs/models.md "Bring your dbt project" for what cdp reads' : 'see https://docs.getdbt.com/reference/dbt_project.yml',
    });
  }
  const p = parsed.data;
  return {
    dir,
    name: p.name,
    profile: p.profile,
    modelPaths: p['model-paths'] ?? ['models'],
    seedPaths: p['seed-paths'] ?? ['seeds'],
    testPaths: p['test-paths'] ?? ['tests'],
    macroPaths: p['macro-paths'] ?? ['macros'],
    snapshotPaths: p['snapshot-paths'] ?? ['snapshots'],
    targetPath: p['target-path'] ?? 'target',
    packagesPath: p['packages-install-path'] ?? 'dbt_packages',
    vars: p.vars ?? {},
    models: p.models ?? {},
    seeds: p.seeds ?? {},
    snapshots: p.snapshots ?? {},
    tests: p.data_tests ?? p.tests ?? {},
    onRunStart: asList(p['on-run-start']),
    onRunEnd: asList(p['on-run-end']),
    dispatch: p.dispatch ?? [],
    yaml,
  };
}
