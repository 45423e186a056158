import type { Command } from 'commander';
import { seedProject, snapshotProject } from '../../models/index.js';
import { inProject, say, withDbtProject, type DbtFlags } from '../context.js';
import { saveArtifacts } from './dbt-artifacts.js';

interface SeedFlags extends DbtFlags {
  fullRefresh?: boolean;
}

export function register(program: Command): void {
  withDbtProject(
    program
      .command('seed')
      .description('load the CSV files under the seed paths as tables (dbt seed)')
      .option('-s, --select <selectors...>', "only these seeds, in dbt's syntax")
      .option('--exclude <selectors...>', 'leave these seeds out')
      .option('--full-refresh', 'accepted for dbt compatibility: seeds are always reloaded from scratch'),
  ).action(async (flags: SeedFlags) => {
    await inProject(flags, async (project) => {
      const started = performance.now();
      const results = await seedProject(project, { select: flags.select, exclude: flags.exclude, onProgress: say });
      saveArtifacts(project, { which: 'seed', seeds: results, elapsed: (performance.now() - started) / 1000 });
      say(`done: ${results.length} seed(s), ${results.reduce((n, r) => n + r.rows, 0).toLocaleString('en-US')} rows`);
    });
  });
}

export function registerSnapshot(program: Command): void {
  withDbtProject(
    program
      .command('snapshot')
      .description('run the {% snapshot %} blocks under the snapshot paths: SCD type 2 history tables (dbt snapshot)')
      .option('-s, --select <selectors...>', "only these snapshots, in dbt's syntax")
      .option('--exclude <selectors...>', 'leave these snapshots out'),
  ).action(async (flags: SeedFlags) => {
    await inProject(flags, async (project) => {
      const results = await snapshotProject(project, { select: flags.select, exclude: flags.exclude, onProgress: say });
      say(`done: ${results.length} snapshot(s)`);
    });
  });
}
