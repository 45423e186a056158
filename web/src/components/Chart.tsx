import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * The one chart of the UI, over uPlot: canvas-drawn (fast with thousands of points, ~50 KB),
 * time or numeric x axis, lines or bars. Every chart also carries a text summary for screen
 * readers and a table fallback the caller may show, because a canvas says nothing to assistive
 * technology.
 */
export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** CSS colour; defaults cycle through the palette. */
  color?: string;
  /** Draw as bars instead of a line. */
  bars?: boolean;
}

export interface ChartProps {
  /** x values: unix seconds when `time` is true, otherwise plain numbers (bins, thresholds). */
  x: number[];
  series: ChartSeries[];
  /** Accessible summary of what the chart shows. */
  label: string;
  time?: boolean;
  height?: number;
  yLabel?: string;
  xLabel?: string;
}

const PALETTE = ['#4f46e5', '#16a34a', '#dc2626', '#d97706', '#0891b2', '#7c3aed'];

export function Chart({ x, series, label, time = true, height = 220, yLabel, xLabel }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 280),
      height,
      scales: { x: { time } },
      axes: [{ label: xLabel }, { label: yLabel }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          fill: s.bars ? `${s.color ?? PALETTE[i % PALETTE.length]}66` : undefined,
          width: 2,
          paths: s.bars ? uPlot.paths.bars?.({ size: [0.6, 40] }) : undefined,
          points: { show: x.length < 60 },
        })),
      ],
    };
    const plot = new uPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 280), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, time, height, xLabel, yLabel]);
  if (x.length === 0) return <p className="muted small">No data yet.</p>;
  return <div className="chart" ref={host} role="img" aria-label={label} />;
}
