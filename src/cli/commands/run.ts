import type { Command } from 'commander';
import { runProject, type RunSummary } from '../../pipeline/index.js';
import { inDbtProject, say, selectionOf, stopwatch, withDbtProject, withSelection, type DbtFlags } from '../context.js';
import { runProjectHooks, type ModelBuildResult } from '../../models/index.js';
import { saveArtifacts } from './dbt-artifacts.js';
import { formatCount, formatTable, rightAligned } from '../table.js';

interface RunFlags extends DbtFlags {
  fullRefresh?: boolean;
  /** Commander sets false for `--no-snapshots`. */
  snapshots?: boolean;
}

export function register(program: Command): void {
  withDbtProject(
    withSelection(program.command('run').description('build the models (in DAG order), then the identity graph and profiles, then snapshot every audience'), {
      select: "only these models, in dbt's syntax: name, +name, name+, tag:x, path:models/x, config.materialized:table, @name, *",
      exclude: 'leave these models out (same syntax)',
    })
      .option('--full-refresh', 'rebuild incremental models from scratch')
      .option('--no-snapshots', 'do not snapshot audience membership after the profiles are built'),
  ).action(
    inDbtProject(async (project, flags: RunFlags) => {
      const elapsed = stopwatch();
      const models: ModelBuildResult[] = [];
      try {
        await runProjectHooks(project, 'on-run-start', say);
        const summary = await runProject(project, { ...selectionOf(flags), fullRefresh: flags.fullRefresh, snapshots: flags.snapshots, onProgress: say, onModelResult: (r) => models.push(r) });
        await runProjectHooks(project, 'on-run-end', say);
        printSummary(summary);
      } finally {
        saveArtifacts(project, { which: 'run', models, elapsed: elapsed() });
      }
    }),
  );
}

function printSummary(summary: RunSummary): void {
  if (summary.models.length) {
    say('');
    say(
      formatTable(
        ['relation', 'materialized', 'rows', 'seconds'],
        summary.models.map((m) => [`${m.relation.schema}.${m.relation.name}`, m.mode === 'incremental' ? 'incremental (merged)' : m.materialized, m.rows === null ? '-' : m.rows.toLocaleString('en-US'), m.seconds.toFixed(2)]),
        rightAligned([false, false, true, true]),
      ),
    );
  }
  if (summary.identity) {
    const { profiles, identifiers, rounds, seconds } = summary.identity;
    say(`identity: ${profiles.toLocaleString('en-US')} profiles from ${identifiers.toLocaleString('en-US')} identifiers in ${rounds} rounds, ${seconds.toFixed(2)}s`);
  }
  const predictions = predictionLine(summary);
  if (predictions) say(predictions);
  const audiences = audienceLine(summary);
  if (audiences) say(audiences);
  if (summary.steps.length > 1) say(`time: ${summary.steps.map((s) => `${s.step} ${s.seconds.toFixed(1)}s`).join(', ')}`);
  say(`done: ${summary.models.length} model(s) in ${summary.seconds.toFixed(2)}s`);
}

/** One line: `predictions: 3 scored (buy_30d, churn_90d, ltv_90d), 1 trained (buy_30d); failed: x (reason)`. */
export function predictionLine(summary: Pick<RunSummary, 'predictions' | 'predictionsError'>): string | undefined {
  if (summary.predictionsError) return `predictions: skipped (${summary.predictionsError})`;
  const run = summary.predictions;
  if (!run) return undefined;
  const parts = [`${run.scored.length} scored (${run.scored.map((s) => s.name).join(', ') || 'none'})`];
  if (run.trained.length) parts.push(`${run.trained.length} trained (${run.trained.join(', ')})`);
  let line = `predictions: ${parts.join(', ')}`;
  if (run.failed.length) line += `; failed: ${run.failed.map((x) => `${x.name} (${x.error})`).join('; ')}`;
  return line;
}

/** Most audiences named on the summary line; the rest are counted. */
const AUDIENCES_SHOWN = 12;

/**
 * One line: `audiences: 3 snapshotted in 0.05s (+4 entered, -2 left): us 2 (+1 -2), vip 3 (+3), buyers 7;
 * not snapshotted: broken`. Audiences that changed come first.
 */
export function audienceLine(summary: Pick<RunSummary, 'audiences' | 'audiencesError'>): string | undefined {
  if (summary.audiencesError) return `audiences: not snapshotted (${summary.audiencesError})`;
  const run = summary.audiences;
  if (!run) return undefined;
  const n = formatCount;
  const entered = run.snapshots.reduce((t, s) => t + s.entered, 0);
  const left = run.snapshots.reduce((t, s) => t + s.left, 0);
  const changed = (s: { entered: number; left: number }) => s.entered + s.left > 0;
  const ordered = [...run.snapshots.filter(changed), ...run.snapshots.filter((s) => !changed(s))];
  const shown = ordered.slice(0, AUDIENCES_SHOWN).map((s) => {
    const delta = [s.entered ? `+${n(s.entered)}` : '', s.left ? `-${n(s.left)}` : ''].filter(Boolean).join(' ');
    return `${s.audience} ${n(s.size)}${delta ? ` (${delta})` : ''}`;
  });
  if (ordered.length > AUDIENCES_SHOWN) shown.push(`${ordered.length - AUDIENCES_SHOWN} more`);
  let line = `audiences: ${run.snapshots.length} snapshotted in ${(run.milliseconds / 1000).toFixed(2)}s (+${n(entered)} entered, -${n(left)} left)`;
  if (shown.length) line += `: ${shown.join(', ')}`;
  if (run.failed.length) line += `; not snapshotted: ${run.failed.map((f) => f.audience).join(', ')}`;
  return line;
}

