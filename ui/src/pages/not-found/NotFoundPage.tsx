import { Link } from '../../app/router';
import { EmptyState } from '../../components/States';

export function NotFoundPage() {
  return (
    <EmptyState title="Page not found">
      <p>
        There is nothing at <code>{window.location.pathname}</code>. Go back to the{' '}
        <Link to="/">experiments</Link>.
      </p>
    </EmptyState>
  );
}
