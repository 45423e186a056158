import type { Command } from 'commander';
import { runProjectHooks, runSchemaTests, seedProject, snapshotProject, type ModelBuildResult, type SchemaTestResult, type SeedResult } from '../../models/index.js';
import { saveArtifacts } from './dbt-artifacts.js';
import { runProject } from '../../pipeline/index.js';
import { inDbtProject, say, selectionOf, stopwatch, withDbtProject, withSelection, type DbtFlags } from '../context.js';
import { describe, reportTests } from './test.js';

interface BuildFlags extends DbtFlags {
  fullRefresh?: boolean;
}

export function register(program: Command): void {
  withDbtProject(
    withSelection(program.command('build').description('dbt build: load the seeds, run the snapshots, build the models (then identity, when configured), run the tests'), {
      select: "only these nodes, in dbt's syntax",
      exclude: 'leave these out',
    }).option('--full-refresh', 'rebuild incremental models from scratch'),
  ).action(
    inDbtProject(async (project, flags: BuildFlags) => {
      const selection = selectionOf(flags);
      const elapsed = stopwatch();
      const models: ModelBuildResult[] = [];
      let seeds: SeedResult[] = [];
      let tests: SchemaTestResult[] = [];
      try {
        await runProjectHooks(project, 'on-run-start', say);
        seeds = await seedProject(project, { ...selection, onProgress: say });
        await snapshotProject(project, { ...selection, onProgress: say });
        const summary = await runProject(project, { ...selection, fullRefresh: flags.fullRefresh, onProgress: say, onModelResult: (r) => models.push(r) });
        say(`models: ${summary.models.length} built in ${summary.seconds.toFixed(2)}s`);
        tests = await runSchemaTests(project, { ...selection, onResult: (result) => say(describe(result)) });
        await runProjectHooks(project, 'on-run-end', say);
      } finally {
        saveArtifacts(project, { which: 'build', seeds, models, tests, elapsed: elapsed() });
      }
      reportTests(tests);
    }),
  );
}
