import { useState } from 'react';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNote } from '../components/States';
import { api, ApiError } from '../lib/api';
import { formatCount } from '../lib/format';
import type { PriorityListCounts, PriorityListSummary } from '../lib/types';
import { useApi } from '../lib/useApi';

/** Saved priority lists (files in git and saved here), each with its profiles per slot. */
export interface SavedListActions {
  /** Lists saved in the UI can be edited and deleted by roles that write audiences. */
  canEdit: boolean;
  onEdit(list: PriorityListSummary): void;
  onDeleted(name: string): void;
}

export function SavedPriorityLists({ lists, ...actions }: { lists: PriorityListSummary[] } & SavedListActions) {
  if (lists.length === 0) return <p className="muted small">No saved priority lists yet.</p>;
  return (
    <ul className="saved-priority-lists" data-testid="saved-priority-lists">
      {lists.map((list) => (
        // Keyed by the audiences too: an updated list mounts again and asks for its counts.
        <SavedList key={`${list.name}:${list.priority.join(',')}`} list={list} {...actions} />
      ))}
    </ul>
  );
}

function SavedList({ list, canEdit, onEdit, onDeleted }: { list: PriorityListSummary } & SavedListActions) {
  const counts = useApi<PriorityListCounts>(`/api/priority-lists/${encodeURIComponent(list.name)}/counts`);
  const [removing, setRemoving] = useState<{ open?: boolean; busy?: boolean; error?: unknown; inUse?: boolean }>({});
  const path = `/api/priority-lists/${encodeURIComponent(list.name)}`;
  const remove = () => {
    setRemoving({ ...removing, busy: true });
    api(path, { method: 'DELETE', query: removing.inUse ? { force: true } : {} }).then(
      () => {
        setRemoving({});
        onDeleted(list.name);
      },
      // 409: syncs read a slot of it; the message names them and the next confirm deletes anyway.
      (error: unknown) => setRemoving({ open: true, error, inUse: error instanceof ApiError && error.status === 409 }),
    );
  };
  return (
    <li data-testid="saved-priority-list">
      <strong>{list.name}</strong> <span className="muted small">{list.origin === 'file' ? `${list.file} (in git: edit it there)` : 'saved in the UI'}</span>
      {canEdit && list.origin !== 'file' ? (
        <span className="row-actions">
          <button type="button" className="link-button" onClick={() => onEdit(list)}>
            Edit
          </button>
          <button type="button" className="link-button danger" onClick={() => setRemoving({ open: true })}>
            Delete
          </button>
        </span>
      ) : null}
      <ConfirmDialog
        open={removing.open === true}
        title={`Delete ${list.name}?`}
        confirmLabel={removing.inUse ? 'Delete anyway' : 'Delete priority list'}
        danger
        busy={removing.busy}
        onCancel={() => setRemoving({})}
        onConfirm={remove}
      >
        <p>Syncs that read a slot of it will fail until they are changed.</p>
        {removing.error ? <ErrorNote error={removing.error} /> : null}
      </ConfirmDialog>
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
