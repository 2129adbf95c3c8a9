/** Shows its page to administrators only (the server refuses others anyway; this says so plainly). */
import type { ReactNode } from 'react';
import { EmptyState, Loading } from '../components/States';
import { useSession } from './session';

export function RequireAdmin({ children }: { children: ReactNode }) {
  const session = useSession();
  if (session.status === 'unknown') return <Loading />;
  if (session.status === 'off')
    return (
      <div className="panel">
        <EmptyState title="Access control is off">
          <p>
            Start the server with <code>--auth</code> to manage users, groups and the audit log.
          </p>
        </EmptyState>
      </div>
    );
  if (session.status !== 'signed-in' || !session.user.is_admin)
    return (
      <div className="panel" data-testid="admin-only">
        <EmptyState title="Administrators only">
          <p>This page is for administrators.</p>
        </EmptyState>
      </div>
    );
  return <>{children}</>;
}
