import { z } from 'zod';
import { CdpError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { actorOf } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { SecretEntrySchema } from '../schemas/admin.js';

/** Secrets referenced from sync files as `{secret: <name>}`. `destination:*` names belong to stored destinations. */
const secretName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'lower-case letters, digits, ".", "-" and "_"');
const nameParams = z.object({ name: secretName }).strict();
const valueBody = z.object({ value: z.string().min(1).max(16_384) }).strict();

export function secretRoutes(ctx: ServerContext): AnyRouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/secrets',
      response: z.array(SecretEntrySchema),
      access: 'destinations:write',
      tag: 'secrets',
      summary: 'Names of the stored secrets (never values)',
      async handler() {
        return (await ctx.secrets.names()).filter((name) => !name.startsWith('destination:') && !name.startsWith('collect:')).map((name) => ({ name, set: true }));
      },
    }),
    route({
      method: 'put',
      path: '/api/secrets/:name',
      response: SecretEntrySchema,
      access: 'destinations:write',
      tag: 'secrets',
      summary: 'Set a secret (write-only; stored AES-256-GCM encrypted) for `{secret: name}` references in sync files',
      params: nameParams,
      body: valueBody,
      example: { value: 'sk_live_...' },
      async handler({ params, body, principal }) {
        const existed = await ctx.secrets.has(params.name);
        await ctx.secrets.set(params.name, body.value, principal!.user.email);
        await ctx.audit.record({ actor: actorOf(principal!), action: existed ? 'secret.update' : 'secret.create', resourceType: 'secret', resourceId: params.name });
        return { name: params.name, set: true };
      },
    }),
    route({
      method: 'delete',
      path: '/api/secrets/:name',
      access: 'destinations:write',
      tag: 'secrets',
      summary: 'Delete a secret',
      params: nameParams,
      status: 204,
      async handler({ params, principal }) {
        if (!(await ctx.secrets.has(params.name))) throw new CdpError('NOT_FOUND', `no secret named ${params.name}`, { location: { path: 'params.name' } });
        await ctx.secrets.delete(params.name);
        await ctx.audit.record({ actor: actorOf(principal!), action: 'secret.delete', resourceType: 'secret', resourceId: params.name });
      },
    }),
  ];
}
