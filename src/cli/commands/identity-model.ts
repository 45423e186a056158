import type { Command } from 'commander';
import { CdpError } from '../../errors.js';
import { readLinks, readModel, type StoredLink, type StoredModel } from '../../identity/probabilistic/index.js';
import { inProject, say, withProject } from '../context.js';
import { tableLines } from '../table.js';

interface Flags {
  project?: string;
  record?: string;
}

/**
 * `cdp identity model`: the probabilistic model trained by the last identity build (each level's
 * m, u and match weight), and with `--record source:key` that record's probabilistic links field
 * by field. Registered under the `identity` command (registered before this one).
 */
export function register(program: Command): void {
  const identity = program.commands.find((c) => c.name() === 'identity') ?? program.command('identity');
  withProject(
    identity
      .command('model')
      .description('the probabilistic matching model: each comparison level\'s m, u and match weight')
      .option('--record <source:key>', 'show this record\'s probabilistic links with field-by-field weights'),
  ).action(async (flags: Flags) => {
    await inProject(flags, async (project) => {
      const wh = await project.warehouse();
      const model = await readModel(wh, project.schema);
      if (!model) {
        throw new CdpError('IDENTITY_INVALID', 'no probabilistic model has been trained in this warehouse', {
          location: { file: project.configFile, path: 'identity.probabilistic' },
          hint: 'declare identity.probabilistic in the config and run `cdp run`',
        });
      }
      if (!flags.record) return printModel(model);
      const at = flags.record.indexOf(':');
      if (at <= 0) {
        throw new CdpError('INVALID_INPUT', `--record takes source:key, got "${flags.record}"`, { hint: 'e.g. --record crm_contacts:c123' });
      }
      printLinks(flags.record, await readLinks(wh, project.schema, flags.record.slice(0, at), flags.record.slice(at + 1)));
    });
  });
}

/** Numbers (weights, probabilities) right-aligned, cell by cell. */
const table = (header: string[], rows: string[][]): string[] => tableLines(header, rows, (_, cell) => (/^-?[\d.e+-]+$/.test(cell) ? 'right' : 'left'));

const fmt = (x: number) => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(4));

export function printModel(model: StoredModel): void {
  say(`trained ${model.trainedAt.toISOString().replace('T', ' ').slice(0, 19)}; prior (${model.priorSource}) ${fmt(model.prior)} = match weight ${Math.log2(model.prior / (1 - model.prior)).toFixed(2)}`);
  say('');
  const rows = model.levels.map((l) => [l.field, l.label, fmt(l.m), fmt(l.u), l.matchWeight.toFixed(2), bar(l.matchWeight)]);
  for (const line of table(['field', 'level', 'm', 'u', 'weight', ''], rows)) say(line);
  if (model.sessions.length) {
    say('');
    say('training: EM per training blocking rule (m of the comparisons each rule does not block on, averaged)');
    const sessionRows = model.sessions.map((x) => [x.rule || '(all blocked pairs)', String(x.pairs), x.estimated, String(x.iterations), x.converged ? 'yes' : 'NO']);
    for (const line of table(['rule', 'pairs', 'estimates', 'iterations', 'converged'], sessionRows)) say(line);
  }
  for (const source of [...new Set(model.curves.map((c) => c.curve))]) printCurve(model, source);
}

/** The precision/recall curve by threshold (every bit of weight between -5 and 20), and the suggested threshold. */
function printCurve(model: StoredModel, source: string): void {
  const points = model.curves.filter((c) => c.curve === source);
  const shown = points.filter((p) => p.suggested || (Number.isInteger(p.weight) && p.weight >= -5 && p.weight <= 20));
  say('');
  say(source === 'labels' ? 'precision/recall by threshold, measured on the labelled pairs:' : 'precision/recall by threshold, as the model expects them (pairwise, among blocked pairs):');
  const rows = shown.map((p) => [p.weight.toFixed(1), p.probability.toFixed(4), p.precision.toFixed(4), p.recall.toFixed(4), p.f1.toFixed(4), p.suggested ? '<- suggested' : '']);
  for (const line of table(['weight', 'probability', 'precision', 'recall', 'F1', ''], rows)) say(line);
  const best = points.find((p) => p.suggested);
  if (best) say(`suggested threshold (${source}): { weight: ${best.weight} } (probability ${best.probability.toFixed(4)}), F1 ${best.f1.toFixed(4)}`);
}

/** A text bar, like Splink's match weights chart: one character per bit. */
function bar(weight: number): string {
  const n = Math.min(Math.round(Math.abs(weight)), 20);
  return weight >= 0 ? `|${'+'.repeat(n)}` : `${'-'.repeat(n)}|`;
}

export function printLinks(record: string, links: StoredLink[]): void {
  if (links.length === 0) {
    say(`${record}: no probabilistic link at or above the threshold`);
    return;
  }
  for (const link of links) {
    say(`${record} ~ ${link.other.source}:${link.other.recordKey}: probability ${link.matchProbability.toFixed(4)}, weight ${link.matchWeight.toFixed(2)} (${link.linked ? 'linked' : 'refused by a limit or already in one profile'})`);
    for (const line of table(['field', 'level', 'weight'], link.fields.map((f) => [f.field, f.level, f.weight.toFixed(2)]))) say(`  ${line}`);
  }
}
