import { audienceBaseStep, dropAudienceBase, refreshAudienceCatalog, snapshotAudiences, type AudienceSnapshotRun } from '../audiences/index.js';
import { ensureLandingTable } from '../collect/landing.js';
import { buildIdentity, type IdentityBuildResult } from '../identity/index.js';
import { logger } from '../logger.js';
import { buildModels, type BuildModelsOptions, type ModelBuildResult } from '../models/index.js';
import type { Project } from '../project/index.js';
import type { ModelBuildRecord } from '../state/index.js';
import type { ReviewedLabel } from '../identity/probabilistic/labels.js';
import { runPredictions, type PredictionRun } from '../predictions/index.js';

export interface RunOptions {
  /** Model selectors (`name`, `+name`, `name+`, `+name+`). With a selection, identity is not rebuilt. */
  select?: string[];
  /** dbt's --exclude: models not to build (with an exclusion, identity is not rebuilt). */
  exclude?: string[];
  /** Rebuild incremental models (and identity) from scratch. */
  fullRefresh?: boolean;
  /** Called with each model's outcome as it happens (also when a later model fails). */
  onModelResult?: (result: ModelBuildResult) => void;
  /** One human-readable line per step: which model, materialization, rows, seconds. */
  onProgress?: (line: string) => void;
  /**
   * Snapshot every audience's membership after identity and profiles were built (default true;
   * `cdp run --no-snapshots` turns it off). Broken audiences are reported, not fatal.
   */
  snapshots?: boolean;
  /** dbt build: tests run as the models are built (a failing test skips the tested model's descendants). */
  tests?: BuildModelsOptions['tests'];
}

export interface RunSummary {
  models: ModelBuildResult[];
  identity?: IdentityBuildResult;
  /** Membership snapshots taken after the profiles were built (absent when none were taken). */
  audiences?: AudienceSnapshotRun;
  /** Why the snapshot step as a whole could not run (the build itself succeeded). */
  audiencesError?: string;
  /** Predictions trained and scored into profiles (absent when none are configured). */
  predictions?: PredictionRun;
  /** Why the prediction step as a whole could not run (the build itself succeeded). */
  predictionsError?: string;
  /** Each step's wall and process CPU seconds, in the order they ran (where a run's time goes). */
  steps: RunStep[];
  seconds: number;
}

export interface RunStep {
  step: 'models' | 'identity' | 'predictions' | 'audience base' | 'snapshots';
  seconds: number;
  /** CPU seconds of the whole process while the step ran (an embedded engine's threads included). */
  cpuSeconds: number;
}

/** Runs one step of the build, timed into `steps` (and the debug log). */
async function timedStep<T>(steps: RunStep[], step: RunStep['step'], work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  try {
    return await work();
  } finally {
    const used = process.cpuUsage(cpu);
    const timing = { step, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
    steps.push(timing);
    logger.debug(timing, 'run step');
  }
}

/**
 * Where builds are remembered. The state store is the project's record of what ran; a store that
 * cannot be opened or written must not fail a warehouse build that already happened, so its
 * errors are logged and the run goes on.
 */
async function buildRecorder(project: Project): Promise<(record: ModelBuildRecord) => Promise<void>> {
  try {
    const store = await project.state();
    return async (record) => {
      try {
        await store.modelBuilds.record(record);
      } catch (error) {
        logger.warn({ model: record.model, err: (error as Error).message }, 'could not record the model build in the state store');
      }
    };
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'state store unavailable; model builds are not recorded');
    return async () => undefined;
  }
}

/**
 * The probabilistic review queue's answers from the state store, as training labels for the
 * identity build; none (logged) when the store cannot be opened, as for build records.
 */
async function reviewLabelSource(project: Project): Promise<(() => AsyncIterable<ReviewedLabel[]>) | undefined> {
  if (!project.config.identity?.probabilistic) return undefined;
  try {
    const store = await project.state();
    const { MatchReviewStore } = await import('../state/index.js');
    const reviews = new MatchReviewStore(store.knex);
    return () => reviews.labels();
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'state store unavailable; review answers are not used as labels');
    return undefined;
  }
}

/**
 * `cdp run`: builds the selected models in DAG order, records each build in the state store, then
 * (when identity is configured and nothing was selected) rebuilds the identity graph and profiles.
 * Throws the first model failure (naming its file and line) after recording every model's outcome;
 * the models after it are skipped and identity is not run. After identity, every audience's
 * membership is snapshotted (who entered, who left, size) unless `snapshots` is false.
 */
export async function runProject(project: Project, options: RunOptions = {}): Promise<RunSummary> {
  try {
    return await build(project, options);
  } finally {
    // Tables changed (even when a model failed half-way): cached audience counts and the builder's
    // catalog must see the new data.
    refreshAudienceCatalog(project);
  }
}

async function build(project: Project, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const record = await buildRecorder(project);
  // Models over collected_events build before the first event has arrived.
  if (project.config.collect) await ensureLandingTable(project);
  // Models dbt-core builds itself (models.manifest): cdp builds only identity, profiles and audiences.
  const builtByDbt = project.config.models.manifest !== undefined;
  if (builtByDbt) options.onProgress?.(`models: built by dbt (relations read from ${project.config.models.manifest})`);
  const steps: RunStep[] = [];
  const { results, failure } = builtByDbt ? { results: [], failure: null } : await timedStep(steps, 'models', () => buildModels(project, {
    select: options.select,
    exclude: options.exclude,
    fullRefresh: options.fullRefresh,
    onProgress: options.onProgress,
    tests: options.tests,
    onResult: (result) => {
      options.onModelResult?.(result);
      return record({ model: result.model, startedAt: result.startedAt, finishedAt: result.finishedAt, rows: result.rows, status: result.status, error: result.error });
    },
  }));
  if (failure) throw failure;
  const summary: RunSummary = { models: results, steps, seconds: 0 };
  const selected = [...(options.select ?? []), ...(options.exclude ?? [])].some((selector) => selector.trim() !== '');
  if (project.config.identity && !selected) {
    options.onProgress?.('identity: building the identity graph and profiles');
    const identityOptions = { full: options.fullRefresh, onProgress: options.onProgress, reviewLabels: await reviewLabelSource(project) };
    await dropAudienceBase(project); // profiles are rebuilt: counts read them until the base is rebuilt below
    summary.identity = await timedStep(steps, 'identity', () => buildIdentity(project, identityOptions));
    if (Object.keys(project.config.predictions).length > 0) await timedStep(steps, 'predictions', () => predictionStep(project, summary, options.onProgress));
    await timedStep(steps, 'audience base', () => audienceBaseStep(project, options.onProgress));
    if (options.snapshots !== false) await timedStep(steps, 'snapshots', () => snapshotStep(project, summary, options.onProgress));
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/** Trains what is due and scores every prediction into profiles, before audiences read them. */
async function predictionStep(project: Project, summary: RunSummary, onProgress?: (line: string) => void): Promise<void> {
  try {
    summary.predictions = await runPredictions(project, onProgress);
  } catch (error) {
    summary.predictionsError = (error as Error).message;
    logger.warn({ err: summary.predictionsError }, 'predictions skipped');
    onProgress?.(`predictions: warning: skipped: ${summary.predictionsError}`);
  }
}

/**
 * Records every audience's membership against the profiles just built. The warehouse build is
 * done: a broken audience is named in the summary, and a failure of the whole step is a warning.
 */
async function snapshotStep(project: Project, summary: RunSummary, onProgress?: (line: string) => void): Promise<void> {
  // Profiles may have new or different columns: audiences must be checked against the new ones.
  refreshAudienceCatalog(project);
  try {
    const run = await snapshotAudiences(project, { onStart: (n) => onProgress?.(`audiences: snapshotting the membership of ${n} audience(s)`) });
    if (run.snapshots.length > 0 || run.failed.length > 0) summary.audiences = run;
    for (const failure of run.failed) onProgress?.(`audiences: warning: ${failure.audience} not snapshotted: ${failure.error}`);
  } catch (error) {
    summary.audiencesError = (error as Error).message;
    logger.warn({ err: summary.audiencesError }, 'audience snapshots skipped');
    onProgress?.(`audiences: warning: snapshots skipped: ${summary.audiencesError}`);
  }
}
