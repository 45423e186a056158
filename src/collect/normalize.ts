import { randomUUID } from 'node:crypto';
import { Rejected } from './errors.js';
import type { CollectedEvent, EventType } from './event.js';
import { MAX_EVENT_BYTES } from './limits.js';

type Json = Record<string, unknown>;

/** `/v1/t` … `/v1/a`: the one-letter paths analytics.js posts to. */
export const SHORT_PATHS: Readonly<Record<string, EventType>> = { t: 'track', i: 'identify', p: 'page', s: 'screen', g: 'group', a: 'alias' };
const SEGMENT_TYPES = new Set<string>(['track', 'identify', 'page', 'screen', 'group', 'alias']);

export interface Received {
  source: string;
  receivedAt: Date;
}

/** One spooled line per event, ready to append; `bytes` is what the 32 KB limit is checked against. */
export interface Normalized {
  event: CollectedEvent;
  line: string;
}

function invalid(path: string, message: string): Rejected {
  return new Rejected('invalid_event', 400, `${path}: ${message}`, path, 'see the Segment spec: https://segment.com/docs/connections/spec/');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An id as text: clients send user ids as numbers too. */
function idText(message: Json, key: string, path: string): string | null {
  const value = message[key];
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw invalid(`${path}.${key}`, 'must be a string');
}

function text(message: Json, key: string, path: string): string | null {
  const value = message[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(`${path}.${key}`, 'must be a string');
  return value;
}

function time(value: unknown, path: string): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
  if (!date || Number.isNaN(date.getTime())) throw invalid(path, 'must be an ISO-8601 date-time');
  return date;
}

function jsonObject(message: Json, key: string, path: string): Json | null {
  const value = message[key];
  if (value === undefined || value === null) return null;
  if (!isObject(value)) throw invalid(`${path}.${key}`, 'must be an object');
  return value;
}

/**
 * The client's clock corrected by its skew, as Segment does: the time between the client
 * stamping the event and sending it is kept, the client's offset from our clock is removed:
 * timestamp = receivedAt − (sentAt − originalTimestamp).
 */
export function correctedTimestamp(original: Date | null, sentAt: Date | null, receivedAt: Date): Date {
  if (!original) return receivedAt;
  if (!sentAt) return original;
  return new Date(receivedAt.getTime() - (sentAt.getTime() - original.getTime()));
}

/**
 * One Segment-spec message → a landing row, validated as Segment's API does: a user or anonymous
 * id on every call, an event name on track, a group id on group, both ids on alias.
 * `batch` carries a batch's own `sentAt` and `context`, which apply to each of its messages.
 */
export function normalizeMessage(
  message: unknown,
  type: EventType | null,
  path: string,
  received: Received,
  batch: { sentAt?: unknown; context?: unknown } = {},
): Normalized {
  if (!isObject(message)) throw invalid(path, 'must be an object');
  const declared = message.type;
  const kind = type ?? (typeof declared === 'string' ? declared.toLowerCase() : undefined);
  if (!kind || !SEGMENT_TYPES.has(kind)) throw invalid(`${path}.type`, 'must be one of track, identify, page, screen, group, alias');
  const userId = idText(message, 'userId', path);
  const anonymousId = idText(message, 'anonymousId', path);
  if (userId === null && anonymousId === null) throw invalid(path, 'needs a userId or an anonymousId');
  const event = kind === 'track' ? text(message, 'event', path) : null;
  if (kind === 'track' && !event) throw invalid(`${path}.event`, 'a track call needs an event name');
  const groupId = idText(message, 'groupId', path);
  if (kind === 'group' && groupId === null) throw invalid(`${path}.groupId`, 'a group call needs a groupId');
  const previousId = idText(message, 'previousId', path);
  if (kind === 'alias' && (previousId === null || userId === null)) throw invalid(path, 'an alias call needs a previousId and a userId');
  const messageId = idText(message, 'messageId', path) ?? `cdp-${randomUUID()}`;

  const sentAt = time(message.sentAt ?? batch.sentAt, `${path}.sentAt`);
  // RudderStack's SDKs send the client time as originalTimestamp; Segment's as timestamp.
  const original = time(message.timestamp ?? message.originalTimestamp, `${path}.timestamp`);
  const batchContext = isObject(batch.context) ? batch.context : null;
  const ownContext = jsonObject(message, 'context', path);
  const context = batchContext || ownContext ? { ...batchContext, ...ownContext } : null;

  const row: CollectedEvent = {
    message_id: messageId,
    type: kind as EventType,
    event,
    name: kind === 'page' || kind === 'screen' ? text(message, 'name', path) : null,
    anonymous_id: anonymousId,
    user_id: userId,
    group_id: groupId,
    previous_id: previousId,
    timestamp: correctedTimestamp(original, sentAt, received.receivedAt).toISOString(),
    sent_at: sentAt?.toISOString() ?? null,
    received_at: received.receivedAt.toISOString(),
    source: received.source,
    properties: jsonObject(message, 'properties', path),
    traits: jsonObject(message, 'traits', path),
    context,
  };
  const line = JSON.stringify(row);
  if (Buffer.byteLength(line) > MAX_EVENT_BYTES) {
    throw new Rejected('event_too_large', 400, `${path}: the event is larger than 32 KB`, path, 'Segment’s limit is 32 KB an event: send large payloads elsewhere and reference them');
  }
  // Postgres JSONB cannot hold U+0000; refusing it here keeps one event from blocking a landing.
  if (line.includes('\\u0000')) throw invalid(path, 'NUL characters (\\u0000) are not supported in event values');
  return { event: row, line };
}

/** A `/v1/batch` body → its rows; one bad message refuses the whole batch (nothing half-stored). */
export function normalizeBatch(body: Json, received: Received): Normalized[] {
  const batch = body.batch;
  if (!Array.isArray(batch)) throw invalid('body.batch', 'must be an array of messages');
  return batch.map((message, i) => normalizeMessage(message, null, `batch[${i}]`, received, { sentAt: body.sentAt, context: body.context }));
}
