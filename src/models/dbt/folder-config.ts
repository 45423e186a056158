import { CdpError } from '../../errors.js';
import { checkConfig, configKeyOf, mergeConfig, type NodeConfig } from './node-config.js';
import type { YamlFile } from '../../project/dbt/yaml-file.js';

/**
 * Configs by folder from dbt_project.yml's `models:` / `seeds:` / `snapshots:` / `tests:` trees.
 * A node's fqn is [package, ...folders, name]; every level of the tree on that path contributes its
 * configs (`+key`, or a bare key that is a config name), deeper levels overriding (tags and hooks add up).
 */
export class FolderConfigs {
  constructor(
    private readonly tree: Record<string, unknown>,
    private readonly yaml: YamlFile | undefined,
    private readonly section: string,
  ) {}

  configFor(fqn: readonly string[]): NodeConfig {
    let config: NodeConfig = {};
    let level: unknown = this.tree;
    const path: string[] = [this.section];
    config = mergeConfig(config, this.configsAt(level, path));
    for (const part of fqn) {
      if (!isObject(level) || !isObject(level[part]) || configKeyOf(part)) break;
      level = level[part];
      path.push(part);
      config = mergeConfig(config, this.configsAt(level, path));
    }
    return config;
  }

  /** Checks every config in the tree once, so a typo anywhere is reported even when no node uses it. */
  validate(): void {
    const visit = (level: unknown, path: string[]) => {
      if (!isObject(level)) return;
      this.configsAt(level, path);
      for (const [key, value] of Object.entries(level)) if (!key.startsWith('+') && !configKeyOf(key) && isObject(value)) visit(value, [...path, key]);
    };
    visit(this.tree, [this.section]);
  }

  private configsAt(level: unknown, path: string[]): NodeConfig {
    if (!isObject(level)) return {};
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(level)) {
      const isConfig = key.startsWith('+') || (configKeyOf(key) !== undefined && !isObject(value)) || (configKeyOf(key) !== undefined && ['meta', 'docs', 'persist_docs', 'column_types'].includes(configKeyOf(key)!));
      if (!isConfig) {
        if (isObject(value) || value === null) continue;
        throw this.error([...path, key], `'${key}' is neither a folder (a mapping) nor a config dbt knows`, 'configs are written +key: value, e.g. +materialized: table');
      }
      const checked = checkConfig(key, value);
      if (!checked.ok) throw this.error([...path, key], checked.message, checked.hint);
      out[checked.key] = checked.value;
    }
    return out as NodeConfig;
  }

  private error(path: string[], message: string, hint: string): CdpError {
    return new CdpError('CONFIG_INVALID', `dbt_project.yml ${path.join('.')}: ${message}`, {
      location: { file: this.yaml?.file ?? 'dbt_project.yml', line: this.yaml?.lineOf(path) },
      hint,
    });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
