import type { Logger } from 'pino';
import type { LeaseStore } from '../scheduler/index.js';
import type { Warehouse } from '../warehouse/index.js';
import type { CollectedEvent } from './event.js';
import { LANDING_TABLE, Lander } from './landing.js';
import type { Normalized } from './normalize.js';
import { Spool, type SpoolSegment } from './spool.js';
import { CollectStats } from './stats.js';

export interface CollectorOptions {
  spoolDir: string;
  maxSpoolBytes: number;
  maxEvents: number;
  maxAgeMs: number;
  schema: string;
  warehouse: () => Promise<Warehouse>;
  log: Logger;
  /**
   * Leases in the shared state store: services sharing it land into one table one at a time, so
   * a messageId sent to two of them is still stored once.
   */
  leases?: LeaseStore;
}

/** Longer than any landing of one micro-batch takes; a crashed holder's lease lapses after it. */
const LEASE_TTL_MS = 10 * 60_000;
const LEASE_WAIT_MS = 200;

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * Accepted events → fsync'd spool → warehouse. A request is acknowledged once its events are in the
 * spool; a micro-batch lands when it holds `maxEvents` events or is `maxAgeMs` old; a landed
 * segment is deleted only after the warehouse commit. Segments left by a crash land at start.
 * Landing failures are retried with backoff; nothing is dropped.
 */
export class Collector {
  readonly stats = new CollectStats();
  private spool: Spool | null = null;
  private readonly lander: Lander;
  private activeSince: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private landing: Promise<void> | null = null;
  private retryAt = 0;
  private failures = 0;
  private closing = false;

  constructor(private readonly options: CollectorOptions) {
    this.lander = new Lander(options.warehouse, { schema: options.schema, name: LANDING_TABLE });
  }

  get table(): string {
    return `${this.lander.target.schema}.${this.lander.target.name}`;
  }

  /** Opens the spool and lands what a previous run left in it. Idempotent. */
  start(): Spool {
    if (this.spool) return this.spool;
    this.spool = Spool.open(this.options.spoolDir, this.options.maxSpoolBytes);
    const every = Math.max(20, Math.min(1000, this.options.maxAgeMs / 4));
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
    this.lander.ensure().catch((error: unknown) => this.options.log.warn({ err: error }, `collect: cannot create ${this.table} yet; retried at the first landing`));
    if (this.spool.sealed().length) {
      this.options.log.info({ segments: this.spool.sealed().length }, 'collect: landing events spooled before the last stop');
      this.kick();
    }
    return this.spool;
  }

  /** Resolves once the events are durable in the spool (the moment to acknowledge). */
  async accept(events: readonly Normalized[]): Promise<void> {
    if (!events.length) return;
    const spool = this.start();
    await spool.append(events.map((e) => e.line));
    this.activeSince ??= Date.now();
    this.stats.accepted(events.map((e) => e.event));
    if (spool.activeEvents >= this.options.maxEvents) void this.sealAndLand();
  }

  /** Lands everything pending now (tests, shutdown). */
  async flush(): Promise<void> {
    await this.lander.ensure();
    await this.sealAndLand();
    await this.landing;
  }

  /** SIGTERM: lands everything pending (retrying until `timeoutMs`), then releases the spool. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (!this.spool || this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    const deadline = Date.now() + timeoutMs;
    await this.spool.seal();
    this.activeSince = null;
    while (this.spool.sealed().length && Date.now() < deadline) {
      this.retryAt = 0;
      this.kick();
      await this.landing;
      if (this.spool.sealed().length) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, Math.max(0, deadline - Date.now()))));
    }
    if (this.spool.sealed().length) this.options.log.warn({ segments: this.spool.sealed().length }, 'collect: could not land everything before stopping; it lands at the next start');
    else await this.lander.dispose().catch((error: unknown) => this.options.log.warn({ err: error }, 'collect: could not drop the landing scratch table'));
    await this.spool.close();
    this.spool = null;
  }

  private tick(): void {
    if (this.activeSince !== null && Date.now() - this.activeSince >= this.options.maxAgeMs) void this.sealAndLand();
    else if (this.spool?.sealed().length) this.kick();
  }

  private async sealAndLand(): Promise<void> {
    if (!this.spool) return;
    this.activeSince = null;
    await this.spool.seal();
    this.kick();
  }

  private kick(): void {
    if (this.landing || Date.now() < this.retryAt) return;
    this.landing = this.landAll().finally(() => {
      this.landing = null;
    });
  }

  private async landAll(): Promise<void> {
    const spool = this.spool;
    while (spool && spool.sealed().length) {
      const { segments, events } = await this.nextGroup(spool);
      const lease = `collect:${this.table}`;
      try {
        if (this.options.leases && !(await this.takeLease(this.options.leases, lease))) {
          this.retryAt = Date.now() + LEASE_WAIT_MS; // another service is landing: soon again
          return;
        }
        try {
          await this.lander.land(events);
        } finally {
          await this.options.leases?.release(lease);
        }
        await spool.remove(segments);
        this.stats.landed(events);
        this.failures = 0;
      } catch (error) {
        this.failures++;
        const wait = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (this.failures - 1));
        this.retryAt = Date.now() + wait;
        this.options.log.error({ err: error, events: events.length, retryInMs: wait }, 'collect: landing failed; the events stay in the spool and are retried');
        return;
      }
    }
  }

  /** The landing lease; a holder of this host killed while landing (kill -9) does not block it. */
  private async takeLease(leases: LeaseStore, name: string): Promise<boolean> {
    if (await leases.acquire(name, LEASE_TTL_MS)) return true;
    return (await leases.releaseIfDeadLocal(name)) && leases.acquire(name, LEASE_TTL_MS);
  }

  /** The oldest sealed segments, together at most maxEvents events (at least one segment). */
  private async nextGroup(spool: Spool): Promise<{ segments: SpoolSegment[]; events: CollectedEvent[] }> {
    const segments: SpoolSegment[] = [];
    const events: CollectedEvent[] = [];
    for (const segment of spool.sealed()) {
      const lines = await spool.read(segment);
      if (segments.length && events.length + lines.length > this.options.maxEvents) break;
      segments.push(segment);
      for (const line of lines) {
        try {
          events.push(JSON.parse(line) as CollectedEvent);
        } catch {
          // Only a write cut by a crash can be torn, and it was never acknowledged.
          this.options.log.warn({ file: segment.file }, 'collect: skipped a torn spool line');
        }
      }
    }
    return { segments, events };
  }
}
