import { z } from 'zod';
import { PERMISSIONS, permissionsOf, ROLES } from '../../auth/index.js';
import { type User } from '../../state/index.js';
import { CdpError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { actorOf, SESSION_COOKIE } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { LoginThrottle } from '../services/login-throttle.js';

const loginSchema = z
  .object({
    email: z.string().trim().toLowerCase().min(3).max(320),
    password: z.string().min(1).max(1024),
  })
  .strict();

export const meSchema = z.object({
  user: z.object({ id: z.number(), email: z.string(), name: z.string().nullable(), role: z.enum(ROLES) }),
  permissions: z.array(z.enum(PERMISSIONS)),
  via: z.enum(['session', 'token']),
}).meta({ id: 'Me' });

function me(user: User, via: 'session' | 'token'): z.infer<typeof meSchema> {
  return { user: { id: user.id, email: user.email, name: user.name, role: user.role }, permissions: permissionsOf(user.role), via };
}

export function authRoutes(ctx: ServerContext): AnyRouteSpec[] {
  // Per (email, address): a delay from the 4th failure, doubling. Per address alone (one address
  // trying many emails): from the 50th. Never per email alone: others' failures must not lock a
  // user out. req.ip is the peer, or with --trust-proxy the address the trusted hops saw.
  const byPair = new LoginThrottle({ freeFailures: 3 });
  const byAddress = new LoginThrottle({ freeFailures: 50 });
  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      access: 'public',
      tag: 'auth',
      summary: 'Sign in with email and password; sets the httpOnly session cookie',
      errors: [429],
      body: loginSchema,
      example: { email: 'jane@example.com', password: 'correct horse battery staple' },
      response: meSchema,
      async handler({ body, req, res }) {
        const address = req.ip ?? '';
        const pair = JSON.stringify([body.email, address]);
        const wait = Math.max(byPair.waitFor(pair), byAddress.waitFor(address));
        if (wait > 0) {
          res.setHeader('Retry-After', String(wait));
          throw new HttpError(429, 'TOO_MANY_REQUESTS', 'too many failed sign-ins', null, `wait ${wait} s and try again`);
        }
        const user = await ctx.users.authenticate(body.email, body.password);
        if (!user) {
          byPair.fail(pair);
          byAddress.fail(address);
          await ctx.audit.record({ actor: { type: 'user', id: null, email: body.email }, action: 'auth.login', resourceType: 'session', outcome: 'error' });
          throw new CdpError('UNAUTHENTICATED', 'wrong email or password', { hint: 'check both, or ask an admin to reset your password' });
        }
        byPair.succeed(pair);
        const session = await ctx.sessions.create(user.id);
        res.cookie(SESSION_COOKIE, session.token, {
          httpOnly: true,
          sameSite: 'lax',
          secure: req.secure,
          path: '/',
          expires: session.expiresAt,
        });
        await ctx.audit.record({ actor: { type: 'user', id: String(user.id), email: user.email }, action: 'auth.login', resourceType: 'session' });
        return me(user, 'session');
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      access: 'authenticated',
      tag: 'auth',
      summary: 'End the current session and clear its cookie',
      status: 204,
      async handler({ principal, req, res }) {
        if (principal?.sessionToken) await ctx.sessions.destroy(principal.sessionToken);
        res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/' });
        if (principal) await ctx.audit.record({ actor: actorOf(principal), action: 'auth.logout', resourceType: 'session' });
      },
    }),
    route({
      method: 'get',
      path: '/api/auth/me',
      access: 'authenticated',
      tag: 'auth',
      summary: 'The signed-in user, their role and permissions (for the UI to hide what it may not do)',
      response: meSchema,
      handler: ({ principal }) => me(principal!.user, principal!.via),
    }),
  ];
}
