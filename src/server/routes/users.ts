import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { UserService, userCreateSchema, userUpdateSchema } from '../services/users.js';
import { UserSchema } from '../schemas/admin.js';

export const idParams = z.object({ id: z.coerce.number().int().positive() }).strict();

export function userRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const users = new UserService(ctx);
  return [
    route({ method: 'get', path: '/api/users', response: z.array(UserSchema), access: 'users:manage', tag: 'users', summary: 'List users', handler: () => users.list() }),
    route({
      method: 'post',
      path: '/api/users',
      response: UserSchema,
      access: 'users:manage',
      tag: 'users',
      summary: 'Create a user (password optional: token-only users)',
      errors: [409],
      body: userCreateSchema,
      example: { email: 'sam@example.com', role: 'marketer', name: 'Sam Lee', password: 'a long passphrase' },
      status: 201,
      handler: ({ body, principal }) => users.create(body, actorOf(principal!)),
    }),
    route({
      method: 'get',
      path: '/api/users/:id',
      response: UserSchema,
      access: 'users:manage',
      tag: 'users',
      summary: 'One user',
      params: idParams,
      handler: ({ params }) => users.get(params.id),
    }),
    route({
      method: 'patch',
      path: '/api/users/:id',
      response: UserSchema,
      access: 'users:manage',
      tag: 'users',
      summary: 'Change role, name, password or disabled (ends the user’s sessions on role/password/disable)',
      errors: [409],
      params: idParams,
      body: userUpdateSchema,
      example: { role: 'editor' },
      handler: ({ params, body, principal }) => users.update(params.id, body, actorOf(principal!)),
    }),
    route({
      method: 'delete',
      path: '/api/users/:id',
      access: 'users:manage',
      tag: 'users',
      summary: 'Delete a user with their sessions and API tokens',
      errors: [409],
      params: idParams,
      status: 204,
      handler: ({ params, principal }) => users.remove(params.id, actorOf(principal!)),
    }),
  ];
}
