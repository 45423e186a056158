import type { Command } from 'commander';
import { seedProject, snapshotProject } from '../../models/index.js';
import { inDbtProject, say, selectionOf, stopwatch, withDbtProject, withSelection, type DbtFlags } from '../context.js';
import { saveArtifacts } from './dbt-artifacts.js';

interface SeedFlags extends DbtFlags {
  fullRefresh?: boolean;
}

export function register(program: Command): void {
  withDbtProject(
    withSelection(program.command('seed').description('load the CSV files under the seed paths as tables (dbt seed)'), {
      select: "only these seeds, in dbt's syntax",
      exclude: 'leave these seeds out',
    }).option('--full-refresh', 'accepted for dbt compatibility: seeds are always reloaded from scratch'),
  ).action(
    inDbtProject(async (project, flags: SeedFlags) => {
      const elapsed = stopwatch();
      const results = await seedProject(project, { ...selectionOf(flags), onProgress: say });
      saveArtifacts(project, { which: 'seed', seeds: results, elapsed: elapsed() });
      say(`done: ${results.length} seed(s), ${results.reduce((n, r) => n + r.rows, 0).toLocaleString('en-US')} rows`);
    }),
  );
}

export function registerSnapshot(program: Command): void {
  withDbtProject(
    withSelection(program.command('snapshot').description('run the {% snapshot %} blocks under the snapshot paths: SCD type 2 history tables (dbt snapshot)'), {
      select: "only these snapshots, in dbt's syntax",
      exclude: 'leave these snapshots out',
    }),
  ).action(
    inDbtProject(async (project, flags: SeedFlags) => {
      const results = await snapshotProject(project, { ...selectionOf(flags), onProgress: say });
      say(`done: ${results.length} snapshot(s)`);
    }),
  );
}
