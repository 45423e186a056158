import type { ServerContext } from '../context.js';
import { route, type AnyRouteSpec } from '../routing.js';

const started = Date.now();

export function healthRoutes(ctx: ServerContext, version: string): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/health',
      access: 'public',
      tag: 'service',
      summary: 'Liveness and state-store reachability (no auth)',
      async handler({ res }) {
        let state: 'ok' | 'error' = 'ok';
        try {
          await ctx.knex.raw('select 1');
        } catch {
          state = 'error';
        }
        const ok = state === 'ok' && ctx.scheduler.isAccepting;
        res.status(ok ? 200 : 503);
        return { status: ok ? 'ok' : 'degraded', version, uptimeSeconds: Math.round((Date.now() - started) / 1000), state, accepting: ctx.scheduler.isAccepting };
      },
    }),
  ];
}
