import type { ReactNode } from 'react';
import { ApiError } from '../lib/api';
import { CodeText, fieldLabel } from './CodeText';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** An empty list: what it is, why it is empty, and the one thing to do next. */
export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children ? <p>{children}</p> : null}
      {action ? <div className="empty-action">{action}</div> : null}
    </div>
  );
}

/** An error with the server's message and hint, and a retry when one makes sense. */
export function ErrorNote({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="error-note" role="alert">
      <strong>{title ?? headline(api)}</strong>
      <p>
        <CodeText text={message} />
      </p>
      {api?.path && fieldLabel(api.path) ? <p className="muted">Field: {fieldLabel(api.path)}</p> : null}
      {api?.hint ? (
        <p className="hint">
          <CodeText text={api.hint} />
        </p>
      ) : null}
      {onRetry ? (
        <button type="button" className="button small" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

function headline(error: ApiError | null): string {
  if (!error) return 'Something went wrong';
  if (error.status === 403) return 'Not allowed';
  if (error.status === 404) return 'Not found';
  if (error.status === 501) return 'Not available in this build yet';
  if (error.status === 0) return 'Cannot reach the service';
  if (error.status >= 500) return 'The service failed';
  return 'Please check';
}
