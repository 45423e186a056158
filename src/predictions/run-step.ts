import type { RelationRef } from '../warehouse/index.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import { configFingerprint } from './config.js';
import type { StoredModel } from './model.js';
import { prepareRun, type PreparedData } from './prepare.js';
import { scoreIntoTable, writeScoresToProfiles } from './score.js';
import { loadModel } from './store.js';
import { trainPrediction } from './train.js';

const DAY_MS = 86_400_000;

export interface PredictionRun {
  /** Predictions (re)trained in this run: missing, stale (older than `retrain`) or changed in the config. */
  trained: string[];
  scored: { name: string; profiles: number; seconds: number }[];
  /** Predictions that could not be trained or scored, and why (the build itself stands). */
  failed: { name: string; error: string }[];
}

/** Why a model must be trained before scoring, or null when it can score as it is. */
function retrainReason(project: Project, name: string, model: StoredModel | null, now: Date): string | null {
  const prediction = project.config.predictions[name]!;
  if (!model) return 'no model yet';
  if (model.fingerprint !== configFingerprint(prediction)) return 'its config changed';
  const age = (now.getTime() - Date.parse(model.trainedAt)) / DAY_MS;
  return age >= prediction.retrain ? `trained ${age.toFixed(0)} days ago (retrain: every ${prediction.retrain} days)` : null;
}

/**
 * `cdp run`'s prediction step, after profiles are built: trains what is missing or due, then scores
 * every prediction with a usable model and writes the scores to `profiles`. A prediction that
 * cannot be trained keeps scoring with its previous model when that one still fits the config;
 * without one its columns are NULL (and the run's summary says why). Every prediction reads one
 * events table, built once for the run (`prepareRun`).
 */
export async function runPredictions(project: Project, onProgress?: (line: string) => void): Promise<PredictionRun> {
  const run: PredictionRun = { trained: [], scored: [], failed: [] };
  const failed = (name: string, error: unknown, what: string) => {
    const message = (error as Error).message;
    run.failed.push({ name, error: message });
    logger.warn({ prediction: name, err: message }, `prediction not ${what}`);
    onProgress?.(`predictions: warning: ${name} not ${what}: ${message}`);
  };
  const now = new Date();
  const planned = [];
  for (const name of Object.keys(project.config.predictions)) {
    const prediction = project.config.predictions[name]!;
    const stored = await loadModel(project, name);
    const reason = retrainReason(project, name, stored, now);
    // A stored model that fits the config scores if training fails: its events are planned too.
    const fallback = stored?.fingerprint === configFingerprint(prediction) ? stored : null;
    planned.push({ name, prediction, reason, stored: fallback, others: fallback?.spec.others, fixed: reason ? undefined : fallback!.spec });
  }
  const { prepared, cleanup } = await prepareRun(project, planned);
  const tables: Array<{ name: string; table: RelationRef }> = [];
  try {
    const usable: Array<{ model: StoredModel; data: PreparedData }> = [];
    for (const { name, reason, stored } of planned) {
      const data = prepared.get(name)!;
      let model = stored;
      if (reason) {
        onProgress?.(`predictions: training ${name} (${reason})`);
        try {
          if (data instanceof Error) throw data;
          model = (await trainPrediction(project, name, data)).model;
          run.trained.push(name);
        } catch (error) {
          failed(name, error, 'trained');
        }
      }
      if (!model) continue;
      if (data instanceof Error) {
        if (!reason) failed(name, data, 'scored'); // a failed training said why already
      } else usable.push({ model, data });
    }
    for (const { model, data } of usable) {
      try {
        const result = await scoreIntoTable(project, model, data);
        tables.push(result);
        run.scored.push({ name: model.name, profiles: result.profiles, seconds: result.seconds });
        onProgress?.(`predictions: scored ${model.name} for ${result.profiles} profiles (${result.seconds.toFixed(2)}s)`);
      } catch (error) {
        failed(model.name, error, 'scored');
      }
    }
  } finally {
    await cleanup();
  }
  const unscored = Object.keys(project.config.predictions).filter((name) => !tables.some((t) => t.name === name));
  await writeScoresToProfiles(project, tables, unscored);
  return run;
}
