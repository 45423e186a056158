import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import type { Project } from '../project/index.js';
import type { LeaseStore } from '../scheduler/index.js';
import type { SecretStore } from '../state/index.js';
import { BATCH_LIMIT, parseJsonObject, readBody, writeKeyOf, type BodyLimit } from './body.js';
import { Collector } from './collector.js';
import { parseCsv } from './csv.js';
import { Rejected } from './errors.js';
import type { CollectedEvent, EventType } from './event.js';
import { WriteKeys } from './keys.js';
import { MAX_EVENT_BYTES } from './limits.js';
import { normalizeBatch, normalizeMessage, type Normalized } from './normalize.js';
import { analyticsJsSettings } from './settings.js';

const EVENT_LIMIT: BodyLimit = { bytes: MAX_EVENT_BYTES, reason: 'event_too_large', what: 'the event is larger than 32 KB' };

/**
 * The collection service behind the `/v1` routes: authenticates by write key, validates as
 * Segment's HTTP API does, and acknowledges once the events are in the spool. Knows requests only
 * as Node streams; answers are plain values or a thrown `Rejected`.
 */
export class CollectService {
  readonly keys: WriteKeys;
  readonly collector: Collector;

  constructor(project: Project, secrets: SecretStore, log: Logger, env: NodeJS.ProcessEnv = process.env, leases?: LeaseStore) {
    const config = project.config.collect;
    this.keys = new WriteKeys(config, secrets, env);
    const dir = config?.spool.dir ?? '.cdp/spool';
    this.collector = new Collector({
      spoolDir: isAbsolute(dir) ? dir : join(project.dir, dir),
      maxSpoolBytes: config?.spool.maxBytes ?? 1024 * 1024 * 1024,
      maxEvents: config?.batch.maxEvents ?? 10_000,
      maxAgeMs: (config?.batch.maxAgeSeconds ?? 10) * 1000,
      schema: project.schema,
      warehouse: () => project.warehouse(),
      log,
      ...(leases ? { leases } : {}),
    });
  }

  get stats() {
    return this.collector.stats;
  }

  /** `/v1/<type>` (one message) or `/v1/batch`. */
  ingest(req: IncomingMessage, type: EventType | 'batch'): Promise<{ success: true }> {
    return this.counted(async () => {
      const body = await readBody(req, type === 'batch' ? BATCH_LIMIT : EVENT_LIMIT);
      const source = await this.authenticate(req, body);
      const json = parseJsonObject(body);
      const received = { source, receivedAt: new Date() };
      const events = type === 'batch' ? normalizeBatch(json, received) : [normalizeMessage(json, type, 'body', received)];
      await this.collector.accept(events);
      return { success: true as const };
    });
  }

  /** `POST /v1/webhooks/<source>`: any JSON (an array: one event per element) or a CSV upload (one per row). */
  webhook(req: IncomingMessage, sourceName: string, queryKey: string | undefined): Promise<{ success: true; events: number }> {
    return this.counted(async () => {
      const body = await readBody(req, BATCH_LIMIT);
      const key = writeKeyOf(req) ?? queryKey;
      if ((await this.keys.sourceOf(key)) !== sourceName) throw unauthorized();
      const receivedAt = new Date();
      const csv = /^text\/csv\b/i.test(String(req.headers['content-type'] ?? ''));
      const payloads: unknown[] = csv ? parseCsv(body.toString('utf8')) : webhookJson(body);
      const idempotency = req.headers['idempotency-key'] ?? req.headers['x-message-id'];
      const baseId = typeof idempotency === 'string' && idempotency ? idempotency.slice(0, 200) : null;
      const events = payloads.map((payload, i) => webhookEvent(payload, sourceName, receivedAt, baseId ? (payloads.length > 1 ? `${baseId}:${i}` : baseId) : `cdp-${randomUUID()}`, i));
      await this.collector.accept(events);
      return { success: true as const, events: events.length };
    });
  }

  /** analytics.js settings for a write key; 401 for a key no source has. */
  async settings(writeKey: string, apiBase: string, protocol: 'http' | 'https'): Promise<Record<string, unknown>> {
    return this.counted(async () => {
      if (!(await this.keys.sourceOf(writeKey))) throw unauthorized();
      return analyticsJsSettings(writeKey, apiBase, protocol);
    });
  }

  /** Lands everything pending (retrying for up to `timeoutMs`) and releases the spool (SIGTERM). */
  close(timeoutMs?: number): Promise<void> {
    return this.collector.close(timeoutMs);
  }

  private async authenticate(req: IncomingMessage, body: Buffer): Promise<string> {
    const header = writeKeyOf(req);
    let key = header;
    if (key === undefined) {
      // analytics.js sends the key in the body; a body we cannot read names no key.
      try {
        key = writeKeyOf(req, parseJsonObject(body));
      } catch {
        key = undefined;
      }
    }
    const source = await this.keys.sourceOf(key);
    if (!source) throw unauthorized();
    return source;
  }

  private async counted<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof Rejected) this.stats.rejected(error.reason, error.status, error.message);
      throw error;
    }
  }
}

function unauthorized(): Rejected {
  return new Rejected('unauthorized', 401, 'missing or unknown write key', null, 'send the source’s write key as the HTTP Basic username (or `writeKey` in the body)');
}

function webhookJson(body: Buffer): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Rejected('malformed_json', 400, 'the request body is not valid JSON', 'body', 'send JSON, or CSV with Content-Type: text/csv');
  }
  return Array.isArray(value) ? value : [value];
}

function webhookEvent(payload: unknown, source: string, receivedAt: Date, messageId: string, index: number): Normalized {
  const properties = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? payload : { value: payload };
  const event: CollectedEvent = {
    message_id: messageId,
    type: 'webhook',
    event: null,
    name: null,
    anonymous_id: null,
    user_id: null,
    group_id: null,
    previous_id: null,
    timestamp: receivedAt.toISOString(),
    sent_at: null,
    received_at: receivedAt.toISOString(),
    source,
    properties,
    traits: null,
    context: null,
  };
  const line = JSON.stringify(event);
  if (Buffer.byteLength(line) > MAX_EVENT_BYTES) throw new Rejected('event_too_large', 400, `body[${index}]: the event is larger than 32 KB`, `body[${index}]`, 'send smaller payloads');
  if (line.includes('\\u0000')) throw new Rejected('invalid_event', 400, `body[${index}]: NUL characters (\\u0000) are not supported`, `body[${index}]`);
  return { event, line };
}
