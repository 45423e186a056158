import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILES, loadConfig, parseConfig, type CdpConfig } from '../config/index.js';
import { readDbtProject, type DbtProjectFile } from './dbt/project-file.js';
import { resolveTarget, type DbtTarget, type ProfileOptions } from './dbt/profiles.js';
import { relationFromManifest } from './dbt-manifest.js';
import { openWarehouse, type RelationRef, type Warehouse } from '../warehouse/index.js';
import type { StateStore } from '../state/index.js';
import { redactPiiKeys } from '../logger.js';

/**
 * A project directory (cdp.config.ts, models/, syncs/, audiences/) with its warehouse and state
 * store opened lazily, once, and closed together.
 */
export class Project {
  private warehousePromise: Promise<Warehouse> | undefined;
  private statePromise: Promise<StateStore> | undefined;

  constructor(
    readonly dir: string,
    readonly configFile: string,
    readonly config: CdpConfig,
    /** dbt_project.yml, when the folder is a dbt project. */
    readonly dbt?: DbtProjectFile,
    private readonly dbtTarget?: DbtTarget,
    /** `--vars` of the command line: override dbt_project.yml's vars. */
    readonly cliVars: Readonly<Record<string, unknown>> = {},
  ) {
    // From now on the configured PII names are redacted from every log line of the process.
    redactPiiKeys(config.privacy?.pii ?? []);
  }

  /**
   * A folder with cdp.config.ts, dbt_project.yml, or both. A dbt project's warehouse is its
   * profiles.yml target (or the embedded DuckDB with schema `main`); cdp.config.ts, when present,
   * overrides the warehouse.
   */
  static async load(dir: string, profile: ProfileOptions & { vars?: Record<string, unknown> } = {}): Promise<Project> {
    const abs = resolve(dir);
    const dbt = readDbtProject(abs);
    const hasConfig = CONFIG_FILES.some((name) => existsSync(join(abs, name)));
    if (!dbt || hasConfig) {
      const { config, file } = await loadConfig(abs);
      if (!dbt) return new Project(abs, file, config, undefined, undefined, profile.vars);
      const target = resolveTarget(abs, dbt.profile, profile);
      const schema = config.models.schema ?? target.schema;
      return new Project(abs, file, config, dbt, { ...target, type: config.warehouse.type, schema }, profile.vars);
    }
    const target = resolveTarget(abs, dbt.profile, profile);
    const warehouse = target.warehouse ?? { type: 'duckdb' as const, path: '.cdp/warehouse.duckdb' };
    const config = parseConfig({ warehouse, models: { path: dbt.modelPaths[0]!, schema: target.schema } }, target.file ?? 'dbt_project.yml');
    return new Project(abs, join(abs, 'dbt_project.yml'), config, dbt, target, profile.vars);
  }

  /** dbt's `target`: the profile target, or for a cdp project the model schema on its warehouse. */
  get target(): DbtTarget {
    return this.dbtTarget ?? { name: 'default', type: this.config.warehouse.type, schema: this.modelSchema, database: 'warehouse', threads: 1, warehouse: undefined, file: null };
  }

  /** Where generated tables (identity graph, profiles, sync state) live. */
  get schema(): string {
    return this.config.schema;
  }

  /** Where models are built. */
  get modelSchema(): string {
    return this.config.models.schema ?? this.config.schema;
  }

  /**
   * The warehouse relation a config entry names: `schema.table` as written, or a bare model name
   * in the model schema.
   */
  relation(nameOrQualified: string): RelationRef {
    // `ref:<model>`: a dbt model, where the dbt manifest says it was built.
    if (nameOrQualified.startsWith('ref:')) return relationFromManifest(this.manifestPath, nameOrQualified.slice(4).trim());
    const dot = nameOrQualified.indexOf('.');
    if (dot > 0) return { schema: nameOrQualified.slice(0, dot), name: nameOrQualified.slice(dot + 1) };
    return { schema: this.modelSchema, name: nameOrQualified };
  }

  /** The dbt manifest `ref:` names resolve through: models.manifest, else this project's target/manifest.json. */
  get manifestPath(): string {
    return this.path(this.config.models.manifest ?? join(this.dbt?.targetPath ?? 'target', 'manifest.json'));
  }

  path(...parts: string[]): string {
    return resolve(this.dir, ...parts);
  }

  warehouse(): Promise<Warehouse> {
    this.warehousePromise ??= openWarehouse(this.config.warehouse, this.dir);
    return this.warehousePromise;
  }

  state(): Promise<StateStore> {
    this.statePromise ??= import('../state/index.js').then(({ openStateStore }) => openStateStore(this.config.state, this.dir));
    return this.statePromise;
  }

  async close(): Promise<void> {
    const [warehouse, state] = [this.warehousePromise, this.statePromise];
    this.warehousePromise = undefined;
    this.statePromise = undefined;
    await Promise.all([warehouse?.then((w) => w.close()), state?.then((s) => s.close())]);
  }
}
