import { z } from 'zod';
import { REJECT_REASONS } from '../../collect/index.js';
import { sourceNameSchema } from '../../config/index.js';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { LiveEventsSchema, SourceKeySchema, SourcesOverviewSchema } from '../schemas/sources.js';

const nameParams = z.object({ name: sourceNameSchema }).strict();

/** The Sources page: event sources of the collection API, their traffic, and their write keys. */
export function sourceRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const stats = () => ctx.collect.stats;
  return [
    route({
      method: 'get',
      path: '/api/sources',
      response: SourcesOverviewSchema,
      access: 'read',
      tag: 'sources',
      summary: 'Event sources (never their keys), events per minute over the last hour, rejected requests by reason, landing status',
      async handler() {
        const sources = await ctx.collect.keys.sources();
        return {
          table: ctx.collect.collector.table,
          sources: sources.map((s) => ({ ...s, eventsPerMinute: stats().eventsPerMinute(s.name) })),
          rejections: stats().rejectionList(),
          reasons: REJECT_REASONS,
          totals: stats().totals(),
        };
      },
    }),
    route({
      method: 'get',
      path: '/api/sources/events',
      response: LiveEventsSchema,
      access: 'pii:read',
      tag: 'sources',
      summary: 'The last events received (payloads included): the live debugger',
      query: z.object({ source: sourceNameSchema.optional() }).strict(),
      handler({ query }) {
        return { events: stats().lastEvents(query.source) };
      },
    }),
    route({
      method: 'post',
      path: '/api/sources',
      response: SourceKeySchema,
      access: 'users:manage',
      tag: 'sources',
      summary: 'Create a source with a new write key (stored encrypted; shown only in this answer)',
      body: z.object({ name: sourceNameSchema }).strict(),
      example: { name: 'web' },
      status: 201,
      async handler({ body, principal }) {
        const writeKey = await ctx.collect.keys.create(body.name, principal!.user.email);
        await ctx.audit.record({ actor: actorOf(principal!), action: 'source.create', resourceType: 'source', resourceId: body.name });
        return { name: body.name, writeKey };
      },
    }),
    route({
      method: 'post',
      path: '/api/sources/:name/rotate',
      response: SourceKeySchema,
      access: 'users:manage',
      tag: 'sources',
      summary: 'Replace a source’s write key (the old key stops working; shown only in this answer)',
      params: nameParams,
      async handler({ params, principal }) {
        const writeKey = await ctx.collect.keys.rotate(params.name, principal!.user.email);
        await ctx.audit.record({ actor: actorOf(principal!), action: 'source.rotate', resourceType: 'source', resourceId: params.name });
        return { name: params.name, writeKey };
      },
    }),
    route({
      method: 'delete',
      path: '/api/sources/:name',
      access: 'users:manage',
      tag: 'sources',
      summary: 'Delete a source created in the UI (its key stops working; landed events stay)',
      params: nameParams,
      status: 204,
      async handler({ params, principal }) {
        await ctx.collect.keys.delete(params.name);
        await ctx.audit.record({ actor: actorOf(principal!), action: 'source.delete', resourceType: 'source', resourceId: params.name });
      },
    }),
  ];
}
