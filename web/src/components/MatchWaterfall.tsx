import type { PairExplanation } from '../lib/types';

/**
 * A pair's match weight as a waterfall: the prior, then each comparison's log2 Bayes factor
 * (plus its term-frequency adjustment) moving the running total up or down, ending at the pair's
 * match weight and probability. A table carries every number (the text alternative read by screen
 * readers and shown to everyone); the bars in its last column are decoration drawn with CSS.
 */
export function MatchWaterfall({ pair, threshold, caption }: { pair: PairExplanation; threshold?: number; caption: string }) {
  const steps: Array<{ key: string; label: string; level: string; values: string | null; m: number | null; u: number | null; weight: number; tf: number | null }> = [
    { key: '_prior', label: 'prior', level: `${formatP(pair.prior)} of random pairs match`, values: null, m: null, u: null, weight: pair.priorWeight, tf: null },
    ...pair.fields.map((f) => ({
      key: f.field,
      label: f.field,
      level: f.level,
      values: f.left === null && f.right === null ? null : `${f.left ?? '∅'} · ${f.right ?? '∅'}`,
      m: f.m,
      u: f.u,
      weight: f.weight,
      tf: f.tfAdjustment,
    })),
  ];
  let running = 0;
  const rows = steps.map((s) => {
    const from = running;
    running += s.weight + (s.tf ?? 0);
    return { ...s, from, to: running };
  });
  const ends = rows.flatMap((r) => [r.from, r.to]);
  const lo = Math.min(0, ...ends);
  const hi = Math.max(0, ...ends);
  const span = hi - lo || 1;
  const pct = (x: number) => ((x - lo) / span) * 100;
  return (
    // Scrolls inside itself on a narrow screen (a focusable region, so keyboard users can scroll it too).
    <div className="waterfall-scroll" role="region" aria-label={caption} tabIndex={0}>
    <table className="table compact waterfall" data-testid="waterfall">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Comparison</th>
          <th scope="col">Level reached</th>
          <th scope="col">Values</th>
          <th scope="col" className="num">m</th>
          <th scope="col" className="num">u</th>
          <th scope="col" className="num">Weight (bits)</th>
          <th scope="col" className="num">Running total</th>
          <th scope="col" aria-hidden="true" className="waterfall-bar-head" />
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const total = r.weight + (r.tf ?? 0);
          return (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              <td>{r.level}</td>
              <td className="small">{r.values ?? <span className="muted">—</span>}</td>
              <td className="num">{r.m === null ? '—' : formatP(r.m)}</td>
              <td className="num">{r.u === null ? '—' : formatP(r.u)}</td>
              <td className="num">
                {signed(r.weight)}
                {r.tf !== null ? <span className="small muted"> {signed(r.tf)} term frequency</span> : null}
              </td>
              <td className="num">{signed(r.to)}</td>
              <td aria-hidden="true" className="waterfall-cell">
                <span
                  className={`waterfall-bar ${total >= 0 ? 'up' : 'down'}`}
                  style={{ left: `${pct(Math.min(r.from, r.to))}%`, width: `${Math.max(pct(Math.max(r.from, r.to)) - pct(Math.min(r.from, r.to)), 0.5)}%` }}
                />
                <span className="waterfall-zero" style={{ left: `${pct(0)}%` }} />
              </td>
            </tr>
          );
        })}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">match weight</th>
          <td colSpan={4}>
            probability <strong data-testid="waterfall-probability">{formatP(pair.probability)}</strong>
            {threshold !== undefined ? (
              <span className="muted"> ({pair.probability >= threshold ? 'at or above' : 'below'} the threshold {formatP(threshold)})</span>
            ) : null}
          </td>
          <td className="num">
            <strong>{signed(pair.weight)}</strong>
          </td>
          <td className="num">{signed(pair.weight)}</td>
          <td aria-hidden="true" />
        </tr>
      </tfoot>
    </table>
    </div>
  );
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
}

/** A probability with enough digits to tell 0.99 from 0.9999. */
export function formatP(p: number): string {
  if (p === 0 || p === 1) return String(p);
  if (p < 0.001) return p.toExponential(2);
  if (p > 0.999) return p >= 1 - 1e-9 ? '> 0.999999999' : p.toPrecision(Math.min(12, 3 + Math.ceil(-Math.log10(1 - p))));
  return p.toFixed(3);
}
