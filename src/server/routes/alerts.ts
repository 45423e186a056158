import type { ServerContext } from '../context.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { AlertsViewSchema } from '../schemas/alerts.js';
import { alertsView } from '../services/alerts-view.js';

export function alertRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/alerts',
      response: AlertsViewSchema,
      access: 'read',
      tag: 'syncs',
      summary: 'Alert rules and channels (from cdp.config.ts; no secrets or addresses) and the alerts firing now',
      handler: () => alertsView(ctx),
    }),
  ];
}
