import { readFileSync } from 'node:fs';
import { CdpError, isCdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { loadModels } from './load.js';
import { loadSeed, type SeedResult } from './seeds.js';
import { runSnapshot, type SnapshotResult } from './snapshots.js';

export interface SeedOptions {
  select?: string[];
  exclude?: string[];
  onProgress?: (line: string) => void;
}

/**
 * `cdp seed`: loads the selected seeds, each replacing its table (so a changed header is picked
 * up, as with dbt's --full-refresh). Stops at the first seed that fails, naming its file.
 */
export async function seedProject(project: Project, options: SeedOptions = {}): Promise<SeedResult[]> {
  const say = options.onProgress ?? (() => undefined);
  const graph = loadModels(project);
  const { seeds } = graph.selectNodes(options.select ?? [], options.exclude ?? []);
  if (seeds.length === 0) {
    say('no seeds selected');
    return [];
  }
  const warehouse = await project.warehouse();
  const results: SeedResult[] = [];
  for (const [index, seed] of seeds.entries()) {
    const step = `${index + 1} of ${seeds.length}`;
    say(`${step} START seed file ${seed.relation.schema}.${seed.relation.name}`);
    try {
      const result = await loadSeed(warehouse, seed, readFileSync(seed.path, 'utf8'));
      results.push(result);
      say(`${step} OK loaded seed file ${seed.relation.schema}.${seed.relation.name} ${result.rows.toLocaleString('en-US')} rows in ${result.seconds.toFixed(2)}s`);
    } catch (error) {
      const failure = isCdpError(error) ? error : new CdpError('MODEL_SQL', `seed ${seed.name} failed: ${String(error)}`, { location: { file: seed.file, line: 1 }, cause: error });
      say(`${step} ERROR seed ${seed.name}: ${failure.oneLine()}`);
      throw failure;
    }
  }
  return results;
}

/** `cdp snapshot`: runs the selected snapshots, stopping at the first failure. */
export async function snapshotProject(project: Project, options: SeedOptions = {}): Promise<SnapshotResult[]> {
  const say = options.onProgress ?? (() => undefined);
  const graph = loadModels(project);
  const { snapshots } = graph.selectNodes(options.select ?? [], options.exclude ?? []);
  if (snapshots.length === 0) return [];
  const warehouse = await project.warehouse();
  const now = new Date();
  const results: SnapshotResult[] = [];
  for (const [index, snapshot] of snapshots.entries()) {
    const step = `${index + 1} of ${snapshots.length}`;
    say(`${step} START snapshot ${snapshot.relation.schema}.${snapshot.relation.name}`);
    const result = await runSnapshot(warehouse, graph, snapshot, now);
    results.push(result);
    say(`${step} OK snapshotted ${snapshot.relation.schema}.${snapshot.relation.name} (${result.mode}) ${result.rows.toLocaleString('en-US')} rows in ${result.seconds.toFixed(2)}s`);
  }
  return results;
}
