import type { AlertRule, AlertsConfig } from '../../config/index.js';
import type { SyncRunRecord } from '../../state/index.js';
import type { AlertSubject } from './ledger.js';

/** A rule as checks use it: from the config, or (with `id`, its name) made over the API. */
export type ActiveRule = AlertRule & { id?: string };

/** What a check found for one rule: firing (with what makes it this alert), or resolved. */
export type AlertSignal =
  | { subject: AlertSubject; rule: ActiveRule; state: 'firing'; fingerprint: string; title: string; detail: string }
  | { subject: AlertSubject; rule: ActiveRule; state: 'resolved'; title: string; detail: string; quiet?: boolean };

const subjectOf = <K extends AlertSubject['kind']>(kind: K, sync: string, rule: ActiveRule): AlertSubject & { kind: K } => ({ kind, sync, ...(rule.id ? { rule: rule.id } : {}) });

/** The rules of one sync: the workspace's, where the sync's own rule of the same kind replaces it. */
export function rulesFor(config: AlertsConfig, sync: string): AlertRule[] {
  const own = config.syncs[sync] ?? [];
  const overridden = new Set(own.map((rule) => rule.on));
  return [...config.rules.filter((rule) => !overridden.has(rule.on)), ...own];
}

const pct = (share: number): string => `${share.toFixed(share < 10 ? 1 : 0)}%`;

/** Share (%) of a run's planned rows that were not delivered. */
export function undeliveredShare(run: SyncRunRecord): number {
  const missed = run.counts.rejected + run.counts.retryable;
  return run.counts.planned > 0 ? (missed / run.counts.planned) * 100 : 0;
}

/** The most frequent row error of a run: what a partial alert is "about". */
function topReason(run: SyncRunRecord): string {
  const counts = new Map<string, number>();
  for (const e of run.firstErrors) counts.set(e.error, (counts.get(e.error) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** Failure and partial rules after a run ended. */
export function runSignals(rules: readonly ActiveRule[], run: SyncRunRecord): AlertSignal[] {
  const out: AlertSignal[] = [];
  const sync = run.sync;
  for (const rule of rules) {
    if (rule.on === 'failure') {
      const subject = subjectOf('failure', sync, rule);
      if (run.status === 'failed') {
        const error = run.error ?? 'no reason recorded';
        out.push({ subject, rule, state: 'firing', fingerprint: error, title: `Sync ${sync} failed`, detail: error });
      } else if (run.status === 'success' || run.status === 'partial') {
        out.push({ subject, rule, state: 'resolved', title: `Sync ${sync} runs again`, detail: `The last run ended ${run.status}.` });
      }
    } else if (rule.on === 'partial') {
      const subject = subjectOf('partial', sync, rule);
      const share = undeliveredShare(run);
      const { planned, rejected, retryable } = run.counts;
      if (run.status === 'partial' && share > rule.above) {
        const reason = topReason(run);
        const detail =
          `${(rejected + retryable).toLocaleString('en-US')} of ${planned.toLocaleString('en-US')} rows (${pct(share)}) were not delivered` +
          ` (${rejected.toLocaleString('en-US')} refused, ${retryable.toLocaleString('en-US')} to retry; alert above ${pct(rule.above)}).${reason ? ` Most common reason: ${reason}` : ''}`;
        out.push({ subject, rule, state: 'firing', fingerprint: `partial:${reason}`, title: `Sync ${sync} delivered only part of its rows`, detail });
      } else if (run.status === 'success' || run.status === 'partial') {
        out.push({ subject, rule, state: 'resolved', title: `Sync ${sync} delivers its rows again`, detail: `The last run left ${pct(share)} of its rows undelivered.` });
      }
    } else if (rule.on === 'stale' && run.status !== 'running') {
      // Any run ends a "not run for N hours" alert.
      out.push({ subject: subjectOf('stale', sync, rule), rule, state: 'resolved', title: `Sync ${sync} runs again`, detail: `It ran at ${run.startedAt.toISOString()}.` });
    }
  }
  return out;
}

/** Stale rules: the sync's last run started more than `hours` ago. Syncs never run are not stale (nothing was expected yet). */
export function staleSignals(rules: readonly ActiveRule[], sync: string, lastRun: SyncRunRecord | null, now: Date): AlertSignal[] {
  const out: AlertSignal[] = [];
  if (!lastRun) return out;
  for (const rule of rules) {
    if (rule.on !== 'stale') continue;
    const hours = (now.getTime() - lastRun.startedAt.getTime()) / 3_600_000;
    if (hours > rule.hours) {
      out.push({
        subject: subjectOf('stale', sync, rule),
        rule,
        state: 'firing',
        fingerprint: `stale:${lastRun.id}`,
        title: `Sync ${sync} has not run for ${Math.floor(hours)} hours`,
        detail: `Its last run started at ${lastRun.startedAt.toISOString()} and ended ${lastRun.status}; the alert is set at ${rule.hours} hours.`,
      });
    }
  }
  return out;
}

/** Audience-change rules: the newest two size snapshots of the sync's audience differ by more than `percent`. */
export function audienceSignals(
  rules: readonly ActiveRule[],
  sync: string,
  audience: string,
  sizes: ReadonlyArray<{ at: Date; size: number }>,
): AlertSignal[] {
  const [newest, previous] = sizes;
  if (!newest || !previous) return [];
  const out: AlertSignal[] = [];
  for (const rule of rules) {
    if (rule.on !== 'audience_change') continue;
    const change = previous.size === 0 ? (newest.size === 0 ? 0 : Infinity) : ((newest.size - previous.size) / previous.size) * 100;
    const subject = subjectOf('audience_change', sync, rule);
    if (Math.abs(change) <= rule.percent) {
      // Back within bounds: the next jump is news again, but this is not worth a message.
      out.push({ subject, rule, state: 'resolved', title: `Audience ${audience} is steady`, detail: '', quiet: true });
      continue;
    }
    const word = change > 0 ? 'grew' : 'shrank';
    const by = Number.isFinite(change) ? pct(Math.abs(change)) : 'from nothing';
    out.push({
      subject,
      rule,
      state: 'firing',
      fingerprint: `${audience}:${newest.at.toISOString()}`,
      title: `Audience ${audience} ${word} ${Number.isFinite(change) ? `by ${by}` : by}`,
      detail: `${previous.size.toLocaleString('en-US')} → ${newest.size.toLocaleString('en-US')} members between ${previous.at.toISOString()} and ${newest.at.toISOString()} (sync ${sync}; alert above ${pct(rule.percent)}).`,
    });
  }
  return out;
}
