import { useMemo, useState } from 'react';
import { Chart } from '../components/Chart';
import { PageHeader, usePageTitle } from '../components/Layout';
import { Tile } from '../components/Tile';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { formatCount, formatDateTime } from '../lib/format';
import type { ClassifierQuality, PredictionDetail, PredictionView, RegressionQuality } from '../lib/types';
import { useApi } from '../lib/useApi';

const fixed = (value: number | null | undefined, digits = 3) => (value === null || value === undefined ? '–' : value.toFixed(digits));

/** Predictive traits: each model's backtest against the recency/frequency baseline, calibration, drivers, scores. */
export function PredictionsPage() {
  usePageTitle('Predictions');
  const list = useApi<PredictionView[]>('/api/predictions');
  const [chosen, setChosen] = useState<string | null>(null);
  const predictions = list.data ?? [];
  const name = chosen ?? predictions[0]?.name ?? null;
  return (
    <>
      <PageHeader
        title="Predictions"
        subtitle="Propensity, churn and lifetime value, trained on your history and scored into profile traits on every run. Use them in audiences like any trait."
      />
      {list.error ? <ErrorNote error={list.error} onRetry={list.reload} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && predictions.length === 0 ? (
        <EmptyState title="No predictions configured">
          Declare one under <code>predictions</code> in cdp.config.ts (see docs/predictions.md); the next <code>cdp run</code> trains and scores it.
        </EmptyState>
      ) : null}
      {predictions.length > 0 ? (
        <div className="chips prediction-tabs" role="tablist" aria-label="Predictions">
          {predictions.map((p) => (
            <button key={p.name} type="button" role="tab" className="chip" aria-selected={p.name === name} onClick={() => setChosen(p.name)}>
              {p.name} <span className="muted small">({p.kind})</span>
            </button>
          ))}
        </div>
      ) : null}
      {name ? <PredictionPanel key={name} name={name} /> : null}
    </>
  );
}

function PredictionPanel({ name }: { name: string }) {
  const detail = useApi<PredictionDetail>(`/api/predictions/${encodeURIComponent(name)}`);
  if (detail.error) return <ErrorNote error={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <Loading />;
  const p = detail.data;
  const e = p.evaluation;
  return (
    <section aria-label={`Prediction ${p.name}`} data-testid="prediction">
      <p>
        <strong>{p.name}</strong>: {p.description ?? p.meaning} — <code>{p.event}</code> within {p.windowDays} days. Traits <code>{p.columns.score}</code> and{' '}
        <code>{p.columns.percentile}</code> (0–100).
      </p>
      <div className="tiles">
        <Tile label="Model AUC" value={fixed(e?.model.auc)} note={e ? `baseline ${fixed(e.baseline.auc)}` : 'not evaluated yet'} />
        <Tile label="Calibration error" value={fixed(e?.model.calibrationError)} note={e ? `baseline ${fixed(e.baseline.calibrationError)}` : undefined} />
        <Tile label="Top-decile lift" value={fixed(e?.model.topDecileLift, 2)} note={e ? `baseline ${fixed(e.baseline.topDecileLift, 2)}` : undefined} />
        <Tile
          label="Trained"
          value={p.model ? formatDateTime(p.model.trainedAt) : 'never'}
          note={p.model ? `${formatCount(p.model.rows)} profiles${p.model.current ? '' : ' · config changed: retrains on the next run'}` : 'the next cdp run trains it'}
        />
      </div>
      {e ? null : (
        <p className="muted">
          No backtest yet: run <code>cdp predict evaluate {p.name}</code> to compare it with the recency/frequency baseline.
        </p>
      )}
      {e ? <QualityCard evaluation={e} /> : null}
      <div className="two-columns">
        {e ? <CalibrationCard quality={e.model} /> : null}
        <DistributionCard detail={p} />
      </div>
      <DriversCard detail={p} />
    </section>
  );
}

function QualityCard({ evaluation: e }: { evaluation: NonNullable<PredictionDetail['evaluation']> }) {
  const row = (label: string, q: ClassifierQuality) => (
    <tr>
      <th scope="row">{label}</th>
      <td className="num">{fixed(q.auc)}</td>
      <td className="num">{fixed(q.brier, 4)}</td>
      <td className="num">{fixed(q.calibrationError, 4)}</td>
      <td className="num">{fixed(q.topDecileLift, 2)}</td>
    </tr>
  );
  const value = (label: string, q: RegressionQuality) => (
    <tr>
      <th scope="row">{label}</th>
      <td className="num">{fixed(q.mae, 2)}</td>
      <td className="num">{fixed(q.rmse, 2)}</td>
      <td className="num">{fixed(q.spearman)}</td>
    </tr>
  );
  return (
    <div className="card prediction-quality">
      <h3>Quality vs baseline</h3>
      <p className="muted small">
        Trained at {formatDateTime(e.trainCutoff)}, tested on {formatCount(e.testRows)} profiles at {formatDateTime(e.testCutoff)} ({formatCount(e.model.positives)} positive,{' '}
        {formatCount(e.model.negatives)} negative).
      </p>
      <table className="table compact">
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col" className="num">AUC</th>
            <th scope="col" className="num">Brier</th>
            <th scope="col" className="num">Calib. error</th>
            <th scope="col" className="num">Top-decile lift</th>
          </tr>
        </thead>
        <tbody>
          {row('Model', e.model)}
          {row('Recency/frequency', e.baseline)}
        </tbody>
      </table>
      {e.value ? (
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Value</th>
              <th scope="col" className="num">MAE</th>
              <th scope="col" className="num">RMSE</th>
              <th scope="col" className="num">Spearman</th>
            </tr>
          </thead>
          <tbody>
            {value('Two-part model', e.value.model)}
            {value('Recent average', e.value.baseline)}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function CalibrationCard({ quality }: { quality: ClassifierQuality }) {
  const x = useMemo(() => quality.calibration.map((b) => b.predicted), [quality]);
  const series = useMemo(
    () => [
      { label: 'Observed', values: quality.calibration.map((b) => b.observed) },
      { label: 'Perfect', values: quality.calibration.map((b) => b.predicted), color: '#9ca3af' },
    ],
    [quality],
  );
  return (
    <div className="card">
      <h3>Calibration</h3>
      <Chart x={x} series={series} time={false} xLabel="predicted" yLabel="observed" label={`Observed rate against predicted probability over ${quality.calibration.length} bins; calibration error ${fixed(quality.calibrationError)}`} />
    </div>
  );
}

function DistributionCard({ detail }: { detail: PredictionDetail }) {
  const bins = detail.distribution;
  const x = useMemo(() => (bins ?? []).map((b) => (b.from + b.to) / 2), [bins]);
  const series = useMemo(() => [{ label: 'Profiles', values: (bins ?? []).map((b) => b.count), bars: true }], [bins]);
  return (
    <div className="card">
      <h3>Score distribution</h3>
      {bins ? (
        <Chart x={x} series={series} time={false} xLabel={detail.kind === 'ltv' ? 'expected value' : 'probability'} yLabel="profiles" label={`How many profiles have each score of ${detail.name}`} />
      ) : (
        <p className="muted small">Not scored yet: the next cdp run writes the scores.</p>
      )}
    </div>
  );
}

function DriversCard({ detail }: { detail: PredictionDetail }) {
  const top = detail.drivers.slice(0, 12);
  const largest = Math.max(...top.map((d) => Math.abs(d.weight)), 1e-9);
  return (
    <div className="card prediction-drivers">
      <h3>What drives it</h3>
      <p className="muted small">Change of the log-odds per standard deviation of each feature; green raises the score, red lowers it.</p>
      <ul className="bars">
        {top.map((d) => (
          <li key={d.feature}>
            <span className="bar-label" title={d.feature}>
              {d.feature}
            </span>
            <span className="bar" aria-hidden="true">
              <span style={{ width: `${(Math.abs(d.weight) / largest) * 100}%`, background: d.weight > 0 ? '#16a34a' : '#dc2626' }} />
            </span>
            <span className="bar-value">{(d.weight > 0 ? '+' : '') + d.weight.toFixed(2)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
