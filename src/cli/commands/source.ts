import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { sourceFreshness, type FreshnessResult } from '../../models/freshness.js';
import { inDbtProject, say, selectionOf, withDbtProject, withSelection, type DbtFlags } from '../context.js';

type SourceFlags = DbtFlags;

function describe(result: FreshnessResult): string {
  const name = `${result.table.source}.${result.table.table}`;
  if (result.status === 'runtime error') return `ERROR ${name}: ${result.error}`;
  const age = result.ageSeconds === null ? 'never loaded' : `${(result.ageSeconds / 3600).toFixed(1)}h old (max ${result.table.loadedAtField} ${result.maxLoadedAt!.toISOString()})`;
  return `${result.status.toUpperCase().padEnd(5)} freshness of ${name}: ${age}`;
}

export function register(program: Command): void {
  const source = program.command('source').description('dbt sources declared in yml');
  withDbtProject(
    withSelection(source.command('freshness').description("check the sources' freshness rules (warn_after / error_after on loaded_at_field)"), {
      select: 'only these sources (source:name or source:name.table)',
      exclude: 'leave these sources out',
    }),
  ).action(
    inDbtProject(async (project, flags: SourceFlags) => {
      const results = await sourceFreshness(project, { ...selectionOf(flags), onResult: (r) => say(describe(r)) });
      const bad = results.filter((r) => r.status === 'error' || r.status === 'runtime error');
      say(`${results.length} source(s): ${results.filter((r) => r.status === 'pass').length} pass, ${results.filter((r) => r.status === 'warn').length} warn, ${bad.length} error`);
      if (bad.length) {
        const first = bad[0]!.table;
        throw new CdpError('SOURCE_MISSING', `${bad.length} source(s) are stale or could not be checked; first: ${first.source}.${first.table}`, { location: { file: first.file, line: first.line }, hint: 'load fresh data, or relax freshness.error_after' });
      }
    }),
  );
}
