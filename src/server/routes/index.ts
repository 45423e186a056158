import type { ServerContext } from '../context.js';
import type { AnyRouteSpec } from '../routing.js';
import { alertRoutes } from './alerts.js';
import { audienceRoutes } from './audiences.js';
import { auditRoutes } from './audit.js';
import { collectRoutes } from './collect.js';
import { authRoutes } from './auth.js';
import { destinationRoutes } from './destinations.js';
import { healthRoutes } from './health.js';
import { historyRoutes } from './history.js';
import { identityRoutes } from './identity.js';
import { identityReviewRoutes } from './identity-review.js';
import { modelRoutes } from './models.js';
import { oidcRoutes } from './oidc.js';
import { predictionRoutes } from './predictions.js';
import { priorityListRoutes } from './priority-lists.js';
import { privacyRoutes } from './privacy.js';
import { scheduleRoutes } from './schedules.js';
import { secretRoutes } from './secrets.js';
import { sourceRoutes } from './sources.js';
import { syncRoutes } from './syncs.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';
import { valueRoutes } from './values.js';

/** Every API route, one file per resource. */
export function allRoutes(ctx: ServerContext, version: string): AnyRouteSpec[] {
  return [
    ...healthRoutes(ctx, version),
    ...authRoutes(ctx),
    ...oidcRoutes(ctx),
    ...modelRoutes(ctx),
    ...identityRoutes(ctx),
    ...identityReviewRoutes(ctx),
    ...audienceRoutes(ctx),
    ...priorityListRoutes(ctx),
    ...predictionRoutes(ctx),
    ...valueRoutes(ctx),
    ...destinationRoutes(ctx),
    ...secretRoutes(ctx),
    ...syncRoutes(ctx),
    ...historyRoutes(ctx),
    ...alertRoutes(ctx),
    ...scheduleRoutes(ctx),
    ...userRoutes(ctx),
    ...tokenRoutes(ctx),
    ...auditRoutes(ctx),
    ...privacyRoutes(ctx),
    ...sourceRoutes(ctx),
    ...collectRoutes(ctx),
  ];
}
