import { useMemo, type ReactNode } from 'react';
import type { components } from '../lib/api-types';
import { formatCount, formatDateTime, formatDuration } from '../lib/format';
import { useApi } from '../lib/useApi';
import { Chart, type ChartSeries } from './Chart';
import { ErrorNote, Loading } from './States';

type Schemas = components['schemas'];
export type IdentityBuildPoint = Schemas['IdentityBuildPoint'];
export type SourceDayPoint = Schemas['SourceDayPoint'];
export type SyncDayPoint = Schemas['SyncDayPoint'];
type AudienceSizePoint = Schemas['AudienceSizePoint'];

const GREEN = '#15803d';
const AMBER = '#b45309';
const RED = '#b91c1c';
const BLUE = '#1d4ed8';
const GREY = '#6b7280';

/** Unix seconds of an ISO time or a `YYYY-MM-DD` UTC day. */
function seconds(value: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value) / 1000;
}

/**
 * One chart with its title and the same figures as a table (a canvas says nothing to a screen
 * reader, and exact numbers are easier to read off a table).
 */
function ChartCard({ id, title, note, chart, table }: { id: string; title: string; note?: ReactNode; chart: ReactNode; table: ReactNode }) {
  return (
    <figure className="card chart-card" aria-labelledby={`${id}-title`} data-testid={`chart-${id}`}>
      <h3 id={`${id}-title`} className="step-title">
        {title}
      </h3>
      {note ? <p className="muted small">{note}</p> : null}
      {chart}
      <details>
        <summary>Show as table</summary>
        <div className="table-scroll">{table}</div>
      </details>
    </figure>
  );
}

function DataTable({ label, head, rows }: { label: string; head: string[]; rows: Array<Array<string | number>> }) {
  return (
    <table className="table" aria-label={label}>
      <thead>
        <tr>
          {head.map((h, i) => (
            <th key={h} scope="col" className={i ? 'num' : undefined}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row, r) => (
          <tr key={r}>
            {row.map((cell, i) => (
              <td key={i} className={i ? 'num' : undefined}>
                {typeof cell === 'number' ? formatCount(cell) : cell}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Loaded<T>({ state, children }: { state: { data: T | undefined; error: Error | undefined; reload(): void }; children: (data: T) => ReactNode }) {
  if (state.error) return <ErrorNote error={state.error} onRetry={state.reload} />;
  if (!state.data) return <Loading />;
  return <>{children(state.data)}</>;
}

/** Profiles and identifiers after each identity build; merges and splits per build. */
export function IdentityCharts() {
  const builds = useApi<IdentityBuildPoint[]>('/api/history/identity', { limit: 90 });
  return <Loaded state={builds}>{(data) => <IdentityChartsOf builds={data} />}</Loaded>;
}

function IdentityChartsOf({ builds }: { builds: IdentityBuildPoint[] }) {
  const x = useMemo(() => builds.map((b) => seconds(b.finishedAt)), [builds]);
  const sizes = useMemo<ChartSeries[]>(
    () => [
      { label: 'Profiles', values: builds.map((b) => b.profiles) },
      { label: 'Identifiers', values: builds.map((b) => b.identifiers) },
    ],
    [builds],
  );
  // Splits drawn below zero, like an audience's leavers: a build that merges and splits shows both.
  const merges = useMemo<ChartSeries[]>(
    () => [
      { label: 'Merges', values: builds.map((b) => b.merges), bars: true, color: AMBER },
      { label: 'Splits', values: builds.map((b) => (b.splits === null ? null : -b.splits)), bars: true, color: BLUE },
    ],
    [builds],
  );
  // `backfill` builds were reconstructed by `cdp demo` from the graph (src/demo/history.ts).
  const table = (
    <DataTable
      label="Identity builds"
      head={['Build finished', 'Mode', 'Profiles', 'Identifiers', 'Merges', 'Splits']}
      rows={builds.map((b) => [formatDateTime(b.finishedAt), b.mode === 'backfill' ? 'reconstructed (demo)' : b.mode, b.profiles, b.identifiers, b.merges, b.splits ?? 'not counted'])}
    />
  );
  const last = builds[builds.length - 1];
  return (
    <div className="chart-grid">
      <ChartCard
        id="identity-size"
        title="Profiles and identifiers per build"
        chart={<Chart x={x} series={sizes} label={last ? `${builds.length} identity builds; the last has ${formatCount(last.profiles)} profiles and ${formatCount(last.identifiers)} identifiers` : 'No identity builds yet'} />}
        table={table}
      />
      <ChartCard
        id="identity-merges"
        title="Merges and splits per build"
        note="Merges (above the line): profiles that became part of another profile in that build. Splits (below it): profiles whose records the build spread over two profiles or more."
        chart={
          <Chart
            x={x}
            series={merges}
            label={`Merges and splits per identity build: ${formatCount(builds.reduce((n, b) => n + b.merges, 0))} merges and ${formatCount(builds.reduce((n, b) => n + (b.splits ?? 0), 0))} splits in ${builds.length} builds`}
          />
        }
        table={table}
      />
    </div>
  );
}

/** Records per source per day (by the record's own timestamp). */
export function SourceRecordsChart({ days = 90 }: { days?: number }) {
  const points = useApi<SourceDayPoint[]>('/api/history/sources', { days });
  return <Loaded state={points}>{(data) => <SourceRecordsChartOf points={data} days={days} />}</Loaded>;
}

function SourceRecordsChartOf({ points, days }: { points: SourceDayPoint[]; days: number }) {
  const { x, series, dayList, sources, at } = useMemo(() => {
    const dayList = [...new Set(points.map((p) => p.day))].sort();
    const sources = [...new Set(points.map((p) => p.source))].sort();
    const at = new Map(points.map((p) => [`${p.day}|${p.source}`, p.records]));
    // A day a source has no record on is a zero, not a gap.
    const series: ChartSeries[] = sources.map((source) => ({ label: source, values: dayList.map((day) => at.get(`${day}|${source}`) ?? 0) }));
    return { x: dayList.map(seconds), series, dayList, sources, at };
  }, [points]);
  return (
    <ChartCard
      id="source-records"
      title="Records per source per day"
      note={`The ${days} days up to the newest record, by each record's own timestamp.`}
      chart={<Chart x={x} series={series} label={`Records per day for ${sources.length} sources over ${dayList.length} days`} />}
      table={<DataTable label="Records per source per day" head={['Day', ...sources]} rows={dayList.map((day) => [day, ...sources.map((s) => at.get(`${day}|${s}`) ?? 0)])} />}
    />
  );
}

/** Sync runs per day by outcome, rows sent and mean duration: every sync, or one. */
export function SyncDaysCharts({ sync, days = 30 }: { sync?: string; days?: number }) {
  const points = useApi<SyncDayPoint[]>('/api/history/syncs', sync ? { days, sync } : { days });
  return <Loaded state={points}>{(data) => <SyncDaysChartsOf points={data} days={days} />}</Loaded>;
}

const DAY_MS = 86_400_000;

/** Every UTC day of the window, oldest first: a day without runs is a zero on the chart, not a gap. */
function everyDay(points: SyncDayPoint[], days: number, now = Date.now()): SyncDayPoint[] {
  const byDay = new Map(points.map((p) => [p.day, p]));
  const today = Math.floor(now / DAY_MS);
  return Array.from({ length: days }, (_, i) => {
    const day = new Date((today - days + 1 + i) * DAY_MS).toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, runs: 0, success: 0, partial: 0, failed: 0, other: 0, sent: 0, ok: 0, rejected: 0, avgMs: null, matchRate: null, simulated: 0 };
  });
}

function SyncDaysChartsOf({ points: ran, days }: { points: SyncDayPoint[]; days: number }) {
  const points = useMemo(() => everyDay(ran, days), [ran, days]);
  const x = useMemo(() => points.map((p) => seconds(p.day)), [points]);
  // Bars drawn over each other, tallest first, so they read as stacked.
  const outcomes = useMemo<ChartSeries[]>(
    () => [
      { label: 'All runs', values: points.map((p) => p.runs), bars: true, color: GREEN },
      { label: 'Partial or failed', values: points.map((p) => p.partial + p.failed), bars: true, color: AMBER },
      { label: 'Failed', values: points.map((p) => p.failed), bars: true, color: RED },
    ],
    [points],
  );
  const rows = useMemo<ChartSeries[]>(
    () => [
      { label: 'Rows delivered', values: points.map((p) => p.ok), bars: true, color: GREEN },
      { label: 'Rows rejected', values: points.map((p) => p.rejected), color: RED },
    ],
    [points],
  );
  const duration = useMemo<ChartSeries[]>(() => [{ label: 'Mean run time (s)', values: points.map((p) => (p.avgMs === null ? null : p.avgMs / 1000)) }], [points]);
  const matchRate = useMemo<ChartSeries[]>(() => [{ label: 'Match rate (%)', values: points.map((p) => (p.matchRate === null ? null : Math.round(p.matchRate * 1000) / 10)) }], [points]);
  const table = (
    <DataTable
      label="Sync runs per day"
      head={['Day', 'Runs', 'Succeeded', 'Partial', 'Failed', 'Rows delivered', 'Rejected', 'Mean run time', 'Match rate', 'Simulated runs']}
      rows={ran.map((p) => [p.day, p.runs, p.success, p.partial, p.failed, p.ok, p.rejected, formatDuration(p.avgMs), p.matchRate === null ? '—' : `${(p.matchRate * 100).toFixed(1)}%`, p.simulated])}
    />
  );
  const total = points.reduce((n, p) => n + p.runs, 0);
  const failed = points.reduce((n, p) => n + p.failed, 0);
  const simulated = points.reduce((n, p) => n + p.simulated, 0);
  // Runs `cdp demo` made up (trigger backfill) are counted like real ones and said to be simulated.
  const windowNote = `The last ${days} days.${simulated ? ` ${formatCount(simulated)} of these ${formatCount(total)} runs were simulated by the demo (marked “simulated (demo)” in each sync's runs).` : ''}`;
  return (
    <div className="chart-grid">
      <ChartCard id="sync-outcomes" title="Runs per day by outcome" note={windowNote} chart={<Chart x={x} series={outcomes} label={`${total} sync runs in the last ${days} days, ${failed} failed${simulated ? `, ${simulated} simulated` : ''}`} />} table={table} />
      <ChartCard id="sync-rows" title="Rows per day" note={simulated ? 'Includes simulated runs.' : undefined} chart={<Chart x={x} series={rows} label={`Rows delivered and rejected per day over the last ${days} days`} />} table={table} />
      <ChartCard id="sync-duration" title="Mean run time per day" note={simulated ? 'Includes simulated runs.' : undefined} chart={<Chart x={x} series={duration} label="Mean sync run time per day, seconds" yLabel="seconds" />} table={table} />
      <ChartCard
        id="sync-match-rate"
        title="Match rate per day"
        note="What the vendors matched or accepted of the rows sent (their own counts where they report them, else the rows accepted), weighted by rows sent."
        chart={<Chart x={x} series={matchRate} label={`Match rate per day over the last ${days} days, percent`} yLabel="%" />}
        table={table}
      />
    </div>
  );
}

/** An audience's size after each snapshot, with who entered and left (left drawn below zero). */
export function AudienceSizeChart({ name, limit = 120 }: { name: string; limit?: number }) {
  const history = useApi<AudienceSizePoint[]>(`/api/audiences/${encodeURIComponent(name)}/history`, { limit });
  return <Loaded state={history}>{(data) => <AudienceSizeChartOf name={name} newestFirst={data} />}</Loaded>;
}

function AudienceSizeChartOf({ name, newestFirst }: { name: string; newestFirst: AudienceSizePoint[] }) {
  const points = useMemo(() => [...newestFirst].reverse(), [newestFirst]);
  const x = useMemo(() => points.map((p) => seconds(p.at)), [points]);
  const simulated = points.filter((p) => p.simulated).length;
  const series = useMemo<ChartSeries[]>(() => {
    // Simulated sizes (made up by `cdp demo`) are their own grey line, joined to the first real snapshot.
    const firstReal = points.findIndex((p) => !p.simulated);
    const sizes: ChartSeries[] = [{ label: 'Size', values: points.map((p) => (p.simulated ? null : p.size)) }];
    if (points.some((p) => p.simulated)) sizes.push({ label: 'Size (simulated)', values: points.map((p, i) => (p.simulated || i === firstReal ? p.size : null)), color: GREY });
    return [
      ...sizes,
      { label: 'Entered', values: points.map((p) => p.entered), bars: true, color: GREEN },
      { label: 'Left', values: points.map((p) => -p.left), bars: true, color: RED },
    ];
  }, [points]);
  const last = points[points.length - 1];
  const note = `Entered above the line, left below it.${simulated ? ` The first ${simulated} points are simulated by the demo (grey line), not snapshots.` : ''}`;
  return (
    <ChartCard
      id={`audience-${name}`}
      title={`Size of ${name} per snapshot`}
      note={note}
      chart={<Chart x={x} series={series} label={last ? `${name}: ${points.length} snapshots${simulated ? ` (${simulated} simulated)` : ''}, now ${formatCount(last.size)} members` : `${name}: no snapshots yet`} />}
      table={
        <DataTable
          label={`Size history of ${name}`}
          head={['Snapshot', 'Size', 'Entered', 'Left', 'Simulated']}
          rows={points.map((p) => [formatDateTime(p.at), p.size, p.entered, p.left, p.simulated ? 'simulated (demo)' : ''])}
        />
      }
    />
  );
}
