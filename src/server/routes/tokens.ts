import { z } from 'zod';
import { CdpError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { idParams } from './users.js';
import { ApiTokenSchema, CreatedTokenSchema } from '../schemas/admin.js';

const tokenCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    /** Whose token (acts with that user's role); default: the caller. */
    userId: z.number().int().positive().optional(),
    /** Days until it stops working; default: never. */
    expiresInDays: z.number().int().positive().max(3650).optional(),
  })
  .strict();

const tokenQuery = z.object({ userId: z.coerce.number().int().positive().optional() }).strict();

export function tokenRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/tokens',
      response: z.array(ApiTokenSchema),
      access: 'users:manage',
      tag: 'tokens',
      summary: 'List API tokens (never their values)',
      query: tokenQuery,
      handler: ({ query }) => ctx.tokens.list(query.userId),
    }),
    route({
      method: 'post',
      path: '/api/tokens',
      response: CreatedTokenSchema,
      access: 'users:manage',
      tag: 'tokens',
      summary: 'Create an API token; the response is the only time its value is shown',
      errors: [404],
      body: tokenCreateSchema,
      example: { name: 'CI', expiresInDays: 90 },
      status: 201,
      async handler({ body, principal }) {
        const userId = body.userId ?? principal!.user.id;
        const owner = await ctx.users.get(userId);
        if (!owner) throw new CdpError('NOT_FOUND', `no user with id ${userId}`, { location: { path: 'body.userId' } });
        const expiresAt = body.expiresInDays ? new Date(Date.now() + body.expiresInDays * 86_400_000) : null;
        const created = await ctx.tokens.create(userId, body.name, expiresAt);
        await ctx.audit.record({
          actor: actorOf(principal!),
          action: 'token.create',
          resourceType: 'token',
          resourceId: String(created.record.id),
          details: { name: body.name, userId, prefix: created.record.prefix },
        });
        return { token: created.token, ...created.record, role: owner.role };
      },
    }),
    route({
      method: 'delete',
      path: '/api/tokens/:id',
      access: 'users:manage',
      tag: 'tokens',
      summary: 'Revoke an API token',
      params: idParams,
      status: 204,
      async handler({ params, principal }) {
        const removed = await ctx.tokens.remove(params.id);
        await ctx.audit.record({ actor: actorOf(principal!), action: 'token.delete', resourceType: 'token', resourceId: String(params.id), details: { name: removed.name, userId: removed.userId } });
      },
    }),
  ];
}
