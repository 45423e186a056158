import { formatCount, formatDate } from '../lib/format';

/**
 * A small line chart of an audience's size over time (oldest left). Decorative for screen
 * readers except for its summary label.
 */
export function Sparkline({ points, width = 120, height = 32 }: { points: Array<{ at: string; size: number; simulated?: boolean }>; width?: number; height?: number }) {
  if (points.length === 0) return <span className="muted small">no history yet</span>;
  const sizes = points.map((p) => p.size);
  const min = Math.min(...sizes);
  const max = Math.max(...sizes);
  const span = max - min;
  const pad = 3;
  const x = (i: number) => (points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1));
  // A size that never changed draws a flat line through the middle.
  const y = (size: number) => (max === min ? height / 2 : height - pad - ((size - min) / span) * (height - 2 * pad));
  const path = (from: number, to: number) =>
    points
      .slice(from, to)
      .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(from + i).toFixed(1)},${y(p.size).toFixed(1)}`)
      .join(' ');
  const line = path(0, points.length);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  // Sizes `cdp demo` simulated (the oldest points) are drawn dashed and said to be simulated.
  const simulated = points.filter((p) => p.simulated).length;
  const label =
    `Size went from ${formatCount(first.size)} on ${formatDate(first.at)} to ${formatCount(last.size)} on ${formatDate(last.at)}` +
    (simulated ? `; the first ${simulated} points are simulated by the demo` : '');
  const realLine = path(simulated, points.length);
  const simulatedLine = path(0, Math.min(simulated + 1, points.length));
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <title>{label}</title>
      <path d={`${line} L${x(points.length - 1).toFixed(1)},${height} L${x(0).toFixed(1)},${height} Z`} className="sparkline-area" />
      {simulated ? <path d={simulatedLine} className="sparkline-simulated" /> : null}
      {simulated < points.length ? <path d={simulated ? realLine : line} className="sparkline-line" /> : null}
      <circle cx={x(points.length - 1)} cy={y(last.size)} r="2.5" className="sparkline-dot" />
    </svg>
  );
}
