import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { route, type AnyRouteSpec } from '../routing.js';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    uptimeSeconds: z.number(),
    state: z.enum(['ok', 'error']).describe('whether the state store answers'),
    accepting: z.boolean().describe('false while the service shuts down'),
  })
  .meta({ id: 'Health' });

const started = Date.now();

export function healthRoutes(ctx: ServerContext, version: string): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/health',
      access: 'public',
      tag: 'service',
      summary: 'Liveness and state-store reachability (no auth); 503 with the same body when degraded',
      response: healthSchema,
      alsoAnswers: { 503: { description: 'Degraded: the state store does not answer, or the service is shutting down', schema: healthSchema } },
      async handler({ res }) {
        let state: 'ok' | 'error' = 'ok';
        try {
          await ctx.knex.raw('select 1');
        } catch {
          state = 'error';
        }
        const ok = state === 'ok' && ctx.scheduler.isAccepting;
        res.status(ok ? 200 : 503);
        return { status: ok ? ('ok' as const) : ('degraded' as const), version, uptimeSeconds: Math.round((Date.now() - started) / 1000), state, accepting: ctx.scheduler.isAccepting };
      },
    }),
  ];
}
