import { resolve } from 'node:path';
import { loadConfig, type CdpConfig } from '../config/index.js';
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
  ) {
    // From now on the configured PII names are redacted from every log line of the process.
    redactPiiKeys(config.privacy?.pii ?? []);
  }

  static async load(dir: string): Promise<Project> {
    const abs = resolve(dir);
    const { config, file } = await loadConfig(abs);
    return new Project(abs, file, config);
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
    const dot = nameOrQualified.indexOf('.');
    if (dot > 0) return { schema: nameOrQualified.slice(0, dot), name: nameOrQualified.slice(dot + 1) };
    return { schema: this.modelSchema, name: nameOrQualified };
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
