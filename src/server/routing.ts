import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { can, type Permission, type Role } from '../auth/index.js';
import { CdpError } from '../errors.js';
import { HttpError, validationError } from './errors.js';
import { checkResponse } from './response-check.js';
import type { Principal } from './principal.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route: anyone, any signed-in user, holders of one permission, or (`writeKey`) an
 * event source presenting its write key (the /v1 collection API): no session or API token, of any
 * role, passes those; the handler authenticates the key and answers 401 without a valid one.
 */
export type Access = Permission | 'public' | 'authenticated' | 'writeKey';

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Null only on public routes called without credentials. */
  principal: Principal | null;
  req: Request;
  res: Response;
}

type Empty = z.ZodObject<Record<string, never>>;

/**
 * One API route: its access rule, its input schemas and a thin handler that calls a service. The
 * same specs register the Express routes, feed the OpenAPI document and drive the role-matrix test.
 */
export interface RouteSpec<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty> {
  method: HttpMethod;
  /** Express path under the app, e.g. `/api/audiences/:name`. */
  path: string;
  access: Access;
  summary: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** A request body the route accepts, shown in the OpenAPI document (checked against `body` by a test). */
  example?: z.input<B>;
  /** Success status (default 200; 204 sends no body). */
  status?: number;
  /**
   * The success body as JSON carries it (dates as ISO strings). Every route that answers with a
   * body declares one: the OpenAPI document and the web UI's generated types are made from it, and
   * with `checkResponses` (on in tests) every answer is checked against it.
   */
  response?: z.ZodType;
  /**
   * The success body's media type when not JSON (`text/csv`): the handler streams it itself on
   * `res`, and `response` then describes the text (a `z.string()`).
   */
  mediaType?: string;
  /** Error statuses the handler itself answers with, beyond those the route table derives (400/401/403/404). */
  errors?: readonly ErrorStatus[];
  /** Other non-error answers, e.g. health's 503 with the same body. */
  alsoAnswers?: Readonly<Record<number, { description: string; schema: z.ZodType }>>;
  handler(input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown> | unknown;
}

/** Documented error statuses (each with the `{error}` body). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 501 | 502 | 503;

/** A spec with its types erased, as stored in the route table. */
export interface AnyRouteSpec {
  method: HttpMethod;
  path: string;
  access: Access;
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  example?: unknown;
  status?: number;
  response?: z.ZodType;
  mediaType?: string;
  errors?: readonly ErrorStatus[];
  alsoAnswers?: Readonly<Record<number, { description: string; schema: z.ZodType }>>;
  handler(input: HandlerInput<unknown, unknown, unknown>): Promise<unknown> | unknown;
}

/** Declares a route with inferred handler input types. */
export function route<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty>(
  spec: RouteSpec<P, Q, B>,
): AnyRouteSpec {
  return spec as unknown as AnyRouteSpec;
}

export interface RouteDeps {
  authenticate(req: Request): Promise<Principal | null>;
  /** Rejects cross-site browser requests that ride on the session cookie. */
  checkOrigin(req: Request, principal: Principal): void;
  /** Check every answer against the route's `response` schema; a mismatch is a 500 (on in tests). */
  checkResponses?: boolean;
}

const SAFE = new Set(['get', 'head', 'options']);

/** Whether a signed-in user of `role` passes an access rule. */
export function roleMayAccess(role: Role, access: Access): boolean {
  if (access === 'writeKey') return false;
  return access === 'public' || access === 'authenticated' || can(role, access);
}

/** Checks the access rule: 401 without credentials, 403 without the permission. */
export function authorize(access: Access, principal: Principal | null): void {
  if (access === 'public' || access === 'writeKey') return;
  if (!principal) {
    throw new CdpError('UNAUTHENTICATED', 'sign in or send an API token', { hint: 'POST /api/auth/login, or send `Authorization: Bearer cdp_...`' });
  }
  if (access === 'authenticated') return;
  if (!can(principal.user.role, access)) {
    throw new CdpError('FORBIDDEN', `the ${principal.user.role} role may not do this (needs ${access})`, { hint: 'ask an admin for a role that allows it' });
  }
}

function parsePart<T>(part: 'body' | 'query' | 'params', schema: z.ZodType<T> | undefined, value: unknown): T {
  if (!schema) return (part === 'body' ? undefined : {}) as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(part, parsed.error);
  return parsed.data;
}

/** Registers specs on a router: authenticate → authorize → validate → handler → JSON. */
export function registerRoutes(router: Router, specs: readonly AnyRouteSpec[], deps: RouteDeps): void {
  for (const spec of specs) {
    router[spec.method](spec.path, async (req: Request, res: Response) => {
      // Write-key routes never look at sessions or API tokens (their Basic header is the write key).
      const principal = spec.access === 'writeKey' ? null : await deps.authenticate(req);
      authorize(spec.access, principal);
      if (principal && !SAFE.has(spec.method)) deps.checkOrigin(req, principal);
      const params = parsePart('params', spec.params, req.params);
      const query = parsePart('query', spec.query, req.query);
      if (spec.body === undefined && !SAFE.has(spec.method) && req.body !== undefined && !isEmptyBody(req.body)) {
        throw new HttpError(400, 'INVALID_INPUT', 'this route takes no request body', 'body');
      }
      const body = parsePart('body', spec.body, req.body ?? {});
      const result = await spec.handler({ params, query, body, principal, req, res });
      if (res.headersSent) return;
      if (deps.checkResponses) checkResponse(spec, result);
      // A handler may pick another status itself (health: 503).
      const status = res.statusCode !== 200 ? res.statusCode : (spec.status ?? 200);
      if (status === 204 || result === undefined) res.status(status === 200 ? 204 : status).end();
      else res.status(status).json(result);
    });
  }
}

/**
 * A wrong method on a path the table has answers 405 with an `Allow` header (after every route,
 * so only methods no route takes get here). OPTIONS is left to Express.
 */
export function registerMethodNotAllowed(router: Router, specs: readonly AnyRouteSpec[]): void {
  const methods = new Map<string, Set<string>>();
  for (const spec of specs) {
    const allowed = methods.get(spec.path) ?? new Set<string>();
    allowed.add(spec.method.toUpperCase());
    if (spec.method === 'get') allowed.add('HEAD');
    methods.set(spec.path, allowed);
  }
  for (const [path, allowed] of methods) {
    const allow = [...allowed].sort().join(', ');
    router.all(path, (req, res, next) => {
      if (req.method === 'OPTIONS') return next();
      res.setHeader('Allow', allow);
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`, null, `use ${allow}`);
    });
  }
}

function isEmptyBody(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
}
