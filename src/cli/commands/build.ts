import type { Command } from 'commander';
import { BuildTests, runProjectHooks, runSchemaTests, seedProject, snapshotProject, type ModelBuildResult, type SchemaTestResult, type SeedResult } from '../../models/index.js';
import { saveArtifacts } from './dbt-artifacts.js';
import { runProject } from '../../pipeline/index.js';
import { inDbtProject, say, selectionOf, stopwatch, withDbtProject, withSelection, type DbtFlags } from '../context.js';
import { describe, reportTests } from './test.js';

interface BuildFlags extends DbtFlags {
  fullRefresh?: boolean;
}

export function register(program: Command): void {
  withDbtProject(
    withSelection(program.command('build').description('dbt build: load the seeds, run the snapshots, build the models with their tests (unit tests before a model, data tests right after it; a failure skips what depends on it), then identity when configured'), {
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
      let buildTests: BuildTests | undefined;
      let modelFailure: unknown;
      try {
        await runProjectHooks(project, 'on-run-start', say);
        seeds = await seedProject(project, { ...selection, onProgress: say });
        await snapshotProject(project, { ...selection, onProgress: say });
        const onResult = (result: SchemaTestResult) => say(describe(result));
        try {
          const summary = await runProject(project, {
            ...selection,
            fullRefresh: flags.fullRefresh,
            onProgress: say,
            onModelResult: (r) => models.push(r),
            tests: async (graph, building) => (buildTests = await BuildTests.prepare(project, graph, building, selection, onResult)),
          });
          say(`models: ${summary.models.length} built in ${summary.seconds.toFixed(2)}s`);
        } catch (error) {
          // A model failed: its descendants were skipped, the rest built and tested; report the tests, then the failure.
          if (!buildTests) throw error;
          modelFailure = error;
        }
        // No model was selected (e.g. --select test_type:singular): the tests run on their own.
        tests = buildTests ? buildTests.results : await runSchemaTests(project, { ...selection, onResult });
        if (!modelFailure) await runProjectHooks(project, 'on-run-end', say);
      } finally {
        saveArtifacts(project, { which: 'build', seeds, models, tests, elapsed: elapsed() });
      }
      if (modelFailure) {
        reportTests(tests, false);
        throw modelFailure;
      }
      reportTests(tests);
    }),
  );
}
