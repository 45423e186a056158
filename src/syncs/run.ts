import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { alertAfterRun } from './alerts/index.js';
import { logger } from '../logger.js';
import type { Project } from '../project/index.js';
import { takeSyncLease } from './lease.js';
import { SyncHistory } from '../state/index.js';
import { loadSync, type PreparedSync } from './load.js';
import { dryRun, prepareRun, type PreparedRun } from './run-prepare.js';
import { errorText, SyncRun } from './run-steps.js';
import type { RunSyncOptions, SyncRunResult } from './run-types.js';

export { EMPTY_PLAN_COUNTS, type RunSyncOptions, type SyncRunResult, type SyncProgressEvent, type PlanSampleRow } from './run-types.js';

/**
 * Runs a sync in five steps: prepare (definition, destination, rows and columns checked), resume
 * (finish the plan an earlier run left unfinished), plan (a diff in the warehouse), send, finish
 * (record the run). Problems found before anything is sent (bad definition, missing secret or
 * column) throw a CdpError; problems during sending end the run as `failed` with the error in the
 * result and the history.
 *
 * The sync's lease in the state store is the one truth of "this sync is running": the run takes it
 * (CONFLICT when someone holds it), unless the caller holds it already (`leaseHeld`, the service).
 */
export async function runSync(project: Project, sync: string | PreparedSync, options: RunSyncOptions = {}): Promise<SyncRunResult> {
  const started = Date.now();
  const loaded = typeof sync === 'string' ? await loadSync(project, sync) : sync;
  const prepared = options.dryRun ? await prepareRun(project, loaded, options) : await prepareOrRecord(project, loaded, options, started);
  if (options.dryRun) return dryRun(prepared, options, started);
  const knex = (await project.state()).knex;
  const lease = options.leaseHeld ? undefined : await takeSyncLease(knex, prepared.sync.definition.name);
  let result: SyncRunResult;
  try {
    result = await sendAndRecord(prepared, knex, options, started);
  } finally {
    await lease?.release();
  }
  await alertAfter(project, result.runId, loaded.definition.from, options);
  return result;
}

/** The recorded part of a run: resume, plan, send, finish; the caller holds the lease. */
async function sendAndRecord(prepared: PreparedRun, knex: Knex, options: RunSyncOptions, started: number): Promise<SyncRunResult> {
  const run = await SyncRun.start(prepared, knex, options, started);
  const { definition } = prepared.sync;
  const { destination } = prepared.session;
  const begun = run.scopeFor({ mode: definition.mode, keyColumn: definition.key, fields: Object.keys(definition.fields) });
  try {
    await destination.begin?.(begun);
    await run.resume();
    if (run.mayContinue) {
      const progress = await run.makePlan();
      if (progress) await run.send(progress);
    }
  } catch (error) {
    run.error = error;
    run.complete = false;
  }
  try {
    await destination.finish?.(begun, { complete: run.complete && run.error === undefined });
  } catch (error) {
    run.error ??= error;
  }
  return run.finish();
}

/** Alerts about a recorded run (docs/syncs.md, "Alerts"); a problem alerting never fails the run. */
async function alertAfter(project: Project, runId: string | null, from: PreparedSync['definition']['from'], options: RunSyncOptions): Promise<void> {
  // Rules live in the config and in the state store (made in the UI): alertAfterRun looks in both.
  if (!runId) return;
  try {
    const history = options.history ?? new SyncHistory((await project.state()).knex);
    const record = await history.run(runId);
    if (record) await alertAfterRun(project, record, from, { secrets: options.secrets });
  } catch (error) {
    logger.warn({ run: runId, err: errorText(error) }, 'alerts after the run failed');
  }
}

/**
 * The prepare step of a real run. A sync that fails here (a missing environment variable, a
 * column the model lacks) never plans, but its history still gets a failed run with the reason,
 * so "Not run yet" is never shown for a sync that failed. The error is thrown on as before.
 */
async function prepareOrRecord(project: Project, sync: PreparedSync, options: RunSyncOptions, started: number): Promise<PreparedRun> {
  try {
    return await prepareRun(project, sync, options);
  } catch (error) {
    const history = options.history ?? new SyncHistory((await project.state()).knex);
    const id = randomUUID();
    await history.recordFailedStart({
      id,
      sync: sync.definition.name,
      destinationType: sync.destination.type,
      trigger: options.trigger ?? 'manual',
      full: options.full ?? false,
      startedAt: new Date(started),
      error: errorText(error),
    });
    await alertAfter(project, id, sync.definition.from, options);
    throw error;
  }
}
