import type { Command } from 'commander';
import { explainIdentifier, identityStats, type ExplainLink, type IdentityExplanation, type IdentityStats } from '../../identity/index.js';
import { inProject, say, withProject } from '../context.js';
import { formatCount, rightAligned, tableLines } from '../table.js';

interface Flags {
  project?: string;
}

export function register(program: Command): void {
  const identity = program.command('identity').description('inspect the identity graph built by `cdp run`');
  withProject(identity.command('stats').description('profiles, identifiers per type, merges, largest profiles, values dropped by each guard')).action(
    async (flags: Flags) => {
      await inProject(flags, async (project) => printStats(await identityStats(project)));
    },
  );
  withProject(
    identity
      .command('explain')
      .description('which profile a value belongs to, and the chain of records that linked it')
      .argument('<id_type>', 'an id type from identity.idTypes, e.g. email')
      .argument('<value>', 'the value, as written anywhere (it is normalised like the sources)'),
  ).action(async (idType: string, value: string, flags: Flags) => {
    await inProject(flags, async (project) => printExplanation(await explainIdentifier(project, idType, value)));
  });
}

const num = formatCount;
const day = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : 'unknown time');

/** Columns whose every cell is a number are right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  return tableLines(header, rows, rightAligned(header.map((_, i) => rows.length > 0 && rows.every((row) => /^[\d,.]+$/.test(row[i]!)))));
}

function printStats(stats: IdentityStats): void {
  if (stats.lastBuild) {
    say(`last build: ${day(stats.lastBuild.finishedAt)} (${stats.lastBuild.mode}, ${stats.lastBuild.rounds} rounds, ${stats.lastBuild.seconds.toFixed(2)}s)`);
  }
  say(`profiles: ${num(stats.profiles)}`);
  say(`records: ${num(stats.records.total)} (${num(stats.records.resolved)} in a profile)`);
  say(`merges: ${num(stats.merges.total)} in all, ${num(stats.merges.lastBuild)} in the last build that merged`);
  say('');
  for (const line of table(['id type', 'identifiers'], stats.identifiersByType.map((r) => [r.idType, num(r.identifiers)]))) say(line);
  say('');
  say('largest profiles:');
  for (const line of table(['profile', 'identifiers', 'records'], stats.largest.map((r) => [r.profileId, num(r.identifiers), num(r.records)]))) say(line);
  say('');
  if (stats.dropped.length === 0) say('dropped values: none');
  else {
    say('dropped values (never linked, or links refused):');
    for (const line of table(['reason', 'id type', 'values', 'records'], stats.dropped.map((r) => [r.reason, r.idType, num(r.values), num(r.records)]))) say(line);
  }
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}`;

/**
 * A probabilistic hop: the pair, its match probability and weight, then field by field the level
 * reached and its match weight (log2 m/u, plus any term-frequency adjustment), which with the
 * prior sum to the pair's weight.
 */
export function probabilisticHop(link: ExplainLink): string[] {
  const match = link.match!;
  const pair = match.pair;
  const weight = pair ? pair.weight : match.weight;
  const lines = [
    `-- probabilistic match${pair ? ` ${pair.left.source} ${pair.left.recordKey} ~ ${pair.right.source} ${pair.right.recordKey}` : ''}: ` +
      `probability ${match.probability.toFixed(6)}, weight ${weight === null ? 'inf' : weight.toFixed(2)} --> ${link.to.idType} ${link.to.value}`,
  ];
  if (!pair) {
    lines.push('     (the matched pair is no longer in the sources, or no model is stored: field weights unavailable)');
    return lines;
  }
  lines.push(`     prior: ${signed(pair.priorWeight)}`);
  for (const f of pair.fields) {
    const tf = f.tfAdjustment === null ? '' : ` (term frequency ${signed(f.tfAdjustment)})`;
    lines.push(`     ${f.field}: ${f.level.replace(/ ([<>]=) /, '$1')} ${signed(f.weight)}${tf}`);
  }
  lines.push(`     = ${signed(pair.weight)}`);
  return lines;
}

function printExplanation(e: IdentityExplanation): void {
  const label = `${e.idType} ${e.input}`;
  if (e.normalized === null) say(`${label}: not a valid ${e.idType} (it never links)`);
  else if (e.normalized !== e.input) say(`${label}: normalised to ${e.normalized}`);
  for (const d of e.dropped) say(`dropped (${d.reason}) on ${num(d.records)} record(s)${d.detail ? `: ${d.detail}` : ''}`);
  if (e.suppressed) {
    const by = e.suppressed.requestId ? `privacy request ${e.suppressed.requestId}` : 'a privacy request';
    const on = e.suppressed.suppressedAt ? ` on ${day(e.suppressed.suppressedAt)}` : '';
    say(`${label}: suppressed by ${by}${on} (right to erasure): source rows carrying it are left out of every identity build`);
    if (e.profileId !== null) say(`  still in profile ${e.profileId} until the next build (cdp run)`);
    return;
  }
  if (e.status === 'unknown' && e.normalized !== null) {
    say(e.dropped.length ? '' : `${label}: never seen in any identity source`);
    return;
  }
  if (e.profileId === null) {
    if (e.seenWith.length) say(`links no profile; its records belong to ${e.seenWith.join(', ')}`);
    else if (e.normalized !== null && e.status !== 'dropped') say('links no profile');
    return;
  }
  say(`profile ${e.profileId} (anchor: ${e.anchor!.idType} ${e.anchor!.value})`);
  say(`  ${num(e.identifiers.length)} identifier(s); records: ${e.sources.map((s) => `${s.source} ${num(s.records)}`).join(', ')}`);
  if (e.chain.length === 0) {
    say('  this value is the anchor');
  } else {
    say('  linked by:');
    say(`    ${e.chain[0]!.from.idType} ${e.chain[0]!.from.value}`);
    for (const link of e.chain) {
      if (link.kind === 'deterministic') {
        say(`      -- ${link.source} ${link.recordKey} (${day(link.ts)}) --> ${link.to.idType} ${link.to.value}`);
        continue;
      }
      for (const line of probabilisticHop(link)) say(`      ${line}`);
    }
  }
  say('  identifiers:');
  for (const id of e.identifiers) say(`    ${id.idType} ${id.value} (first seen ${day(id.firstSeen)})`);
}
