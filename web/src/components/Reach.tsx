import { formatCount } from '../lib/format';
import type { SyncRun } from '../lib/types';

type Reach = NonNullable<SyncRun['reach']>;

function rateWord(reach: Reach): string {
  return reach.matched !== null ? 'matched' : reach.source === 'vendor' ? 'accepted' : 'delivered';
}

/** One line: "96.2% accepted · 12,345 in audience" (match rate as the vendor reports it). */
export function ReachSummary({ reach }: { reach: SyncRun['reach'] | undefined }) {
  if (!reach || (reach.matchRate === null && reach.audienceSize === null)) return <span className="muted">—</span>;
  const parts: string[] = [];
  if (reach.matchRate !== null) parts.push(`${(reach.matchRate * 100).toFixed(1)}% ${rateWord(reach)}`);
  if (reach.audienceSize !== null) parts.push(`${formatCount(reach.audienceSize)} in audience`);
  return <span title={reach.source === 'vendor' ? 'as the destination reported it' : 'from the per-row results'}>{parts.join(' · ')}</span>;
}

/** The vendor's own counts of a run, for the run's details. */
export function ReachFacts({ reach }: { reach: SyncRun['reach'] | undefined }) {
  if (!reach) return null;
  return (
    <>
      {reach.matchRate !== null ? (
        <div>
          <dt>Match rate</dt>
          <dd>
            <ReachSummary reach={{ ...reach, audienceSize: null }} />
          </dd>
        </div>
      ) : null}
      {reach.received !== null ? (
        <div>
          <dt>Received by the destination</dt>
          <dd>
            {formatCount(reach.received)}
            {reach.invalid ? ` (${formatCount(reach.invalid)} invalid)` : ''}
          </dd>
        </div>
      ) : null}
      {reach.audienceSize !== null ? (
        <div>
          <dt>Audience size at the destination</dt>
          <dd>{formatCount(reach.audienceSize)}</dd>
        </div>
      ) : null}
    </>
  );
}
