import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CdpError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import { getDialect, type RelationRef } from '../../warehouse/index.js';
import type { NodeConfig } from '../dbt/node-config.js';
import { readDbtProject } from '../../project/dbt/project-file.js';
import { defaultAliasName, defaultSchemaName } from '../dbt/schema-names.js';
import { findFiles, type ProjectFile } from '../discover.js';
import { callMacro } from '../jinja-compat.js';
import type { RenderCall } from '../render-env.js';
import { exportMacros, TemplateFailure, withGlobals } from '../template.js';
import type { WarehouseRoundTrips } from '../round-trips.js';
import { builtins } from './builtins.js';
import { crossDbMacros } from './cross-db.js';

type Macro = (...args: unknown[]) => unknown;

/** What the project's macros add: names templates see, and how node relations are named. */
export interface ProjectMacros {
  globals(call: RenderCall): Record<string, unknown>;
  /** The relation a node builds: generate_schema_name / generate_alias_name (the project's own when it defines them). */
  relationOf(name: string, settings: NodeConfig, fqn: readonly string[], resourceType?: string): RelationRef;
  /** A generic test's macro: `test_<name>` of the project, then of packages (or of the package named `pkg.name`). */
  testMacro(name: string): Macro | undefined;
  /** Names of every package (for messages). */
  packages: string[];
  /** Whether a macro asks the warehouse for columns (then builds read the catalog first). */
  usesCatalog: boolean;
}

/** One package's macros (the project's own included), by macro name. */
interface Namespace {
  name: string;
  macros: Record<string, Macro>;
}

/**
 * dbt writes generic tests as `{% test name(model, column_name) %}`: macros named `test_<name>`.
 * Rewritten in place so lines stay where they are.
 */
function asMacroText(file: ProjectFile): string {
  const unsupported = /\{%-?\s*(materialization)\b/.exec(file.text);
  if (unsupported) {
    const line = file.text.slice(0, unsupported.index).split('\n').length;
    throw new CdpError('MODEL_PARSE', 'custom materializations ({% materialization %}) are not supported', {
      location: { file: file.file, line },
      hint: 'use one of view, table, incremental, ephemeral; cdp builds those itself',
    });
  }
  return file.text.replace(/\{%(-?)\s*test\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g, '{%$1 macro test_$2(').replace(/\{%(-?)\s*endtest\s*(-?)%\}/g, '{%$1 endmacro $2%}');
}

/** The packages `dbt deps` installed: every folder with a dbt_project.yml under the packages path. */
function packageDirs(project: Project): Array<{ dir: string; name: string; macroPaths: string[]; modelPaths: string[] }> {
  const dbt = project.dbt;
  if (!dbt) return [];
  const root = project.path(dbt.packagesPath);
  const declared = ['packages.yml', 'dependencies.yml'].find((file) => existsSync(project.path(file)));
  if (!existsSync(root)) {
    if (declared) {
      throw new CdpError('CONFIG_NOT_FOUND', `${declared} declares packages, but ${dbt.packagesPath}/ does not exist`, {
        location: { file: declared, line: 1 },
        hint: 'run `dbt deps` to install them (cdp reads installed packages; it does not download them)',
      });
    }
    return [];
  }
  return findFiles(project.dir, root, ['dbt_project.yml'])
    .filter((file) => file.path === join(root, file.path.slice(root.length + 1).split('/')[0]!, 'dbt_project.yml'))
    .map((file) => {
      const dir = file.path.slice(0, -'/dbt_project.yml'.length);
      const parsed = readDbtProject(dir)!;
      return { dir, name: parsed.name, macroPaths: parsed.macroPaths, modelPaths: parsed.modelPaths };
    });
}

export function projectMacros(
  project: Project,
  vars: Readonly<Record<string, unknown>> = {},
  onLog?: (message: string) => void,
  catalog?: Map<string, Array<{ name: string; type: string }>>,
  trips?: WarehouseRoundTrips,
): ProjectMacros {
  const target = project.target;
  const dialect = getDialect(project.config.warehouse.type);
  const projectName = project.dbt?.name ?? 'cdp';
  const baseNames = (execute: boolean): Record<string, unknown> => ({
    ...builtins(dialect, { execute, onLog: trips ? (message) => trips.log(message) : onLog, trips }),
    target: { ...target, warehouse: undefined, file: undefined, profile_name: projectName, type: dialect.name },
    project_name: projectName,
    execute,
    var: (name: unknown, fallback?: unknown) => {
      if (typeof name === 'string' && Object.hasOwn(vars, name)) return vars[name];
      if (fallback !== undefined) return fallback;
      throw new TemplateFailure('MODEL_PARSE', `var('${String(name)}') is not defined`, 'define it under vars: in dbt_project.yml or pass --vars');
    },
    env_var: (name: unknown, fallback?: unknown) => {
      const value = process.env[String(name)] ?? fallback;
      if (value === undefined) throw new TemplateFailure('MODEL_PARSE', `environment variable ${String(name)} is not set`, `set ${String(name)} or give a default`);
      return value;
    },
  });

  let usesCatalog = false;
  const load = (files: ProjectFile[], names: Record<string, unknown>): Record<string, Macro> => {
    const macros: Record<string, Macro> = {};
    for (const file of files) {
      if (file.text.includes('get_columns_in_relation')) usesCatalog = true;
      for (const [name, macro] of Object.entries(exportMacros(asMacroText(file), file.file, names))) {
        if (macros[name]) throw new CdpError('MODEL_PARSE', `macro ${name} is defined twice in ${projectName === 'cdp' ? 'the project' : projectName}`, { location: { file: file.file, line: 1 }, hint: 'rename or remove one of them' });
        macros[name] = macro;
      }
    }
    return macros;
  };

  const base = baseNames(false);
  const rootFiles = (project.dbt?.macroPaths ?? ['macros']).flatMap((folder) => findFiles(project.dir, project.path(folder), ['.sql']));
  const root: Namespace = { name: projectName, macros: load(rootFiles, base) };
  const packages: Namespace[] = packageDirs(project).map((pkg) => {
    const models = pkg.modelPaths.flatMap((folder) => findFiles(project.dir, join(pkg.dir, folder), ['.sql']));
    if (models.length) {
      throw new CdpError('MODEL_PARSE', `package ${pkg.name} has models, which cdp does not build`, { location: { file: models[0]!.file, line: 1 }, hint: 'cdp loads the macros and generic tests of packages; build package models with dbt, or copy them into the project' });
    }
    const files = pkg.macroPaths.flatMap((folder) => findFiles(project.dir, join(pkg.dir, folder), ['.sql']));
    return { name: pkg.name, macros: load(files, base) };
  });
  // A package macro finds its own package's macros by their bare names, as in dbt.
  for (const pkg of packages) {
    for (const [name, macro] of Object.entries(pkg.macros)) pkg.macros[name] = (...args: unknown[]) => withGlobals(pkg.macros, () => callMacro(() => macro(...args)));
  }
  const byName = new Map<string, Namespace>([root, ...packages].map((ns) => [ns.name, ns]));

  const dispatchOrder = (namespace: string | undefined): Namespace[] => {
    const configured = project.dbt?.dispatch.find((d) => d.macro_namespace === namespace)?.search_order;
    const names = configured ?? (namespace ? [root.name, namespace] : [root.name]);
    return names.map((name) => byName.get(name)).filter((ns): ns is Namespace => ns !== undefined);
  };

  const globals = (call: RenderCall): Record<string, unknown> => {
    const crossDb = crossDbMacros(call.dialect);
    const dbtNamespace: Record<string, unknown> = { ...crossDb };
    const dispatch = (...args: unknown[]): Macro => {
      const last = args[args.length - 1];
      const kw = typeof last === 'object' && last !== null ? (last as Record<string, unknown>) : {};
      const macroName = String(args[0] ?? kw.macro_name);
      const namespace = typeof args[1] === 'string' ? args[1] : typeof kw.macro_namespace === 'string' ? kw.macro_namespace : undefined;
      for (const ns of dispatchOrder(namespace)) {
        for (const prefix of [call.dialect.name, 'default']) {
          const found = ns.macros[`${prefix}__${macroName}`];
          if (found) return found;
        }
      }
      const builtin = crossDb[macroName];
      if ((namespace === undefined || namespace === 'dbt') && builtin) return builtin;
      throw new TemplateFailure('MODEL_PARSE', `adapter.dispatch('${macroName}'${namespace ? `, '${namespace}'` : ''}): no ${call.dialect.name}__${macroName} or default__${macroName} macro`, `define default__${macroName} in the macros folder${namespace ? ` or install package ${namespace} under dbt_packages/` : ''}`);
    };
    const names: Record<string, unknown> = {
      ...baseNames(call.execute),
      ...crossDb,
      dbt: dbtNamespace,
      ...root.macros,
      [root.name]: root.macros,
    };
    for (const pkg of packages) names[pkg.name] = pkg.macros;
    const adapterNames = names.adapter as Record<string, unknown>;
    adapterNames.dispatch = dispatch;
    if (catalog) {
      adapterNames.get_columns_in_relation = (relation: unknown) => {
        const key = String(relation);
        const columns = catalog.get(key);
        if (!columns) {
          if (!call.execute) return [];
          throw new TemplateFailure('MODEL_PARSE', `adapter.get_columns_in_relation(${key}): the relation does not exist yet`, 'build or load it first (ref() it so it is built before this node)');
        }
        return columns.map((c) => ({ name: c.name, column: c.name, quoted: call.dialect.quoteIdent(c.name), data_type: c.type, dtype: c.type }));
      };
    }
    return names;
  };

  const callOverride = (macroName: string, args: unknown[], fallback: () => string, file: string): string => {
    const override = root.macros[macroName];
    if (!override) return fallback();
    const names = globals({ self: { schema: target.schema, name: '' }, execute: true, dialect });
    const value = withGlobals(names, () => callMacro(() => override(...args)));
    const text = String(value ?? '').trim();
    if (!text) throw new CdpError('MODEL_PARSE', `${macroName} returned nothing for ${file}`, { hint: `make ${macroName} return a name ({{ return(...) }} or output text)` });
    return text;
  };

  return {
    globals,
    packages: packages.map((p) => p.name),
    get usesCatalog() {
      return usesCatalog;
    },
    testMacro(name) {
      const dot = name.indexOf('.');
      if (dot > 0) return byName.get(name.slice(0, dot))?.macros[`test_${name.slice(dot + 1)}`];
      return root.macros[`test_${name}`] ?? packages.map((p) => p.macros[`test_${name}`]).find((m) => m !== undefined);
    },
    relationOf(name, settings, fqn, resourceType = 'model') {
      const node = { name, fqn, resource_type: resourceType, unique_id: `${resourceType}.${projectName}.${name}`, config: settings, package_name: projectName };
      if (settings.database && settings.database !== target.database) {
        throw new CdpError('MODEL_PARSE', `${name}: database '${settings.database}' is not supported: cdp builds every node in the target's database (${target.database})`, {
          hint: 'remove the database config, or point the profile target at that database',
        });
      }
      const schema = callOverride('generate_schema_name', [settings.schema ?? null, node], () => defaultSchemaName(settings.schema, target), name);
      const alias = callOverride('generate_alias_name', [settings.alias ?? null, node], () => defaultAliasName(settings.alias, name), name);
      return { schema, name: alias };
    },
  };
}
