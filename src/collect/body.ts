import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { Rejected } from './errors.js';
import { MAX_BATCH_BYTES, MAX_READ_BYTES } from './limits.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** What a request body may be at most, decompressed; which limit it is names the 400. */
export interface BodyLimit {
  bytes: number;
  reason: 'event_too_large' | 'batch_too_large';
  what: string;
}

export const BATCH_LIMIT: BodyLimit = { bytes: MAX_BATCH_BYTES, reason: 'batch_too_large', what: 'the batch is larger than 500 KB' };

function tooLarge(limit: BodyLimit): Rejected {
  return new Rejected(limit.reason, 400, limit.what, 'body', limit.reason === 'batch_too_large' ? 'send at most 500 KB a batch (the SDKs split batches themselves)' : 'Segment’s limit is 32 KB an event');
}

/**
 * Reads a request body (gzip or deflate as `Content-Encoding` says; rudder-sdk-node gzips by
 * default) up to `limit.bytes` decompressed. A body over the limit is still drained (so the client
 * reads our 400 instead of a reset), up to MAX_READ_BYTES.
 */
export async function readBody(req: IncomingMessage, limit: BodyLimit): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', 'deflate'].includes(encoding)) {
    await drain(req);
    throw new Rejected('unsupported_encoding', 415, `Content-Encoding ${encoding.slice(0, 20)} is not supported`, 'headers.content-encoding', 'send identity, gzip or deflate');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_READ_BYTES) {
      req.destroy();
      throw tooLarge(limit);
    }
    if (size > limit.bytes) over = true;
    else chunks.push(chunk);
  }
  if (over) throw tooLarge(limit);
  const raw = Buffer.concat(chunks, size);
  if (encoding === 'identity') return raw;
  try {
    const inflateFn = encoding === 'deflate' ? inflateAsync : gunzipAsync;
    return await inflateFn(raw, { maxOutputLength: limit.bytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
    throw new Rejected('malformed_json', 400, `the body is not valid ${encoding} data`, 'body', 'compress the whole JSON body, or send it uncompressed');
  }
}

async function drain(req: IncomingMessage): Promise<void> {
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_READ_BYTES) return void req.destroy();
  }
}

/** The body as a JSON object, whatever Content-Type says (analytics.js posts text/plain to skip CORS preflights). */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Rejected('malformed_json', 400, 'the request body is not valid JSON', 'body', 'send one JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Rejected('invalid_event', 400, 'the request body must be a JSON object', 'body', 'see the Segment spec: https://segment.com/docs/connections/spec/');
  }
  return value as Record<string, unknown>;
}

/** The write key: HTTP Basic username (what the SDKs send) or `writeKey` in the body (analytics.js). */
export function writeKeyOf(req: IncomingMessage, body?: Record<string, unknown>): string | undefined {
  const header = req.headers.authorization;
  if (header && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    if (user) return user;
  }
  const fromBody = body?.writeKey;
  return typeof fromBody === 'string' && fromBody ? fromBody : undefined;
}
