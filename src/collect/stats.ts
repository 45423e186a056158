import type { RejectReason } from './errors.js';
import type { CollectedEvent } from './event.js';

const MINUTES = 60;
const LAST_EVENTS = 50;
const LATENCY_SAMPLES = 10_000;

export interface Rejection {
  reason: RejectReason;
  status: number;
  count: number;
  lastAt: string;
  lastMessage: string;
}

/**
 * What the Sources page shows, kept in memory by this process: events per minute (last hour) per
 * source, the last events with their payload (the live debugger), rejections by reason, and how
 * long accepted events waited for their warehouse commit.
 */
export class CollectStats {
  private readonly perMinute = new Map<string, Map<number, number>>();
  private readonly last: CollectedEvent[] = [];
  private readonly rejections = new Map<RejectReason, Rejection>();
  private readonly latencies: number[] = [];
  private landedTotal = 0;
  private acceptedTotal = 0;

  accepted(events: readonly CollectedEvent[], now = Date.now()): void {
    const minute = Math.floor(now / 60_000);
    for (const event of events) {
      let buckets = this.perMinute.get(event.source);
      if (!buckets) this.perMinute.set(event.source, (buckets = new Map()));
      buckets.set(minute, (buckets.get(minute) ?? 0) + 1);
      for (const old of buckets.keys()) if (old <= minute - MINUTES) buckets.delete(old);
    }
    this.acceptedTotal += events.length;
    this.last.push(...events.slice(-LAST_EVENTS));
    if (this.last.length > LAST_EVENTS) this.last.splice(0, this.last.length - LAST_EVENTS);
  }

  rejected(reason: RejectReason, status: number, message: string, now = Date.now()): void {
    const entry = this.rejections.get(reason) ?? { reason, status, count: 0, lastAt: '', lastMessage: '' };
    entry.count++;
    entry.status = status;
    entry.lastAt = new Date(now).toISOString();
    entry.lastMessage = message;
    this.rejections.set(reason, entry);
  }

  landed(events: readonly CollectedEvent[], now = Date.now()): void {
    this.landedTotal += events.length;
    for (const event of events) {
      const ms = now - Date.parse(event.received_at);
      if (this.latencies.length < LATENCY_SAMPLES) this.latencies.push(ms);
      else this.latencies[Math.floor(Math.random() * LATENCY_SAMPLES)] = ms;
    }
  }

  /** Events per minute of one source over the last hour, oldest minute first. */
  eventsPerMinute(source: string, now = Date.now()): number[] {
    const minute = Math.floor(now / 60_000);
    const buckets = this.perMinute.get(source);
    return Array.from({ length: MINUTES }, (_, i) => buckets?.get(minute - MINUTES + 1 + i) ?? 0);
  }

  lastEvents(source?: string): CollectedEvent[] {
    return this.last.filter((e) => source === undefined || e.source === source).reverse();
  }

  rejectionList(): Rejection[] {
    return [...this.rejections.values()].sort((a, b) => b.count - a.count);
  }

  totals(): { accepted: number; landed: number; landingLatencyP99Ms: number | null } {
    return { accepted: this.acceptedTotal, landed: this.landedTotal, landingLatencyP99Ms: percentile(this.latencies, 0.99) };
  }
}

export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}
