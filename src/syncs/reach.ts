import type { DeliveryReport } from '../destinations/index.js';
import type { RunCounts, RunReach } from '../state/index.js';

export type { RunReach };


/** Adds up a run's vendor reports. */
export class ReachTally {
  private received: number | null = null;
  private invalid: number | null = null;
  private matched: number | null = null;
  private audienceSize: number | null = null;

  add(report: DeliveryReport): void {
    const sum = (a: number | null, b: number | undefined) => (b === undefined || !Number.isFinite(b) ? a : (a ?? 0) + b);
    this.received = sum(this.received, report.received);
    this.invalid = sum(this.invalid, report.invalid);
    this.matched = sum(this.matched, report.matched);
    if (report.audienceSize !== undefined && Number.isFinite(report.audienceSize)) this.audienceSize = report.audienceSize;
  }

  /** The run's reach; the per-row results stand in where the vendor gave no counts. */
  summary(counts: RunCounts): RunReach {
    const { received, invalid, matched, audienceSize } = this;
    if (received !== null && received > 0) {
      const accepted = matched ?? received - (invalid ?? 0);
      return { source: 'vendor', received, invalid, matched, audienceSize, matchRate: Math.max(0, Math.min(1, accepted / received)) };
    }
    const done = counts.ok + counts.rejected;
    return { source: audienceSize === null ? 'rows' : 'vendor', received, invalid, matched, audienceSize, matchRate: done > 0 ? counts.ok / done : null };
  }
}

/** "96.2% matched", "96.2% accepted" (vendor counts), "99.8% delivered" (per-row results), "size 12,345" — one cell of `cdp sync status`. */
export function reachLine(reach: RunReach | null): string {
  if (!reach) return '-';
  const parts: string[] = [];
  const word = reach.matched !== null ? 'matched' : reach.source === 'vendor' ? 'accepted' : 'delivered';
  if (reach.matchRate !== null) parts.push(`${(reach.matchRate * 100).toFixed(1)}% ${word}`);
  if (reach.audienceSize !== null) parts.push(`size ${reach.audienceSize.toLocaleString('en-US')}`);
  return parts.join(', ') || '-';
}
