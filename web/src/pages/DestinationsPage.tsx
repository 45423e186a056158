import { PageHeader, usePageTitle } from '../components/Layout';
import { EmptyState, ErrorNote, Loading } from '../components/States';
import { useSession } from '../lib/auth';
import { formatRelative } from '../lib/format';
import { Link } from '../lib/router';
import type { DestinationType, DestinationView } from '../lib/types';
import { useApi } from '../lib/useApi';

export function DestinationsPage() {
  usePageTitle('Destinations');
  const { can } = useSession();
  const destinations = useApi<DestinationView[]>('/api/destinations');
  const types = useApi<DestinationType[]>('/api/destination-types');
  const labels = new Map((types.data ?? []).map((t) => [t.type, t.label ?? t.type]));
  const add = can('destinations:write') ? (
    <Link to="/destinations/new" className="button primary">
      Add destination
    </Link>
  ) : null;
  return (
    <>
      <PageHeader title="Destinations" subtitle="The tools audiences are sent to, with their credentials (stored encrypted, never shown again)." actions={add} />
      {destinations.error ? (
        <ErrorNote error={destinations.error} onRetry={destinations.reload} />
      ) : !destinations.data ? (
        <Loading />
      ) : destinations.data.length === 0 ? (
        <EmptyState title="No destinations yet" action={add}>
          {can('destinations:write') ? 'Add the tool you want to send audiences to: an email platform, an ad network, a webhook.' : 'Ask an editor or admin to add one.'}
        </EmptyState>
      ) : (
        <table className="table responsive" aria-label="Destinations">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Last changed</th>
            </tr>
          </thead>
          <tbody>
            {destinations.data.map((d) => (
              <tr key={d.name}>
                <td data-label="Name">
                  <Link to={`/destinations/${encodeURIComponent(d.name)}`} className="strong">
                    {d.name}
                  </Link>
                </td>
                <td data-label="Type">{labels.get(d.type) ?? d.type}</td>
                <td data-label="Last changed">
                  {formatRelative(d.updatedAt)} {d.updatedBy ? <span className="muted small">by {d.updatedBy}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
