import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { Rejected, type EventType } from '../../collect/index.js';
import { sourceNameSchema } from '../../config/index.js';
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { route, type AnyRouteSpec } from '../routing.js';
import { AnalyticsSettingsSchema } from '../schemas/sources.js';

/** Path → message type, long and short (analytics.js) forms; `batch`/`b`/`import` take a batch. */
const PATHS: ReadonlyArray<readonly [string, EventType | 'batch']> = [
  ['track', 'track'],
  ['identify', 'identify'],
  ['page', 'page'],
  ['screen', 'screen'],
  ['group', 'group'],
  ['alias', 'alias'],
  ['batch', 'batch'],
  ['import', 'batch'],
  ['t', 'track'],
  ['i', 'identify'],
  ['p', 'page'],
  ['s', 'screen'],
  ['g', 'group'],
  ['a', 'alias'],
  ['b', 'batch'],
];

const success = z.object({ success: z.literal(true) });

/** A refusal as an HTTP error (503s carry Retry-After). */
function answer(error: unknown, res: Response): never {
  if (!(error instanceof Rejected)) throw error;
  if (error.retryAfterSeconds) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  const code = error.status === 401 ? 'UNAUTHENTICATED' : error.status === 503 ? 'TOO_MANY_REQUESTS' : error.reason === 'malformed_json' ? 'MALFORMED_JSON' : 'INVALID_INPUT';
  throw new HttpError(error.status, code, error.message, error.path, error.hint);
}

/**
 * The Segment-compatible collection API (docs/collect.md): authenticated by a source's write
 * key, not by session or API token (access `writeKey`).
 */
export function collectRoutes(ctx: ServerContext): AnyRouteSpec[] {
  const ingest = PATHS.map(([path, type]) =>
    route({
      method: 'post',
      path: `/v1/${path}`,
      access: 'writeKey',
      tag: 'collect',
      summary: type === 'batch' ? 'Segment HTTP API: a batch of messages (≤ 500 KB)' : `Segment HTTP API: one ${type} message (≤ 32 KB)`,
      response: success,
      async handler({ req, res }) {
        try {
          return await ctx.collect.ingest(req, type);
        } catch (error) {
          answer(error, res);
        }
      },
    }),
  );
  return [
    ...ingest,
    route({
      method: 'post',
      path: '/v1/webhooks/:sourceName',
      access: 'writeKey',
      tag: 'collect',
      summary: 'Webhook intake: any JSON (an array: one event per element) or CSV (one event per row) as `webhook` events',
      params: z.object({ sourceName: sourceNameSchema }),
      query: z.object({ writeKey: z.string().max(200).optional() }),
      response: success.extend({ events: z.number() }),
      async handler({ params, query, req, res }) {
        try {
          return await ctx.collect.webhook(req, params.sourceName, query.writeKey);
        } catch (error) {
          answer(error, res);
        }
      },
    }),
    route({
      method: 'get',
      path: '/v1/projects/:writeKey/settings',
      response: AnalyticsSettingsSchema,
      access: 'writeKey',
      tag: 'collect',
      summary: 'analytics.js settings for a write key (load @segment/analytics-next with cdnURL pointing here)',
      params: z.object({ writeKey: z.string().max(200) }),
      async handler({ params, req, res }) {
        try {
          return await ctx.collect.settings(params.writeKey, `${req.host}/v1`, req.protocol === 'https' ? 'https' : 'http');
        } catch (error) {
          answer(error, res);
        }
      },
    }),
  ];
}

/**
 * CORS for browsers (analytics.js on the customer's site): any origin, no cookies. Preflights are
 * answered here; everything else goes on to the routes.
 */
export function collectCors(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, Content-Encoding, Idempotency-Key');
  res.setHeader('Access-Control-Max-Age', '86400');
  if (req.method === 'OPTIONS') {
    res.status(204).end();
    return;
  }
  next();
}

/** Unknown /v1 paths: a JSON 404 instead of the web UI. */
export function collectNotFound(req: Request): never {
  // The path is not echoed: it may hold a write key (/v1/projects/<key>/...).
  throw new HttpError(404, 'NOT_FOUND', `no collection route ${req.method} here`, null, 'see docs/collect.md for the collection API');
}
