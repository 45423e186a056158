import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { JobStatusSchema } from '../schemas/common.js';
import { jobStatuses } from '../services/job-status.js';

export function scheduleRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/schedules',
      response: z.array(JobStatusSchema),
      access: 'read',
      tag: 'schedules',
      summary: 'Every scheduled job (model build, syncs): cron, paused, next fire, last run (builds by the CLI too; syncs with their last run\'s outcome), running now',
      handler: () => jobStatuses(ctx),
    }),
  ];
}
