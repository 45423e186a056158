import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { AuditPageSchema } from '../schemas/admin.js';

const auditQuery = z
  .object({
    actor: z.string().min(1).max(320).optional().describe('actor email or user id'),
    action: z.string().min(1).max(64).optional().describe('exact action (sync.run) or a prefix ending in "." (sync.)'),
    resourceType: z.string().min(1).max(32).optional(),
    resourceId: z.string().min(1).max(255).optional(),
    outcome: z.enum(['ok', 'error']).optional(),
    since: z.coerce.date().optional().describe('ISO date-time, inclusive'),
    until: z.coerce.date().optional().describe('ISO date-time, exclusive'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce.number().int().positive().optional().describe('page: entries older than this id (nextBefore)'),
  })
  .strict();

export function auditRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/audit',
      response: AuditPageSchema,
      access: 'audit:read',
      tag: 'audit',
      summary: 'Who changed and ran what, newest first, with filters and paging',
      query: auditQuery,
      handler: ({ query }) => ctx.audit.query(query),
    }),
  ];
}
