import { z } from 'zod';
import { syncJobKey } from '../../scheduler/index.js';
import type { ServerContext } from '../context.js';
import { actorOf, piiViewOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { uiSyncCreateSchema, uiSyncUpdateSchema } from '../services/syncs.js';
import { JobStartedSchema, JobStatusSchema } from '../schemas/common.js';
import { LogEntrySchema, SyncDetailSchema, SyncListSchema, SyncRunRecordSchema, SyncRunResultSchema } from '../schemas/syncs.js';

const nameParams = z.object({ name: z.string().min(1).max(200) }).strict();
const runParams = z.object({ name: z.string().min(1).max(200), runId: z.string().min(1).max(64) }).strict();
const runsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) }).strict();
const rowsQuery = z
  .object({
    status: z.enum(['ok', 'rejected', 'retryable']).optional(),
    key: z.string().min(1).max(512).optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(100),
  })
  .strict();
const runBody = z.object({ full: z.boolean().optional().describe('resend every current row, changed or not') }).strict();
const emptyBody = z.object({}).strict();

export function syncRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const syncs = ctx.syncs;
  return [
    route({
      method: 'get',
      path: '/api/syncs',
      response: SyncListSchema,
      access: 'read',
      tag: 'syncs',
      summary: 'Every sync (git files and UI-made) with its last run; invalid files with why',
      handler: ({ principal }) => syncs.list(piiViewOf(principal)),
    }),
    route({
      method: 'post',
      path: '/api/syncs',
      response: SyncDetailSchema,
      access: 'syncs:write',
      tag: 'syncs',
      summary: 'Create a sync from an audience or model to a stored destination',
      errors: [409, 422],
      body: uiSyncCreateSchema,
      example: { name: 'germans_to_crm', from: { audience: 'german_buyers' }, destination: 'crm_hook', mode: 'upsert', fields: { email: 'email', first_name: 'first_name' }, schedule: '0 * * * *' },
      status: 201,
      async handler({ body, principal }) {
        const view = await syncs.create(body, actorOf(principal!));
        await ctx.scheduler.reload();
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/api/syncs/:name',
      response: SyncDetailSchema,
      access: 'read',
      tag: 'syncs',
      summary: 'One sync with its recent runs',
      params: nameParams,
      handler: ({ params, principal }) => syncs.get(params.name, piiViewOf(principal)),
    }),
    route({
      method: 'put',
      path: '/api/syncs/:name',
      response: SyncDetailSchema,
      access: 'syncs:write',
      tag: 'syncs',
      summary: 'Replace a UI-made sync (git syncs are changed in git: 409)',
      errors: [409, 422],
      params: nameParams,
      body: uiSyncUpdateSchema,
      example: { from: { audience: 'german_buyers' }, destination: 'crm_hook', mode: 'mirror', fields: { email: 'email' }, schedule: null },
      async handler({ params, body, principal }) {
        const view = await syncs.update(params.name, body, actorOf(principal!));
        await ctx.scheduler.reload();
        return view;
      },
    }),
    route({
      method: 'delete',
      path: '/api/syncs/:name',
      access: 'syncs:write',
      tag: 'syncs',
      summary: 'Delete a UI-made sync (its run history stays)',
      errors: [409],
      params: nameParams,
      status: 204,
      async handler({ params, principal }) {
        await syncs.remove(params.name, actorOf(principal!));
        await ctx.scheduler.reload();
      },
    }),
    route({
      method: 'post',
      path: '/api/syncs/:name/run',
      response: JobStartedSchema,
      access: 'syncs:run',
      tag: 'syncs',
      summary: 'Run now: 202 once started (poll runs); 409 while it runs here or in another process',
      errors: [409],
      params: nameParams,
      body: runBody,
      example: { full: false },
      status: 202,
      async handler({ params, body, principal }) {
        await syncs.get(params.name);
        return ctx.scheduler.runNow(syncJobKey(params.name), actorOf(principal!), { full: body.full });
      },
    }),
    route({
      method: 'post',
      path: '/api/syncs/:name/dry-run',
      response: SyncRunResultSchema,
      access: 'syncs:run',
      tag: 'syncs',
      summary: 'Plan without sending: added/changed/removed counts and a sample',
      errors: [422],
      params: nameParams,
      body: emptyBody,
      example: {},
      handler: ({ params, principal }) => syncs.dryRun(params.name, piiViewOf(principal)),
    }),
    route({
      method: 'post',
      path: '/api/syncs/:name/pause',
      response: JobStatusSchema.nullable(),
      access: 'syncs:write',
      tag: 'syncs',
      summary: 'Pause the schedule (manual runs still work)',
      params: nameParams,
      body: emptyBody,
      example: {},
      async handler({ params, principal }) {
        await syncs.get(params.name);
        await ctx.scheduler.pause(syncJobKey(params.name), actorOf(principal!));
        return (await ctx.scheduler.status()).find((job) => job.key === syncJobKey(params.name)) ?? null;
      },
    }),
    route({
      method: 'post',
      path: '/api/syncs/:name/resume',
      response: JobStatusSchema.nullable(),
      access: 'syncs:write',
      tag: 'syncs',
      summary: 'Resume the schedule (fires missed while paused are not caught up)',
      params: nameParams,
      body: emptyBody,
      example: {},
      async handler({ params, principal }) {
        await syncs.get(params.name);
        await ctx.scheduler.resume(syncJobKey(params.name), actorOf(principal!));
        return (await ctx.scheduler.status()).find((job) => job.key === syncJobKey(params.name)) ?? null;
      },
    }),
    route({
      method: 'get',
      path: '/api/syncs/:name/runs',
      response: z.array(SyncRunRecordSchema),
      access: 'read',
      tag: 'syncs',
      summary: 'Runs of a sync, newest first, with counts and status',
      params: nameParams,
      query: runsQuery,
      handler: ({ params, query, principal, res }) => {
        const pii = piiViewOf(principal);
        // Lists cannot carry `piiMasked`: a header tells the UI instead.
        if (pii.mask) res.setHeader('X-CDP-PII-Masked', 'true');
        return syncs.runs(params.name, query.limit, pii);
      },
    }),
    route({
      method: 'get',
      path: '/api/syncs/:name/runs/:runId',
      response: SyncRunRecordSchema,
      access: 'read',
      tag: 'syncs',
      summary: 'One run',
      params: runParams,
      handler: ({ params, principal }) => syncs.run(params.name, params.runId, piiViewOf(principal)),
    }),
    route({
      method: 'get',
      path: '/api/syncs/:name/runs/:runId/rows',
      response: z.array(LogEntrySchema),
      access: 'profiles:read',
      tag: 'syncs',
      summary: 'Per-row log of a run (e.g. ?status=rejected with the vendor’s reasons)',
      params: runParams,
      query: rowsQuery,
      handler: ({ params, query, principal, res }) => {
        const pii = piiViewOf(principal);
        if (pii.mask) res.setHeader('X-CDP-PII-Masked', 'true');
        return syncs.rows(params.name, params.runId, query, pii);
      },
    }),
  ];
}
