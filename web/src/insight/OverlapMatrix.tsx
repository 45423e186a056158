import { useMemo, useState } from 'react';
import { Combobox, type ComboOption } from '../components/Combobox';
import { ErrorNote, Loading } from '../components/States';
import { api } from '../lib/api';
import { formatCount, formatPercent } from '../lib/format';
import type { AudienceOverlap } from '../lib/types';

const MAX = 8;

/**
 * Overlap of chosen audiences as a matrix (POST /api/audiences/overlap, the CLI's `cdp audience
 * overlap`): the cell of row A and column B holds the profiles in both, with their share of A.
 */
export function OverlapMatrix({ audiences, initial = [] }: { audiences: string[]; initial?: string[] }) {
  const [chosen, setChosen] = useState<string[]>(initial);
  const [draft, setDraft] = useState('');
  const [state, setState] = useState<{ overlap?: AudienceOverlap; error?: unknown; loading?: boolean }>({});
  const options = useMemo<ComboOption[]>(() => audiences.filter((a) => !chosen.includes(a)).map((a) => ({ value: a })), [audiences, chosen]);

  async function compare() {
    setState({ loading: true });
    try {
      setState({ overlap: await api<AudienceOverlap>('/api/audiences/overlap', { method: 'POST', body: { audiences: chosen } }) });
    } catch (error) {
      setState({ error });
    }
  }

  return (
    <section className="card" aria-labelledby="overlap-title">
      <h2 id="overlap-title" className="step-title">
        Compare audiences
      </h2>
      <div className="chips">
        {chosen.map((name) => (
          <span key={name} className="chip">
            {name}
            <button type="button" className="chip-remove" aria-label={`Remove ${name} from the comparison`} onClick={() => setChosen(chosen.filter((c) => c !== name))}>
              ×
            </button>
          </span>
        ))}
        {chosen.length < MAX ? (
          <Combobox
            label="Add an audience to compare"
            placeholder="add an audience…"
            value={draft}
            options={options}
            onChange={(name) => {
              setDraft('');
              if (name && !chosen.includes(name)) setChosen([...chosen, name]);
            }}
          />
        ) : null}
        <button type="button" className="button small" disabled={chosen.length < 2 || state.loading} onClick={() => void compare()}>
          Compare
        </button>
      </div>
      {chosen.length < 2 ? <p className="muted small">Choose two to {MAX} audiences.</p> : null}
      {state.loading ? <Loading label="Counting overlaps…" /> : null}
      {state.error ? <ErrorNote error={state.error} /> : null}
      {state.overlap ? <Matrix overlap={state.overlap} /> : null}
    </section>
  );
}

function Matrix({ overlap }: { overlap: AudienceOverlap }) {
  const size = new Map(overlap.sizes.map((s) => [s.audience, s.count]));
  const both = (a: string, b: string): number => {
    if (a === b) return size.get(a) ?? 0;
    return overlap.intersections.find((i) => i.audiences.length === 2 && i.audiences.includes(a) && i.audiences.includes(b))?.count ?? 0;
  };
  return (
    <div className="table-scroll">
      <table className="table compact overlap-matrix" data-testid="overlap-matrix" aria-label="Profiles in both audiences (share of the row's audience)">
        <thead>
          <tr>
            <th scope="col">In row and column</th>
            {overlap.audiences.map((a) => (
              <th key={a} scope="col" className="num">
                {a}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {overlap.audiences.map((row) => (
            <tr key={row}>
              <th scope="row">
                {row} <span className="muted small">({formatCount(size.get(row))})</span>
              </th>
              {overlap.audiences.map((column) => {
                const n = both(row, column);
                return (
                  <td key={column} className={`num ${row === column ? 'diagonal' : ''}`} data-row={row} data-column={column}>
                    {formatCount(n)}
                    {row !== column ? <span className="muted small"> {formatPercent(n, size.get(row) ?? 0)}</span> : null}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Of {formatCount(overlap.total)} profiles.</p>
    </div>
  );
}
