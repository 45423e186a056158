import type { ModelBuild } from '../../state/repositories/model-builds.js';
import { MODELS_JOB, type JobStatus } from '../../scheduler/index.js';
import { SyncHistory, type RunStatus } from '../../state/index.js';
import type { ServerContext } from '../context.js';

/** A scheduled job as the API shows it: its schedule state plus, for syncs, how the last run ended. */
export type JobView = JobStatus & { lastRunStatus?: RunStatus | null; lastRunId?: string | null };

/**
 * Every job with the outcome people care about. The scheduler knows whether a job threw; a sync
 * run that delivered 0 of 17 rows did not throw but is `partial`, so syncs carry their last run's
 * own status. Model builds run by the CLI or the demo never pass through this process's
 * scheduler: when the state store holds a build newer than the job's last run, that build is the
 * job's last run.
 */
export async function jobStatuses(ctx: ServerContext): Promise<JobView[]> {
  const [jobs, latestRuns, builds] = await Promise.all([ctx.scheduler.status(), new SyncHistory(ctx.store.knex).latestRuns(), ctx.store.modelBuilds.latest()]);
  return jobs.map((job) => {
    if (job.kind === 'models') return withLatestBuild(job, builds);
    const run = latestRuns.get(job.name);
    return { ...job, lastRunStatus: run?.status ?? null, lastRunId: run?.id ?? null };
  });
}

/** The models job with the newest recorded build when that is newer than what the scheduler saw. */
export function withLatestBuild(job: JobStatus, builds: readonly ModelBuild[]): JobView {
  if (job.key !== MODELS_JOB || builds.length === 0 || job.running) return job;
  const newest = Math.max(...builds.map((b) => b.finishedAt.getTime()));
  const seen = job.lastFinishedAt ? Date.parse(job.lastFinishedAt) : 0;
  if (newest <= seen) return job;
  // The builds of the latest pipeline run: those that finished within a minute of the newest
  // (a pipeline builds its models one after another).
  const lastRun = builds.filter((b) => newest - b.finishedAt.getTime() < 60_000);
  const failed = lastRun.find((b) => b.status === 'error');
  return {
    ...job,
    lastStartedAt: new Date(Math.min(...lastRun.map((b) => b.startedAt.getTime()))).toISOString(),
    lastFinishedAt: new Date(newest).toISOString(),
    lastStatus: failed ? 'error' : 'success',
    lastError: failed ? `${failed.model}: ${failed.error ?? 'failed'}` : null,
  };
}
