import { useId, useMemo, useRef, useState, type FormEvent, type RefObject } from 'react';
import { api } from '../lib/api';
import type { components } from '../lib/api-types';
import { formatCount, formatDateTime, formatRelative, formatTrigger, formatValue } from '../lib/format';
import type { IdentityStats } from '../lib/types';
import { useApi } from '../lib/useApi';
import { ErrorNote, Loading } from './States';
import { StatusBadge } from './StatusBadge';

type RowDebug = components['schemas']['RowDebug'];
type ErrorGroup = components['schemas']['ErrorGroup'];

const BY_KEY = '__key';

/**
 * The row debugger of a sync: look a row up by its key, or a person by any identifier (when the
 * sync is keyed by profile), and see every run that planned it, the op, the destination's answer
 * with the payload it sent (kept for the sync's last runs), and the values last delivered. PII
 * arrives masked for roles without pii:read.
 */
export function RowDebugger({ sync, keyColumn }: { sync: string; keyColumn: string }) {
  const byPerson = keyColumn === 'profile_id';
  const stats = useApi<IdentityStats>(byPerson ? '/api/identity/stats' : null);
  const idTypes = useMemo(() => stats.data?.byIdType.map((t) => t.idType) ?? [], [stats.data]);
  const [kind, setKind] = useState(BY_KEY);
  const [value, setValue] = useState('');
  const [state, setState] = useState<{ status: 'idle' } | { status: 'loading' } | { status: 'done'; row: RowDebug } | { status: 'failed'; error: unknown }>({ status: 'idle' });
  const result = useRef<HTMLHeadingElement>(null);
  const kindId = useId();
  const valueId = useId();

  async function lookUp(event: FormEvent) {
    event.preventDefault();
    if (!value.trim()) return;
    setState({ status: 'loading' });
    const query = kind === BY_KEY ? { key: value.trim() } : { id_type: kind, value: value.trim() };
    try {
      const row = await api<RowDebug>(`/api/syncs/${encodeURIComponent(sync)}/debug`, { query });
      setState({ status: 'done', row });
      // The answer is below the form: take focus there so it is read next.
      requestAnimationFrame(() => result.current?.focus());
    } catch (error) {
      setState({ status: 'failed', error });
    }
  }

  return (
    <section className="section" aria-labelledby="debugger-title" data-testid="row-debugger">
      <h2 id="debugger-title">Row debugger</h2>
      <form className="card inline-form debugger-form" onSubmit={(e) => void lookUp(e)}>
        <label htmlFor={kindId}>Look up</label>
        <select id={kindId} value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value={BY_KEY}>Row key ({keyColumn})</option>
          {byPerson
            ? idTypes.map((t) => (
                <option key={t} value={t}>
                  Person by {t}
                </option>
              ))
            : null}
        </select>
        <label htmlFor={valueId} className="visually-hidden">
          Value to look up
        </label>
        <input id={valueId} type="text" value={value} onChange={(e) => setValue(e.target.value)} placeholder={kind === BY_KEY ? keyColumn : kind} spellCheck={false} autoComplete="off" />
        <button type="submit" className="button primary" disabled={state.status === 'loading'}>
          Look up
        </button>
      </form>
      {state.status === 'loading' ? <Loading /> : null}
      {state.status === 'failed' ? <ErrorNote error={state.error} /> : null}
      {state.status === 'done' ? <RowReport row={state.row} heading={result} /> : null}
      <ErrorGroups sync={sync} />
    </section>
  );
}

function RowReport({ row, heading }: { row: RowDebug; heading: RefObject<HTMLHeadingElement | null> }) {
  return (
    <div className="card" data-testid="row-report">
      <h3 className="step-title" ref={heading} tabIndex={-1}>
        Row <code>{row.key}</code>
        {row.profileId ? <span className="muted small"> (the profile the identifier belongs to)</span> : null}
      </h3>
      {row.piiMasked ? <p className="muted small">Personal data is masked for your role.</p> : null}
      {row.delivered ? (
        <>
          <p>
            The destination holds it as <StatusBadge status={row.delivered.status} />
            {row.delivered.lastAttemptAt ? <> since {formatRelative(row.delivered.lastAttemptAt)}</> : null}
            {row.delivered.error ? <span className="error-text"> — {row.delivered.error}</span> : null}
          </p>
          {row.delivered.values ? (
            <dl className="facts" aria-label="Values last delivered">
              {Object.entries(row.delivered.values).map(([field, v]) => (
                <div key={field}>
                  <dt>{field}</dt>
                  <dd>{formatValue(v)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="muted small">No values delivered yet.</p>
          )}
        </>
      ) : (
        <p className="muted">This sync has never sent this row.</p>
      )}
      {row.attempts.length ? (
        <div className="table-scroll">
          <table className="table" aria-label="Runs that planned this row" data-testid="row-attempts">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Run</th>
                <th scope="col">Op</th>
                <th scope="col">Payload sent</th>
                <th scope="col">Answer</th>
              </tr>
            </thead>
            <tbody>
              {row.attempts.map((a, i) => (
                <tr key={`${a.runId}-${i}`} data-status={a.status}>
                  <td title={formatDateTime(a.at)}>{formatRelative(a.at)}</td>
                  <td>
                    {a.runStatus ? <StatusBadge status={a.runStatus} /> : <span className="muted small">pruned</span>} <span className="muted small">{formatTrigger(a.trigger)}</span>
                  </td>
                  <td>{a.op}</td>
                  <td>
                    <Payload values={a.payload} before={row.attempts[i + 1]?.payload ?? null} />
                  </td>
                  <td>
                    <StatusBadge status={a.status} />
                    {a.error ? <span className="error-text"> {a.error}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted small">No run in the log planned this row.</p>
      )}
    </div>
  );
}

/** The fields one run sent; those that differ from the run before it are marked. */
function Payload({ values, before }: { values: Record<string, unknown> | null; before: Record<string, unknown> | null }) {
  if (!values) return <span className="muted small">not kept</span>;
  return (
    <dl className="payload" data-testid="attempt-payload">
      {Object.entries(values).map(([field, v]) => {
        const changed = before !== null && formatValue(before[field]) !== formatValue(v);
        return (
          <div key={field} className={changed ? 'changed' : undefined}>
            <dt>{field}</dt>
            <dd>
              {formatValue(v)}
              {changed ? <span className="muted small"> (changed)</span> : null}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

function ErrorGroups({ sync }: { sync: string }) {
  const groups = useApi<ErrorGroup[]>(`/api/syncs/${encodeURIComponent(sync)}/errors`);
  if (groups.error) return <ErrorNote error={groups.error} onRetry={groups.reload} />;
  if (!groups.data) return <Loading />;
  return (
    <div className="card">
      <h3 className="step-title">Errors by reason</h3>
      {groups.data.length === 0 ? (
        <p className="muted">No row has been refused.</p>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-label="Errors by reason" data-testid="error-groups">
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col">Last seen</th>
                <th scope="col">Example row</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.map((g) => (
                <tr key={`${g.status}|${g.error}`}>
                  <td>
                    <StatusBadge status={g.status} /> {g.error || <span className="muted">no reason given</span>}
                  </td>
                  <td className="num">{formatCount(g.rows)}</td>
                  <td title={formatDateTime(g.lastAt)}>{formatRelative(g.lastAt)}</td>
                  <td>
                    <code>{g.exampleKey}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
