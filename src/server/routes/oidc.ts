import type { Request, Response } from 'express';
import { z } from 'zod';
import type { ServerContext } from '../context.js';
import { readCookie, SESSION_COOKIE } from '../principal.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { OIDC_CALLBACK_PATH, OIDC_COOKIE, safeReturnTo, SsoRefusal, type SsoFailure } from '../services/oidc.js';

const LOGIN_PATH = '/api/auth/oidc/login';

export const providersSchema = z.object({
  password: z.literal(true),
  oidc: z.object({ name: z.string(), loginUrl: z.string() }).nullable(),
});

/** Every way a browser sign-in ends is a redirect: back into the UI, or to the login page with a reason it explains. */
function toLoginPage(res: Response, reason: SsoFailure): void {
  res.redirect(303, `/login?sso_error=${reason}`);
}

function cookieOptions(req: Request) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: req.secure, path: '/api/auth/oidc' };
}

/**
 * Single sign-on with OpenID Connect. The login and callback routes are public by nature (the
 * person is not signed in yet) and answer browsers with redirects; state, nonce and the PKCE
 * verifier travel in an encrypted httpOnly cookie scoped to these routes.
 */
export function oidcRoutes(ctx: ServerContext): AnyRouteSpec[] {
  async function refuse(res: Response, refusal: SsoRefusal, req: Request): Promise<void> {
    ctx.log.warn({ reason: refusal.reason, detail: refusal.message }, 'sso sign-in refused');
    await ctx.audit.record({
      actor: { type: 'user', id: null, email: null },
      action: 'auth.login',
      resourceType: 'session',
      outcome: 'error',
      details: { method: 'oidc', reason: refusal.reason, message: refusal.message },
    });
    res.clearCookie(OIDC_COOKIE, cookieOptions(req));
    toLoginPage(res, refusal.reason);
  }

  return [
    route({
      method: 'get',
      path: '/api/auth/providers',
      access: 'public',
      tag: 'auth',
      summary: 'How one may sign in: password, and single sign-on when configured (the login page shows its button)',
      response: providersSchema,
      handler: () => ({ password: true as const, oidc: ctx.oidc ? { name: ctx.oidc.name, loginUrl: LOGIN_PATH } : null }),
    }),
    route({
      method: 'get',
      path: LOGIN_PATH,
      access: 'public',
      tag: 'auth',
      summary: 'Start an OpenID Connect sign-in: redirects the browser to the identity provider (authorization code + PKCE)',
      query: z.object({ returnTo: z.string().max(2000).optional() }),
      status: 303,
      async handler({ query, req, res }) {
        if (!ctx.oidc) return toLoginPage(res, 'not_configured');
        try {
          const { url, cookie } = await ctx.oidc.begin(`${req.protocol}://${req.host}`, safeReturnTo(query.returnTo));
          res.cookie(OIDC_COOKIE, cookie, { ...cookieOptions(req), maxAge: 10 * 60 * 1000 });
          res.redirect(303, url.href);
        } catch (error) {
          if (error instanceof SsoRefusal) return refuse(res, error, req);
          throw error;
        }
      },
    }),
    route({
      method: 'get',
      path: OIDC_CALLBACK_PATH,
      access: 'public',
      tag: 'auth',
      summary: 'Where the identity provider sends the browser back: checks state, nonce and PKCE, maps the role, starts a session',
      // Named for the API document; openid-client reads and checks them (and any others the provider adds) itself.
      query: z.looseObject({
        code: z.string().optional(),
        state: z.string().optional(),
        iss: z.string().optional(),
        error: z.string().optional(),
        error_description: z.string().optional(),
      }),
      status: 303,
      async handler({ req, res }) {
        if (!ctx.oidc) return toLoginPage(res, 'not_configured');
        try {
          const query = new URL(req.originalUrl, 'http://callback').searchParams;
          const { user, returnTo } = await ctx.oidc.complete(query, readCookie(req, OIDC_COOKIE));
          const session = await ctx.sessions.create(user.id);
          res.clearCookie(OIDC_COOKIE, cookieOptions(req));
          res.cookie(SESSION_COOKIE, session.token, { httpOnly: true, sameSite: 'lax', secure: req.secure, path: '/', expires: session.expiresAt });
          await ctx.audit.record({
            actor: { type: 'user', id: String(user.id), email: user.email },
            action: 'auth.login',
            resourceType: 'session',
            details: { method: 'oidc', role: user.role },
          });
          res.redirect(303, returnTo);
        } catch (error) {
          if (error instanceof SsoRefusal) return refuse(res, error, req);
          throw error;
        }
      },
    }),
  ];
}
