import { useEffect, useId, useState } from 'react';
import { AudienceSizeChart, IdentityCharts, SourceRecordsChart, SyncDaysCharts } from '../components/HistoryCharts';
import { PageHeader, usePageTitle } from '../components/Layout';
import type { AudienceSummary } from '../lib/types';
import { useApi } from '../lib/useApi';

/** History over time: identity builds, records per source, sync health, audience sizes. */
export function DashboardsPage() {
  usePageTitle('Dashboards');
  return (
    <>
      <PageHeader title="Dashboards" subtitle="How profiles, sources, syncs and audiences changed over time." />
      <section aria-labelledby="dash-identity" className="section">
        <h2 id="dash-identity">Identity</h2>
        <IdentityCharts />
      </section>
      <section aria-labelledby="dash-sources" className="section">
        <h2 id="dash-sources">Sources</h2>
        <SourceRecordsChart />
      </section>
      <section aria-labelledby="dash-syncs" className="section">
        <h2 id="dash-syncs">Syncs</h2>
        <SyncDaysCharts />
      </section>
      <section aria-labelledby="dash-audiences" className="section">
        <h2 id="dash-audiences">Audiences</h2>
        <AudiencePicker />
      </section>
    </>
  );
}

function AudiencePicker() {
  const audiences = useApi<AudienceSummary[]>('/api/audiences');
  const [name, setName] = useState<string | null>(null);
  const id = useId();
  const names = (audiences.data ?? []).filter((a) => !a.error).map((a) => a.name);
  useEffect(() => {
    if (name === null && names.length) setName(names[0]!);
  }, [name, names]);
  if (audiences.data && !names.length) return <p className="muted">No audiences yet.</p>;
  return (
    <>
      <div className="field inline-field">
        <label htmlFor={id}>Audience</label>
        <select id={id} value={name ?? ''} onChange={(e) => setName(e.target.value)}>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </div>
      {name ? <AudienceSizeChart key={name} name={name} /> : null}
    </>
  );
}
