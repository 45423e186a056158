import type { RelationRef } from '../warehouse/index.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import { configFingerprint } from './config.js';
import type { StoredModel } from './model.js';
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
 * without one its columns are NULL (and the run's summary says why).
 */
export async function runPredictions(project: Project, onProgress?: (line: string) => void): Promise<PredictionRun> {
  const run: PredictionRun = { trained: [], scored: [], failed: [] };
  const usable: StoredModel[] = [];
  for (const name of Object.keys(project.config.predictions)) {
    let model = await loadModel(project, name);
    const reason = retrainReason(project, name, model, new Date());
    if (reason) {
      onProgress?.(`predictions: training ${name} (${reason})`);
      try {
        model = (await trainPrediction(project, name)).model;
        run.trained.push(name);
      } catch (error) {
        const message = (error as Error).message;
        run.failed.push({ name, error: message });
        logger.warn({ prediction: name, err: message }, 'prediction not trained');
        onProgress?.(`predictions: warning: ${name} not trained: ${message}`);
        if (model?.fingerprint !== configFingerprint(project.config.predictions[name]!)) continue;
      }
    }
    if (model) usable.push(model);
  }
  const tables: Array<{ name: string; table: RelationRef }> = [];
  for (const model of usable) {
    try {
      const result = await scoreIntoTable(project, model);
      tables.push(result);
      run.scored.push({ name: model.name, profiles: result.profiles, seconds: result.seconds });
      onProgress?.(`predictions: scored ${model.name} for ${result.profiles} profiles (${result.seconds.toFixed(2)}s)`);
    } catch (error) {
      run.failed.push({ name: model.name, error: (error as Error).message });
      onProgress?.(`predictions: warning: ${model.name} not scored: ${(error as Error).message}`);
    }
  }
  const unscored = Object.keys(project.config.predictions).filter((name) => !tables.some((t) => t.name === name));
  await writeScoresToProfiles(project, tables, unscored);
  return run;
}
