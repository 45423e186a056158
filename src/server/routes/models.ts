import { z } from 'zod';
import { CdpError } from '../../errors.js';
import { MODELS_JOB } from '../../scheduler/index.js';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { checkSelection, listModels } from '../services/models.js';
import { JobStartedSchema, JobStatusSchema } from '../schemas/common.js';
import { ModelBuildSchema, ModelViewSchema } from '../schemas/models.js';

const modelParams = z.object({ name: z.string().min(1).max(512) }).strict();
const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict();

const runSchema = z
  .object({
    /** Model selectors: `name`, `+name` (with ancestors), `name+` (with descendants). Identity is rebuilt only without a selection. */
    select: z.array(z.string().min(1).max(512)).max(200).optional(),
    fullRefresh: z.boolean().optional(),
  })
  .strict();

export function modelRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/models',
      response: z.array(ModelViewSchema),
      access: 'read',
      tag: 'models',
      summary: 'SQL models with their materialization, dependencies and last build',
      handler: () => listModels(ctx),
    }),
    route({
      method: 'get',
      path: '/api/models/:name/builds',
      response: z.array(ModelBuildSchema),
      access: 'read',
      tag: 'models',
      summary: 'Build history of one model, newest first',
      params: modelParams,
      query: historyQuery,
      async handler({ params, query }) {
        const builds = await ctx.store.modelBuilds.history(params.name, query.limit);
        if (!builds.length && !(await listModels(ctx)).some((model) => model.name === params.name)) {
          throw new CdpError('MODEL_NOT_FOUND', `no model named ${params.name}`, { location: { path: 'params.name' } });
        }
        return builds;
      },
    }),
    route({
      method: 'post',
      path: '/api/runs',
      response: JobStartedSchema,
      access: 'models:run',
      tag: 'runs',
      summary: 'Start a pipeline run (models, then identity and profiles); 202, poll GET /api/runs; 409 while one runs',
      errors: [409],
      body: runSchema,
      example: { select: ['+customers'], fullRefresh: false },
      status: 202,
      handler: ({ body, principal }) => {
        checkSelection(ctx, body.select);
        return ctx.scheduler.runNow(MODELS_JOB, actorOf(principal!), { select: body.select, fullRefresh: body.fullRefresh });
      },
    }),
    route({
      method: 'get',
      path: '/api/runs',
      response: JobStatusSchema.nullable(),
      access: 'read',
      tag: 'runs',
      summary: 'The pipeline job: schedule, running now, last run status and error',
      async handler() {
        const status = (await ctx.scheduler.status()).find((job) => job.key === MODELS_JOB);
        return status ?? null;
      },
    }),
  ];
}
