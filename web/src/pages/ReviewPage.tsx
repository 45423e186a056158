import { useEffect, useRef, useState } from 'react';
import { Field } from '../components/Field';
import { PageHeader, usePageTitle } from '../components/Layout';
import { formatP, MatchWaterfall } from '../components/MatchWaterfall';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { api } from '../lib/api';
import { useSession } from '../lib/auth';
import { formatCount, formatDateTime } from '../lib/format';
import type { PairExplain, ReviewAnswer, ReviewItem, ReviewQueue } from '../lib/types';
import { useApi } from '../lib/useApi';

const PAGE = 20;
const BANDS = [0.05, 0.1, 0.2, 0.25];
const ANSWER_TEXT: Record<ReviewAnswer, string> = { match: 'match', non_match: 'not a match', skip: 'skipped' };
const ANSWER_TONE: Record<ReviewAnswer, string> = { match: 'ok', non_match: 'bad', skip: 'idle' };

// Rank too: without profile access every record key reads the same (masked).
const sameItem = (a: ReviewItem, b: ReviewItem) =>
  a.rank === b.rank &&
  a.left.source === b.left.source && a.left.recordKey === b.left.recordKey && a.right.source === b.right.source && a.right.recordKey === b.right.recordKey;

/**
 * Review matches (`/review`): record pairs whose match probability is near the threshold, closest
 * first. Editors and admins answer match / not a match / skip; the answers are training labels of
 * the next full build (docs/probabilistic.md, "Review"). Everyone with read access sees the queue;
 * record keys need profile access and compared values pii:read.
 */
export function ReviewPage() {
  usePageTitle('Review matches');
  const { can } = useSession();
  const [band, setBand] = useState(0.1);
  const [status, setStatus] = useState<'open' | 'all'>('open');
  const [offset, setOffset] = useState(0);
  const queue = useApi<ReviewQueue>('/api/identity/review', { band, status, offset, limit: PAGE });
  const [current, setCurrent] = useState<ReviewItem | null>(null);
  const [said, setSaid] = useState('');
  const items = queue.data?.items;

  // The pair under review: the one picked, while it is on the page; else the first unanswered one.
  useEffect(() => {
    if (!items) return;
    setCurrent((picked) => (picked && items.some((i) => sameItem(i, picked)) ? picked : (items.find((i) => !i.review) ?? items[0] ?? null)));
  }, [items]);

  return (
    <>
      <PageHeader
        title="Review matches"
        subtitle="Pairs of records the probabilistic model is least sure about. Your answers become labels the next full build trains on."
      />
      <form className="card search-form" onSubmit={(e) => e.preventDefault()} aria-label="Which pairs">
        <Field label="Distance from the threshold">
          {(props) => (
            <select {...props} value={band} onChange={(e) => (setBand(Number(e.target.value)), setOffset(0))}>
              {BANDS.map((b) => (
                <option key={b} value={b}>
                  ± {b}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Show">
          {(props) => (
            <select {...props} value={status} onChange={(e) => (setStatus(e.target.value as 'open' | 'all'), setOffset(0))}>
              <option value="open">pairs nobody answered</option>
              <option value="all">all pairs, with answers</option>
            </select>
          )}
        </Field>
      </form>
      <p className="visually-hidden" role="status" aria-live="polite" data-testid="review-status">
        {said}
      </p>
      {said ? (
        <p className="notice" aria-hidden="true">
          {said}
        </p>
      ) : null}
      {queue.error ? <ErrorNote error={queue.error} onRetry={queue.reload} /> : null}
      {!queue.data && !queue.error ? <Loading label="Loading pairs…" /> : null}
      {queue.data ? (
        <>
          <p className="muted" data-testid="review-summary">
            Threshold {formatP(queue.data.threshold)} · {formatCount(queue.data.total)} pair(s) within ± {queue.data.band} · answered so far: {formatCount(queue.data.answers.match)} match,{' '}
            {formatCount(queue.data.answers.non_match)} not a match, {formatCount(queue.data.answers.skip)} skipped
          </p>
          {queue.data.items.length === 0 ? (
            <EmptyState title={status === 'open' ? 'Nothing left to review here' : 'No pairs near the threshold'}>
              Widen the distance from the threshold, or run a full build (<code>cdp run --full-refresh</code>) to score pairs again.
            </EmptyState>
          ) : (
            <>
              {current ? (
                <CurrentPair
                  key={`${current.rank}:${JSON.stringify([current.left, current.right])}`}
                  item={current}
                  threshold={queue.data.threshold}
                  canAnswer={can('models:run')}
                  canExplain={can('profiles:read')}
                  onAnswered={(answer) => {
                    setSaid(`Saved: ${current.left.source} ${current.left.recordKey} and ${current.right.source} ${current.right.recordKey} — ${ANSWER_TEXT[answer]}.`);
                    queue.reload();
                  }}
                />
              ) : null}
              <PairTable items={queue.data.items} current={current} onPick={setCurrent} />
              <div className="pager">
                <button type="button" className="button" disabled={offset === 0} onClick={() => setOffset(Math.max(offset - PAGE, 0))}>
                  Previous
                </button>
                <button type="button" className="button" disabled={!queue.data.hasMore} onClick={() => setOffset(offset + PAGE)}>
                  Next
                </button>
              </div>
            </>
          )}
        </>
      ) : null}
    </>
  );
}

function CurrentPair({ item, threshold, canAnswer, canExplain, onAnswered }: { item: ReviewItem; threshold: number; canAnswer: boolean; canExplain: boolean; onAnswered: (answer: ReviewAnswer) => void }) {
  const query = { left_source: item.left.source, left_key: item.left.recordKey, right_source: item.right.source, right_key: item.right.recordKey };
  const explain = useApi<PairExplain>(canExplain ? '/api/identity/pairs/explain' : null, query);
  const [saving, setSaving] = useState<ReviewAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // A new pair takes focus after an answer, so keyboard users go on from where they were.
  useEffect(() => {
    if (document.activeElement?.closest('[data-review-actions]') || document.activeElement === document.body) heading.current?.focus();
  }, []);

  async function answer(value: ReviewAnswer) {
    setSaving(value);
    setError(null);
    try {
      await api('/api/identity/review/answers', { method: 'POST', body: { left: item.left, right: item.right, answer: value } });
      onAnswered(value);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(null);
    }
  }

  const title = `${item.left.source} ${item.left.recordKey} and ${item.right.source} ${item.right.recordKey}`;
  return (
    <section className="card" aria-labelledby="current-pair-title" data-testid="current-pair">
      <h2 id="current-pair-title" ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <p className="muted">
        Match probability {formatP(item.matchProbability)} ({item.linked ? 'linked' : 'not linked'}), {formatP(item.distance)} from the threshold.
        {item.review ? (
          <>
            {' '}
            Answered <span className={`badge badge-${ANSWER_TONE[item.review.answer]}`}>{ANSWER_TEXT[item.review.answer]}</span>
            {item.review.by ? ` by ${item.review.by}` : ''} {formatDateTime(item.review.at)}.
          </>
        ) : null}
      </p>
      {!canExplain ? <p className="muted small">The records' values need access to profiles.</p> : null}
      {explain.error ? <ErrorNote error={explain.error} onRetry={explain.reload} /> : null}
      {canExplain && !explain.data && !explain.error ? <Loading label="Comparing the records…" /> : null}
      {explain.data ? <MatchWaterfall pair={explain.data} threshold={threshold} caption={`Match weights of ${title}`} /> : null}
      {canAnswer ? (
        <div className="review-actions" role="group" aria-label="Are these the same person?" data-review-actions>
          <button type="button" className="button primary" disabled={saving !== null} onClick={() => void answer('match')}>
            {saving === 'match' ? 'Saving…' : 'Same person (match)'}
          </button>
          <button type="button" className="button danger" disabled={saving !== null} onClick={() => void answer('non_match')}>
            {saving === 'non_match' ? 'Saving…' : 'Different people (not a match)'}
          </button>
          <button type="button" className="button" disabled={saving !== null} onClick={() => void answer('skip')}>
            {saving === 'skip' ? 'Saving…' : 'Skip'}
          </button>
        </div>
      ) : (
        <p className="muted small">Editors and admins answer; you can read the queue.</p>
      )}
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}

function PairTable({ items, current, onPick }: { items: ReviewItem[]; current: ReviewItem | null; onPick: (item: ReviewItem) => void }) {
  return (
    <table className="table responsive" aria-label="Pairs near the threshold" data-testid="review-pairs">
      <thead>
        <tr>
          <th scope="col">Left record</th>
          <th scope="col">Right record</th>
          <th scope="col">Probability</th>
          <th scope="col">Linked</th>
          <th scope="col">Answer</th>
          <th scope="col">
            <span className="visually-hidden">Review</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => {
          const isCurrent = current !== null && sameItem(item, current);
          return (
            <tr key={item.rank} aria-current={isCurrent ? 'true' : undefined}>
              <td data-label="Left record">
                {item.left.source} <code>{item.left.recordKey}</code>
              </td>
              <td data-label="Right record">
                {item.right.source} <code>{item.right.recordKey}</code>
              </td>
              <td data-label="Probability">{formatP(item.matchProbability)}</td>
              <td data-label="Linked">{item.linked ? 'yes' : 'no'}</td>
              <td data-label="Answer">{item.review ? <span className={`badge badge-${ANSWER_TONE[item.review.answer]}`}>{ANSWER_TEXT[item.review.answer]}</span> : <span className="muted">—</span>}</td>
              <td data-label="">
                <button type="button" className="button small" disabled={isCurrent} onClick={() => onPick(item)}>
                  {isCurrent ? 'Shown above' : 'Review'}
                  <span className="visually-hidden">
                    {' '}
                    {item.left.source} {item.left.recordKey} and {item.right.source} {item.right.recordKey}
                  </span>
                </button>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
