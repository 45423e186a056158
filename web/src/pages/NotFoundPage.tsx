import { EmptyState } from '../components/States';
import { usePageTitle } from '../components/Layout';
import { Link } from '../lib/router';

export function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <EmptyState title="There is no page here" action={<Link to="/">Go to the overview</Link>}>
      The address may be mistyped, or what it showed was deleted.
    </EmptyState>
  );
}
