import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { CdpConfigInput } from '../../config/index.js';
import { CdpError } from '../../errors.js';
import { readYamlFile, type YamlFile } from './yaml-file.js';

/** Which profiles.yml and target to use: `--profiles-dir` / `--target` from the command line. */
export interface ProfileOptions {
  profilesDir?: string;
  target?: string;
}

/** A profile target mapped onto cdp: the warehouse and dbt's `target` variables. */
export interface DbtTarget {
  /** target.name */
  name: string;
  /** target.type: duckdb, postgres, bigquery, snowflake. */
  type: string;
  /** target.schema: where models without a custom schema are built. */
  schema: string;
  /** target.database (the DuckDB catalog, the Postgres database, the BigQuery project...). */
  database: string;
  threads: number;
  /** The warehouse part of cdp.config; undefined for the default embedded DuckDB. */
  warehouse: CdpConfigInput['warehouse'];
  /** Where the profile was read from, or null when there is none (embedded DuckDB, schema `main`). */
  file: string | null;
}

/** dbt's search order: --profiles-dir, DBT_PROFILES_DIR, the project folder, ~/.dbt. */
export function findProfilesFile(projectDir: string, options: ProfileOptions): string | undefined {
  const explicit = options.profilesDir ?? process.env.DBT_PROFILES_DIR;
  if (explicit) {
    const file = join(resolve(projectDir, explicit), 'profiles.yml');
    if (!existsSync(file)) {
      throw new CdpError('CONFIG_NOT_FOUND', `no profiles.yml in ${resolve(projectDir, explicit)}`, { hint: `${options.profilesDir ? '--profiles-dir' : 'DBT_PROFILES_DIR'} names the folder holding profiles.yml` });
    }
    return file;
  }
  return [join(projectDir, 'profiles.yml'), join(homedir(), '.dbt', 'profiles.yml')].find((file) => existsSync(file));
}

/** The embedded DuckDB a dbt project gets with no profile, like dbt-duckdb's default (schema main). */
export function defaultTarget(target = 'dev'): DbtTarget {
  return { name: target, type: 'duckdb', schema: 'main', database: 'warehouse', threads: 1, warehouse: undefined, file: null };
}

const profileSchema = z.looseObject({ target: z.string().optional(), outputs: z.record(z.string(), z.record(z.string(), z.unknown())) });

/**
 * The target of `profileName` in profiles.yml. String values are rendered like dbt renders them
 * (`{{ env_var('NAME') }}`, with a default as the second argument).
 */
export function resolveTarget(projectDir: string, profileName: string | undefined, options: ProfileOptions = {}): DbtTarget {
  const path = findProfilesFile(projectDir, options);
  if (!path) {
    if (options.target && options.target !== 'dev') {
      throw new CdpError('CONFIG_NOT_FOUND', `--target ${options.target}: there is no profiles.yml`, { hint: 'put profiles.yml in the project folder, ~/.dbt/ or DBT_PROFILES_DIR' });
    }
    return defaultTarget();
  }
  const shown = isAbsolute(path) && !relative(projectDir, path).startsWith('..') ? relative(projectDir, path) : path;
  const yaml = readYamlFile(path, shown);
  const profiles = yaml.data as Record<string, unknown>;
  const name = profileName ?? Object.keys(profiles).find((key) => key !== 'config');
  if (!name || !(name in profiles)) {
    throw new CdpError('CONFIG_NOT_FOUND', `profiles.yml has no profile named ${name ?? '(none)'}`, {
      location: { file: shown, line: 1 },
      hint: `dbt_project.yml's profile: names one of ${Object.keys(profiles).join(', ') || '(no profiles)'}`,
    });
  }
  const parsed = profileSchema.safeParse(profiles[name]);
  if (!parsed.success) {
    throw new CdpError('CONFIG_INVALID', `profile ${name}: ${parsed.error.issues[0]!.message}`, { location: { file: shown, line: yaml.lineOf([name]) }, hint: 'a profile has target: and outputs:' });
  }
  const targetName = options.target ?? parsed.data.target ?? 'dev';
  const output = parsed.data.outputs[targetName];
  if (!output) {
    throw new CdpError('CONFIG_NOT_FOUND', `profile ${name} has no target ${targetName}`, {
      location: { file: shown, line: yaml.lineOf([name, 'outputs']) },
      hint: `targets: ${Object.keys(parsed.data.outputs).join(', ')}`,
    });
  }
  const rendered = Object.fromEntries(Object.entries(output).map(([key, value]) => [key, renderValue(value, yaml, [name, 'outputs', targetName, key])]));
  return mapOutput(targetName, rendered, yaml, [name, 'outputs', targetName], projectDir);
}

/** A rendered profile value, or `{ env }` when the whole value is one env_var() (secrets stay references). */
type Value = string | number | boolean | { env: string } | null | undefined;

const ENV_ONLY = /^\s*\{\{\s*env_var\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)\s*(\|\s*(as_number|int)\s*)?\}\}\s*$/;
const ENV_ANY = /\{\{\s*env_var\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]*)['"]\s*)?\)\s*(?:\|\s*(?:as_number|int)\s*)?\}\}/g;

function renderValue(value: unknown, yaml: YamlFile, path: Array<string | number>): Value {
  if (typeof value !== 'string') return value as Value;
  const only = ENV_ONLY.exec(value);
  if (only && only[2] === undefined && process.env[only[1]!] !== undefined && !only[3]) return { env: only[1]! };
  const text = value.replace(ENV_ANY, (_all, variable: string, fallback: string | undefined) => {
    const found = process.env[variable] ?? fallback;
    if (found === undefined) {
      throw new CdpError('CONFIG_INVALID', `profiles.yml: environment variable ${variable} is not set`, { location: { file: yaml.file, line: yaml.lineOf(path) }, hint: `export ${variable}=... or give a default: env_var('${variable}', 'default')` });
    }
    return found;
  });
  if (text.includes('{{') || text.includes('{%')) {
    throw new CdpError('CONFIG_INVALID', 'profiles.yml: only {{ env_var(...) }} is supported in profile values', { location: { file: yaml.file, line: yaml.lineOf(path) }, hint: 'write the value, or {{ env_var("NAME", "default") }}' });
  }
  return only?.[3] ? Number(text) : text;
}

const text = (value: Value): string | undefined => (value === undefined || value === null ? undefined : typeof value === 'object' ? process.env[value.env] : String(value));

function mapOutput(name: string, out: Record<string, Value>, yaml: YamlFile, path: string[], projectDir: string): DbtTarget {
  const type = text(out.type);
  const threads = Number(text(out.threads) ?? 1);
  const fail = (key: string, message: string, hint: string): never => {
    throw new CdpError('CONFIG_INVALID', `profiles.yml target ${name}: ${message}`, { location: { file: yaml.file, line: yaml.lineOf([...path, key]) }, hint });
  };
  const base = { name, threads, file: yaml.file };
  switch (type) {
    case 'duckdb': {
      const file = text(out.path) ?? ':memory:';
      const database = file === ':memory:' ? 'memory' : (file.split('/').pop() ?? file).replace(/\.[^.]*$/, '');
      return { ...base, type, schema: text(out.schema) ?? 'main', database, warehouse: { type: 'duckdb', path: file === ':memory:' || isAbsolute(file) ? file : resolve(projectDir, file) } };
    }
    case 'postgres':
    case 'redshift': {
      if (type === 'redshift') fail('type', 'redshift is not a cdp warehouse', 'use duckdb, postgres, bigquery or snowflake');
      const database = text(out.dbname) ?? text(out.database) ?? fail('dbname', 'dbname is required', 'add dbname: <database>');
      const user = text(out.user) ?? '';
      const password = text(out.pass) ?? text(out.password);
      const auth = user ? `${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@` : '';
      const url = `postgres://${auth}${text(out.host) ?? '127.0.0.1'}:${text(out.port) ?? 5432}/${encodeURIComponent(database)}`;
      return { ...base, type, schema: text(out.schema) ?? fail('schema', 'schema is required', 'add schema: <schema>'), database, warehouse: { type: 'postgres', connection: url, poolSize: Math.max(1, threads) } };
    }
    case 'bigquery': {
      const project = text(out.project) ?? text(out.database) ?? fail('project', 'project is required', 'add project: <gcp project id>');
      const dataset = text(out.dataset) ?? text(out.schema) ?? fail('dataset', 'dataset is required', 'add dataset: <dataset>');
      const method = text(out.method) ?? 'oauth';
      if (!['oauth', 'service-account'].includes(method)) fail('method', `method ${method} is not supported`, 'use oauth (Application Default Credentials) or service-account with keyfile');
      return {
        ...base,
        type,
        schema: dataset,
        database: project,
        warehouse: { type: 'bigquery', projectId: project, location: text(out.location), keyFilename: method === 'service-account' ? text(out.keyfile) : undefined, timeoutSeconds: out.job_execution_timeout_seconds ? Number(text(out.job_execution_timeout_seconds)) : undefined },
      };
    }
    case 'snowflake': {
      const secret = (key: string) => {
        const value = out[key];
        if (value === undefined || value === null) return undefined;
        if (typeof value === 'object') return value;
        return fail(key, `${key} must come from an environment variable`, `write ${key}: "{{ env_var('SNOWFLAKE_${key.toUpperCase()}') }}" (secrets are never literals)`);
      };
      const need = (key: string) => text(out[key]) ?? fail(key, `${key} is required`, `add ${key}: ...`);
      return {
        ...base,
        type,
        schema: need('schema'),
        database: need('database'),
        warehouse: { type: 'snowflake', account: need('account'), username: need('user'), password: secret('password'), privateKeyPath: text(out.private_key_path), privateKeyPassphrase: secret('private_key_passphrase'), role: text(out.role), warehouse: need('warehouse'), database: need('database') },
      };
    }
    default:
      return fail('type', `type ${String(type)} is not a cdp warehouse`, 'use duckdb, postgres, bigquery or snowflake');
  }
}
