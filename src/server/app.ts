import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { CdpError } from '../errors.js';
import type { Project } from '../project/index.js';
import { createContext, type ContextOptions, type ServerContext } from './context.js';
import { HttpError, toApiError } from './errors.js';
import { checkRequestInput } from './input.js';
import { buildOpenApi, openApiDocumentSchema } from './openapi.js';
import { readBearer, readCookie, SESSION_COOKIE, type Principal } from './principal.js';
import { jsonReplacer } from './response-check.js';
import { registerMethodNotAllowed, registerRoutes, route, type AnyRouteSpec } from './routing.js';
import { allRoutes } from './routes/index.js';
import { collectCors, collectNotFound } from './routes/collect.js';

export interface AppOptions extends ContextOptions {
  /** A context built already (cdp serve shares one between the app and the scheduler). */
  context?: ServerContext;
  /** Largest JSON body accepted (default '1mb'); larger → 413 PAYLOAD_TOO_LARGE. */
  bodyLimit?: string;
  /**
   * Behind a TLS-terminating proxy: how many proxy hops to trust for X-Forwarded-For/-Proto (true
   * is one hop; a string is Express's list of trusted addresses). Never "trust all": the client
   * address sign-in throttling keys on would be whatever the client wrote in X-Forwarded-For.
   */
  trustProxy?: boolean | number | string;
  /** Built web UI to serve (default: the package's web/dist when it exists); null: none. */
  webDir?: string | null;
  version?: string;
  /** Check every answer against its route's response schema (default: CDP_CHECK_RESPONSES=1, set by the test suite). */
  checkResponses?: boolean;
}

/**
 * The UI is served from this origin only: its scripts, styles and API calls; images also as data:
 * URLs (the favicon). No inline scripts, no framing, no plugins, forms post here only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const apps = new WeakMap<Express, { routes: readonly AnyRouteSpec[]; context: ServerContext }>();

/** The route specs an app registered (access rule, schemas): what the OpenAPI document and the role-matrix test walk. */
export function routeTable(app: Express): readonly AnyRouteSpec[] {
  const entry = apps.get(app);
  if (!entry) throw new Error('not an app made by createApp');
  return entry.routes;
}

export function appContext(app: Express): ServerContext {
  const entry = apps.get(app);
  if (!entry) throw new Error('not an app made by createApp');
  return entry.context;
}

export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * The service's Express app: JSON REST API under /api (thin routes → services), auth, errors as
 * `{error: {code, message, path}}`, the OpenAPI document, and the built web UI with SPA fallback.
 */
export async function createApp(project: Project, options: AppOptions = {}): Promise<Express> {
  const ctx = options.context ?? (await createContext(project, options));
  const version = options.version ?? '0.1.0';
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy === true ? 1 : (options.trustProxy ?? false));
  app.set('json replacer', jsonReplacer);

  const principals = new WeakMap<Request, Principal | null>();
  async function authenticate(req: Request): Promise<Principal | null> {
    if (principals.has(req)) return principals.get(req)!;
    const principal = await resolvePrincipal(ctx, req);
    principals.set(req, principal);
    return principal;
  }

  app.use((req, res, next) => {
    const started = performance.now();
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    if (req.path.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
    res.on('finish', () => {
      // The route pattern, never the URL: query strings carry identifiers (emails) on profile lookups.
      const principal = principals.get(req);
      ctx.log.info(
        {
          method: req.method,
          route: (req.route as { path?: string } | undefined)?.path ?? (req.path.startsWith('/api') ? '(no route)' : '(static)'),
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ...(principal ? { userId: principal.user.id, via: principal.via } : {}),
        },
        'http request',
      );
    });
    next();
  });
  app.use('/api', express.json({ limit: options.bodyLimit ?? '1mb', strict: true }));
  app.use('/api', checkRequestInput);

  app.use('/v1', collectCors);
  const router = express.Router();
  const specs: AnyRouteSpec[] = [...allRoutes(ctx, version)];
  specs.push(
    route({
      method: 'get',
      path: '/api/openapi.json',
      access: 'public',
      tag: 'service',
      summary: 'This API’s OpenAPI 3.1 document',
      response: openApiDocumentSchema,
      handler: () => openapi,
    }),
  );
  const openapi = buildOpenApi(specs, version);
  const checkResponses = options.checkResponses ?? process.env.CDP_CHECK_RESPONSES === '1';
  registerRoutes(router, specs, { authenticate, checkOrigin, checkResponses });
  registerMethodNotAllowed(router, specs);
  app.use(router);

  app.use('/v1', collectNotFound);
  app.use('/api', (req) => {
    throw new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.baseUrl}${req.path}`, null, 'GET /api/openapi.json lists the routes');
  });
  serveWeb(app, options.webDir === undefined ? DEFAULT_WEB_DIR : options.webDir);
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const mapped = toApiError(bodyParserError(error) ?? error);
    if (mapped.internal) {
      const detail = error instanceof CdpError ? { code: error.code, message: error.message } : { err: error };
      ctx.log.error({ ...detail, method: req.method, route: (req.route as { path?: string } | undefined)?.path }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(mapped.status).json(mapped.body);
  });

  apps.set(app, { routes: specs, context: ctx });
  return app;
}

/** Maps body-parser failures (thrown before any route) to API errors. */
function bodyParserError(error: unknown): HttpError | undefined {
  if (typeof error !== 'object' || error === null || error instanceof HttpError || error instanceof CdpError) return undefined;
  const { type, status } = error as { type?: unknown; status?: unknown };
  const clientError = typeof status === 'number' && status >= 400 && status < 500;
  // Without a type, body-parser passes on the decompressor's failure (zlib's Z_DATA_ERROR, brotli's
  // ERR__ERROR_FORMAT_*) with status 400: the body does not decode as its Content-Encoding says.
  if (type === undefined) {
    return clientError
      ? new HttpError(400, 'INVALID_INPUT', 'the request body does not decode as its Content-Encoding says', 'body', 'send the body as it is, or compressed as the header says')
      : undefined;
  }
  switch (type) {
    case 'entity.too.large':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large', 'body', 'send a smaller body');
    case 'entity.parse.failed':
      return new HttpError(400, 'MALFORMED_JSON', 'the request body is not valid JSON', 'body', 'send a JSON object with Content-Type: application/json');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'INVALID_INPUT', 'unsupported body encoding', 'body', 'send UTF-8 JSON');
    default:
      return clientError ? new HttpError(status, 'INVALID_INPUT', 'the request body could not be read', 'body') : undefined;
  }
}

async function resolvePrincipal(ctx: ServerContext, req: Request): Promise<Principal | null> {
  const bearer = readBearer(req);
  if (bearer !== undefined || req.headers.authorization !== undefined) {
    // A presented but bad credential is a 401, never a silent fallback to the cookie.
    if (!bearer) return null;
    const token = await ctx.tokens.resolve(bearer);
    if (!token) return null;
    const user = await ctx.users.get(token.userId);
    if (!user || user.disabled) return null;
    return { user, via: 'token', tokenId: token.id, sessionToken: null };
  }
  const sessionToken = readCookie(req, SESSION_COOKIE);
  if (!sessionToken) return null;
  const userId = await ctx.sessions.resolve(sessionToken);
  if (userId === undefined) return null;
  const user = await ctx.users.get(userId);
  if (!user || user.disabled) return null;
  return { user, via: 'session', tokenId: null, sessionToken };
}

/**
 * Cookie-authenticated writes must come from this site: SameSite=Lax already keeps the cookie off
 * cross-site POSTs; this refuses what still gets through (older browsers, same-site subdomains).
 */
function checkOrigin(req: Request, principal: Principal): void {
  if (principal.via !== 'session') return;
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    throw new CdpError('FORBIDDEN', 'cross-site request refused', { hint: 'call the API from the CDP web UI, or use an API token' });
  }
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new CdpError('FORBIDDEN', 'cross-site request refused', { hint: 'bad Origin header' });
  }
  // req.host is the Host header (X-Forwarded-Host behind a trusted proxy), with its port.
  if (host !== req.host) {
    throw new CdpError('FORBIDDEN', 'cross-site request refused', { hint: 'call the API from the CDP web UI, or use an API token' });
  }
}

/** Serves the built UI; every other non-API GET gets index.html so client-side routes load. */
function serveWeb(app: Express, webDir: string | null): void {
  const index = webDir ? join(webDir, 'index.html') : null;
  if (!webDir || !index || !existsSync(index)) {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('CDP service. The web UI is not built (npm run build); the API is under /api (see /api/openapi.json).\n');
    });
    return;
  }
  app.use(express.static(webDir, { index: false, maxAge: '1h', setHeaders: (res, path) => path.endsWith('.html') && res.setHeader('Cache-Control', 'no-cache') }));
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
