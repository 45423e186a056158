import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { refreshAudienceCatalog } from '../../audiences/index.js';
import { runProject } from '../../pipeline/index.js';
import { pruneRunLogs } from '../../privacy/retention.js';
import type { Project } from '../../project/index.js';
import type { JobProvider } from '../../scheduler/index.js';
import type { SyncService } from './syncs.js';

export interface JobDeps {
  syncs: SyncService;
  log: Logger;
  /** The state store (run history) the retention prune cleans. */
  knex: Knex;
}

/** The real jobs of a project: its model build (the pipeline) and its syncs (git + UI). */
export function projectJobs(project: Project, deps: JobDeps): JobProvider {
  return {
    listSyncs: () => deps.syncs.schedules(),
    async runSync(name, context) {
      const result = await deps.syncs.execute(name, context);
      return { runId: result.runId, status: result.status, counts: result.counts };
    },
    async pruneRunLogs() {
      const report = await pruneRunLogs(project, deps.knex);
      deps.log.info({ ...report, cutoff: report.cutoff.toISOString() }, 'run logs pruned');
      return report;
    },
    async runModels(context) {
      const log = deps.log.child({ job: 'models' });
      try {
        const summary = await runProject(project, {
          select: context.options.select,
          fullRefresh: context.options.fullRefresh,
          onProgress: (line) => log.info({ progress: line }, 'pipeline progress'),
        });
        // Membership snapshots of every audience: the history behind the UI's size sparklines.
        const audiences = summary.audiences
          ? {
              snapshots: summary.audiences.snapshots.map(({ audience, size, entered, left }) => ({ audience, size, entered, left })),
              failed: summary.audiences.failed,
            }
          : null;
        return { models: summary.models.length, identity: summary.identity ?? null, audiences, seconds: summary.seconds };
      } finally {
        // New tables and columns: the audience builder's catalog must see them.
        refreshAudienceCatalog(project);
      }
    },
  };
}
