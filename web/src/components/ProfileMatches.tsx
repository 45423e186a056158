import { ApiError } from '../lib/api';
import { formatCount } from '../lib/format';
import type { ProfileMatches as Matches } from '../lib/types';
import { useApi } from '../lib/useApi';
import { formatP, MatchWaterfall } from './MatchWaterfall';
import { ErrorNote, Loading } from './States';

/**
 * The identity explain of a profile's probabilistic links: each stored pair of its records with
 * its match weights as a waterfall (GET /api/profiles/:id/matches). Renders nothing when the
 * project has no probabilistic matching (the API answers 404).
 */
export function ProfileMatches({ profileId }: { profileId: string }) {
  const matches = useApi<Matches>(`/api/profiles/${encodeURIComponent(profileId)}/matches`);
  if (matches.error instanceof ApiError && matches.error.status === 404) return null;
  return (
    <section className="card" aria-labelledby="matches-title" data-testid="profile-matches">
      <h3 id="matches-title">How records were matched</h3>
      {matches.error ? <ErrorNote error={matches.error} onRetry={matches.reload} /> : null}
      {!matches.data && !matches.error ? <Loading label="Explaining matches…" /> : null}
      {matches.data && matches.data.pairs.length === 0 ? <p className="muted">No probabilistic links: the records of this profile share identifiers.</p> : null}
      {matches.data && matches.data.pairs.length > 0 ? (
        <>
          <p className="muted small">
            Records that share no identifier were joined because their fields agree: the prior odds of a match, then each comparison's log2 Bayes factor (m / u), give the match
            weight and probability. {formatCount(matches.data.total)} stored pair(s){matches.data.total > matches.data.pairs.length ? `, the best ${matches.data.pairs.length} shown` : ''}; threshold{' '}
            {formatP(matches.data.threshold)}.
          </p>
          <ol className="plain-list pair-list">
            {matches.data.pairs.map((p, i) => (
              <li key={i}>
                {p.explanation ? (
                  <MatchWaterfall
                    pair={p.explanation}
                    threshold={matches.data!.threshold}
                    caption={`${p.explanation.left.source} ${p.explanation.left.recordKey} and ${p.explanation.right.source} ${p.explanation.right.recordKey}: ${p.linked ? 'linked' : 'not linked (refused by the guard rails)'}, stored probability ${formatP(p.storedProbability)}`}
                  />
                ) : (
                  <p className="muted">A linked pair (probability {formatP(p.storedProbability)}) whose records no longer take part: rebuild to refresh.</p>
                )}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </section>
  );
}
