import { z } from 'zod';
import { MAX_PRIORITY_AUDIENCES } from '../../audiences/index.js';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { PriorityListCountsSchema, PriorityListSummarySchema } from '../schemas/audiences.js';
import { PriorityListService } from '../services/priority-lists.js';
import { syncsUsingAudience } from '../services/syncs.js';

const EXAMPLE_LIST = { name: 'offers', description: 'VIPs get the VIP offer, not also the win-back one', priority: ['vip', 'win_back', 'newsletter'] };

const nameParams = z.object({ name: z.string().min(1).max(200) }).strict();
const deleteQuery = z.object({ force: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('delete even when syncs read a slot of it') }).strict();
/** The shape only: names and duplicates are checked by the list's own schema, errors at body.priority[i]. */
const listBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    description: z.string().max(2000).optional(),
    priority: z.array(z.string().min(1).max(200)).min(1).max(MAX_PRIORITY_AUDIENCES),
  })
  .strict();

/** Saved priority lists (the draft counts route, POST /api/priority-lists/counts, is with the audience routes). */
export function priorityListRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const lists = new PriorityListService(ctx);
  return [
    route({
      method: 'get',
      path: '/api/priority-lists',
      response: z.array(PriorityListSummarySchema),
      access: 'read',
      tag: 'audiences',
      summary: 'List saved priority lists (files in git and saved in the UI)',
      handler: () => lists.list(),
    }),
    route({
      method: 'post',
      path: '/api/priority-lists',
      response: PriorityListSummarySchema,
      access: 'audiences:write',
      tag: 'audiences',
      summary: 'Save a new priority list (its audiences must exist); 409 if the name is taken by a list or an audience',
      errors: [409, 422],
      body: listBody,
      example: EXAMPLE_LIST,
      status: 201,
      handler: ({ body, principal }) => lists.create(body, actorOf(principal!)),
    }),
    route({
      method: 'get',
      path: '/api/priority-lists/:name',
      response: PriorityListSummarySchema,
      access: 'read',
      tag: 'audiences',
      summary: 'One saved priority list',
      params: nameParams,
      handler: ({ params }) => lists.get(params.name),
    }),
    route({
      method: 'put',
      path: '/api/priority-lists/:name',
      response: PriorityListSummarySchema,
      access: 'audiences:write',
      tag: 'audiences',
      summary: 'Replace a priority list saved in the UI (file lists are edited in git)',
      errors: [409, 422],
      params: nameParams,
      body: listBody,
      example: EXAMPLE_LIST,
      handler: ({ params, body, principal }) => lists.update(params.name, body, actorOf(principal!)),
    }),
    route({
      method: 'delete',
      path: '/api/priority-lists/:name',
      access: 'audiences:write',
      tag: 'audiences',
      summary: 'Delete a priority list saved in the UI; 409 while syncs read a slot of it unless ?force=true',
      errors: [409],
      params: nameParams,
      query: deleteQuery,
      status: 204,
      async handler({ params, query, principal }) {
        const usedBy = await syncsUsingAudience(ctx, params.name);
        await lists.remove(params.name, actorOf(principal!), usedBy, query.force ?? false);
      },
    }),
    route({
      method: 'get',
      path: '/api/priority-lists/:name/counts',
      response: PriorityListCountsSchema,
      access: 'read',
      tag: 'audiences',
      summary: 'Profiles per slot of a saved priority list (each profile in the first audience of the list that holds it)',
      params: nameParams,
      handler: ({ params }) => lists.counts(params.name),
    }),
  ];
}
