import type { Command } from 'commander';
import { evaluatePrediction, scorePrediction, trainPrediction, type ClassifierQuality, type Evaluation, type RegressionQuality } from '../../predictions/index.js';
import { inProject, say, withProject } from '../context.js';
import { table } from './audience.js';

interface Flags {
  project?: string;
  json?: boolean;
}

/** `cdp predict train|evaluate|score <name> [--json]`. */
export function register(program: Command): void {
  const predict = program.command('predict').description('train, backtest and score predictive traits (docs/predictions.md)');

  withProject(predict.command('train <name>').description('train the model on the newest complete window and store it in the warehouse'))
    .option('--json', 'print the stored model as JSON')
    .action(async (name: string, flags: Flags) => {
      await inProject(flags, async (project) => {
        const { model, seconds } = await trainPrediction(project, name);
        if (flags.json) return say(JSON.stringify({ ...model, seconds }, null, 2));
        const t = model.training;
        say(`${name}: ${model.kind} model trained on ${t.rows.toLocaleString('en-US')} profiles${t.sampled ? ' (a random sample)' : ''} at cutoff ${model.cutoff.slice(0, 10)}: ${t.positives} positive, ${t.negatives} negative`);
        say(`features ${seconds.features.toFixed(2)}s, fit ${seconds.fit.toFixed(2)}s; score with \`cdp predict score ${name}\` or on the next \`cdp run\``);
      });
    });

  withProject(predict.command('evaluate <name>').description('backtest on a time split, side by side with a recency/frequency baseline'))
    .option('--json', 'print the report as JSON')
    .action(async (name: string, flags: Flags) => {
      await inProject(flags, async (project) => {
        const evaluation = await evaluatePrediction(project, name);
        if (flags.json) return say(JSON.stringify(evaluation, null, 2));
        printEvaluation(evaluation);
      });
    });

  withProject(predict.command('score <name>').description('score every profile with the stored model into profiles.<name> and <name>_percentile'))
    .option('--json', 'print the result as JSON')
    .action(async (name: string, flags: Flags) => {
      await inProject(flags, async (project) => {
        const result = await scorePrediction(project, name);
        if (flags.json) return say(JSON.stringify(result, null, 2));
        say(`${name}: scored ${result.profiles.toLocaleString('en-US')} profiles as of ${result.asOf.slice(0, 10)} in ${result.seconds.toFixed(2)}s (columns ${name}, ${name}_percentile)`);
      });
    });
}

const f = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

function printEvaluation(e: Evaluation): void {
  say(`${e.name} (${e.kind}, ${e.horizonDays} days): trained at ${e.trainCutoff.slice(0, 10)} on ${e.trainRows} profiles, tested at ${e.testCutoff.slice(0, 10)} on ${e.testRows}`);
  say('');
  const row = (label: string, q: ClassifierQuality) => [label, f(q.auc), f(q.brier, 4), f(q.calibrationError, 4), f(q.topDecileLift, 2), String(q.positives), String(q.negatives)];
  const what = e.kind === 'ltv' ? ' (P(buys))' : '';
  say(table(['', 'AUC', 'Brier', 'calib. error', 'top-decile lift', 'positives', 'negatives'], [row(`model${what}`, e.model), row(`recency/frequency${what}`, e.baseline)]));
  if (e.value) {
    const vrow = (label: string, q: RegressionQuality) => [label, f(q.mae, 2), f(q.rmse, 2), f(q.spearman), f(q.predictedMean, 2), f(q.actualMean, 2)];
    say('');
    say(table(['value', 'MAE', 'RMSE', 'Spearman', 'mean predicted', 'mean actual'], [vrow('two-part model', e.value.model), vrow('recent average', e.value.baseline)]));
  }
  say('');
  say(table(['predicted', 'observed', 'profiles'], e.model.calibration.map((b) => [f(b.predicted), f(b.observed), String(b.count)])));
  say('');
  say(`drivers: ${e.drivers.slice(0, 8).map((d) => `${d.feature} (${d.weight > 0 ? '+' : ''}${d.weight.toFixed(2)})`).join(', ')}`);
}
