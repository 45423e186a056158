import { ErrorNote } from '../components/States';
import { formatCount } from '../lib/format';
import type { PriorityListCounts, PriorityListSummary } from '../lib/types';
import { useApi } from '../lib/useApi';

/** Saved priority lists (files in git and saved here), each with its profiles per slot. */
export function SavedPriorityLists({ lists }: { lists: PriorityListSummary[] }) {
  if (lists.length === 0) return <p className="muted small">No saved priority lists yet.</p>;
  return (
    <ul className="saved-priority-lists" data-testid="saved-priority-lists">
      {lists.map((list) => (
        // Keyed by the audiences too: an updated list mounts again and asks for its counts.
        <SavedList key={`${list.name}:${list.priority.join(',')}`} list={list} />
      ))}
    </ul>
  );
}

function SavedList({ list }: { list: PriorityListSummary }) {
  const counts = useApi<PriorityListCounts>(`/api/priority-lists/${encodeURIComponent(list.name)}/counts`);
  return (
    <li data-testid="saved-priority-list">
      <strong>{list.name}</strong> <span className="muted small">{list.origin === 'file' ? list.file : 'saved in the UI'}</span>
      {list.description ? <p className="muted small">{list.description}</p> : null}
      {counts.error ? <ErrorNote error={counts.error} onRetry={counts.reload} /> : null}
      <ol className="priority-list">
        {list.priority.map((audience) => {
          const count = counts.data?.slots.find((s) => s.audience === audience)?.count;
          return (
            <li key={audience}>
              <span className="priority-name">{audience}</span>
              <span className="num" data-testid="saved-slot-count">
                {count === undefined ? '…' : formatCount(count)}
              </span>
            </li>
          );
        })}
      </ol>
    </li>
  );
}
