import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { destinationCreateSchema, destinationNameSchema, destinationUpdateSchema } from '../services/destinations.js';
import { ConnectionTestSchema, DestinationTypeSchema, DestinationUpdatedSchema, DestinationViewSchema } from '../schemas/destinations.js';

const nameParams = z.object({ name: destinationNameSchema }).strict();

export function destinationRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const destinations = ctx.destinations;
  return [
    route({
      method: 'get',
      path: '/api/destination-types',
      response: z.array(DestinationTypeSchema),
      access: 'read',
      tag: 'destinations',
      summary: 'Destination types from the registry: display name, docs page, modes, secret and target fields, field catalogue and the JSON schema of their config',
      handler: () => destinations.types(),
    }),
    route({ method: 'get', path: '/api/destinations', response: z.array(DestinationViewSchema), access: 'read', tag: 'destinations', summary: 'List destinations (secrets show as {"set": true})', handler: () => destinations.list() }),
    route({
      method: 'post',
      path: '/api/destinations',
      response: DestinationViewSchema,
      access: 'destinations:write',
      tag: 'destinations',
      summary: 'Create a destination; credentials go in `secrets` (write-only, stored encrypted)',
      errors: [409, 422],
      body: destinationCreateSchema,
      example: { name: 'crm_hook', type: 'webhook', config: { url: 'https://hooks.example.com/cdp' }, secrets: {} },
      status: 201,
      handler: ({ body, principal }) => destinations.create(body, actorOf(principal!)),
    }),
    route({
      method: 'get',
      path: '/api/destinations/:name',
      response: DestinationViewSchema,
      access: 'read',
      tag: 'destinations',
      summary: 'One destination (secrets show as {"set": true})',
      params: nameParams,
      handler: ({ params }) => destinations.get(params.name),
    }),
    route({
      method: 'put',
      path: '/api/destinations/:name',
      response: DestinationUpdatedSchema,
      access: 'destinations:write',
      tag: 'destinations',
      summary: 'Replace a destination’s config; send {"set": true} for a secret field to keep it, or a new value in `secrets`. Changing a target field (URL, path) or the type clears the stored secrets unless sent again (`secretsCleared`)',
      errors: [422],
      params: nameParams,
      body: destinationUpdateSchema,
      example: { config: { url: 'https://hooks.example.com/cdp-v2' } },
      handler: ({ params, body, principal }) => destinations.update(params.name, body, actorOf(principal!)),
    }),
    route({
      method: 'delete',
      path: '/api/destinations/:name',
      access: 'destinations:write',
      tag: 'destinations',
      summary: 'Delete a destination and its stored secrets',
      errors: [409],
      params: nameParams,
      status: 204,
      handler: ({ params, principal }) => destinations.remove(params.name, actorOf(principal!)),
    }),
    route({
      method: 'post',
      path: '/api/destinations/:name/test',
      response: ConnectionTestSchema,
      access: 'destinations:write',
      tag: 'destinations',
      summary: 'Test the connection with the stored credentials: {ok, message}',
      params: nameParams,
      handler: ({ params, principal }) => destinations.test(params.name, actorOf(principal!)),
    }),
  ];
}
