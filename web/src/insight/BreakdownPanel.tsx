import { useMemo, useState } from 'react';
import { Chart } from '../components/Chart';
import { Combobox, type ComboOption } from '../components/Combobox';
import { ErrorNote, Loading } from '../components/States';
import { formatCount, formatNumber } from '../lib/format';
import type { AudienceBreakdown, AudienceCatalog } from '../lib/types';
import { useApi } from '../lib/useApi';

const TOP = 10;
const BINS = 20;

/** Members of a saved audience by one trait: top values with counts and shares, and a histogram for numbers. */
export function BreakdownPanel({ audience, catalog }: { audience: string; catalog: AudienceCatalog }) {
  const [trait, setTrait] = useState('');
  const options = useMemo<ComboOption[]>(() => catalog.traits.filter((t) => t.name !== 'profile_id').map((t) => ({ value: t.name, label: t.label, description: t.description, hint: t.kind })), [catalog]);
  const result = useApi<AudienceBreakdown>(trait ? `/api/audiences/${encodeURIComponent(audience)}/breakdown` : null, trait ? { trait, top: TOP, bins: BINS } : undefined);
  const label = catalog.traits.find((t) => t.name === trait)?.label ?? trait;
  return (
    <section className="card" aria-labelledby="breakdown-title">
      <h2 id="breakdown-title" className="step-title">
        Breakdown by trait
      </h2>
      <Combobox label="Break down by trait" placeholder="choose a trait…" value={trait} options={options} onChange={setTrait} />
      {!trait ? <p className="muted small">Who the members are: the most frequent values of a trait, and how numbers spread.</p> : null}
      {result.error ? <ErrorNote error={result.error} onRetry={result.reload} /> : null}
      {trait && !result.data && !result.error ? <Loading label="Counting…" /> : null}
      {result.data && result.data.trait === trait ? <BreakdownResult breakdown={result.data} label={label} /> : null}
    </section>
  );
}

function share(part: number): string {
  return `${(part * 100).toFixed(1)}%`;
}

function BreakdownResult({ breakdown, label }: { breakdown: AudienceBreakdown; label: string }) {
  const { x, series } = useMemo(() => {
    const bins = breakdown.histogram ?? [];
    return { x: bins.map((b) => b.from), series: [{ label: 'Members', values: bins.map((b) => b.count), bars: true }] };
  }, [breakdown]);
  if (breakdown.piiMasked) {
    return <p className="muted" data-testid="breakdown-masked">{label} is personal data: your role sees no values ({formatCount(breakdown.members - breakdown.missing)} members have one).</p>;
  }
  return (
    <div data-testid="breakdown">
      <p className="muted small">
        {formatCount(breakdown.members)} members · {formatCount(breakdown.distinct)} different values · {formatCount(breakdown.missing)} without a value
      </p>
      {breakdown.histogram ? (
        <Chart
          x={x}
          series={series}
          time={false}
          height={180}
          xLabel={label}
          yLabel="Members"
          label={`Histogram of ${label}: ${breakdown.histogram.map((b) => `${formatNumber(b.from)} to ${formatNumber(b.to)}: ${b.count}`).join('; ')}`}
        />
      ) : null}
      <table className="table compact" aria-label={`Most frequent values of ${label}`}>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col" className="num">
              Members
            </th>
            <th scope="col" className="num">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {breakdown.values.map((v) => (
            <tr key={String(v.value)}>
              <td>{String(v.value)}</td>
              <td className="num">{formatCount(v.count)}</td>
              <td className="num">
                <span className="share-bar" style={{ width: `${Math.round(v.share * 60)}px` }} aria-hidden="true" />
                {share(v.share)}
              </td>
            </tr>
          ))}
          {breakdown.other > 0 ? (
            <tr className="muted">
              <td>other values</td>
              <td className="num">{formatCount(breakdown.other)}</td>
              <td className="num">{share(breakdown.members ? breakdown.other / breakdown.members : 0)}</td>
            </tr>
          ) : null}
          {breakdown.missing > 0 ? (
            <tr className="muted">
              <td>no value</td>
              <td className="num">{formatCount(breakdown.missing)}</td>
              <td className="num">{share(breakdown.members ? breakdown.missing / breakdown.members : 0)}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
