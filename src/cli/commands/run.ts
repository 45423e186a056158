import type { Command } from 'commander';
import { runProject, type RunSummary } from '../../pipeline/index.js';
import { inProject, say, withProject } from '../context.js';

interface RunFlags {
  project?: string;
  select?: string[];
  fullRefresh?: boolean;
}

export function register(program: Command): void {
  withProject(
    program
      .command('run')
      .description('build the models (in DAG order), then the identity graph and profiles')
      .option('-s, --select <models...>', 'only these models: name, +name (with ancestors), name+ (with descendants)')
      .option('--full-refresh', 'rebuild incremental models from scratch'),
  ).action(async (flags: RunFlags) => {
    await inProject(flags, async (project) => {
      const summary = await runProject(project, { select: flags.select, fullRefresh: flags.fullRefresh, onProgress: say });
      printSummary(summary);
    });
  });
}

function printSummary(summary: RunSummary): void {
  if (summary.models.length) {
    say('');
    say(
      formatTable(
        ['relation', 'materialized', 'rows', 'seconds'],
        summary.models.map((m) => [`${m.relation.schema}.${m.relation.name}`, m.mode === 'incremental' ? 'incremental (merged)' : m.materialized, m.rows === null ? '-' : m.rows.toLocaleString('en-US'), m.seconds.toFixed(2)]),
        [false, false, true, true],
      ),
    );
  }
  if (summary.identity) {
    const { profiles, identifiers, rounds, seconds } = summary.identity;
    say(`identity: ${profiles.toLocaleString('en-US')} profiles from ${identifiers.toLocaleString('en-US')} identifiers in ${rounds} rounds, ${seconds.toFixed(2)}s`);
  }
  say(`done: ${summary.models.length} model(s) in ${summary.seconds.toFixed(2)}s`);
}

/** Columns padded to their widest cell; numbers right-aligned. */
function formatTable(header: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
