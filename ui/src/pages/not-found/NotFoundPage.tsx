/** "Not found": an unknown address, or an experiment, run or model that does not exist, with a way back. */
import type { ReactNode } from 'react';
import { Link } from '../../app/router';
import { EmptyState } from '../../components/States';

interface Props {
  /** What was looked for, e.g. "Experiment 9999"; without it the address itself is unknown. */
  what?: string;
  /** Where to go instead. */
  back?: { to: string; label: string };
  children?: ReactNode;
}

export function NotFoundPage({ what, back = { to: '/', label: 'experiments' }, children }: Props) {
  return (
    <div className="panel" data-testid="not-found">
      <EmptyState title={what ? `${what} not found` : 'Page not found'}>
        <p>
          {what ? (
            <>It may have been deleted permanently, or the link is wrong. </>
          ) : (
            <>
              There is nothing at <code>{window.location.pathname}</code>.{' '}
            </>
          )}
          Go back to the{' '}
          <Link to={back.to} data-testid="not-found-back">
            {back.label}
          </Link>
          .
        </p>
        {children}
      </EmptyState>
    </div>
  );
}
