/** The runs page's heading: experiment names, the live badge while runs are in progress, table/charts switch. */
import { Link } from '../../app/router';
import { useResourceAccess } from '../../auth/permission';
import { PermissionsLink } from '../permissions/PermissionsLink';
import type { RunsView } from './useRunsUrlState';

export function RunsHeader(props: {
  ids: string[];
  title: string;
  live: boolean;
  view: RunsView;
  onView: (view: RunsView) => void;
}) {
  const { ids, title, live, view, onView } = props;
  const single = ids.length === 1 ? ids[0] : undefined;
  const access = useResourceAccess('experiment', single);
  return (
    <>
      <div className="crumbs">
        <Link to="/experiments">Experiments</Link> /
      </div>
      <div className="page-head">
        <h1 data-testid="experiment-title">{title || '…'}</h1>
        {ids.length === 1 && <span className="muted small">ID {ids[0]}</span>}
        {live && (
          <span
            className="badge RUNNING"
            title="Runs are in progress: this view refreshes every 1.5 s"
            data-testid="live-indicator"
          >
            Live
          </span>
        )}
        <span className="grow" />
        {single && <PermissionsLink kind="experiment" id={single} access={access} />}
        <div className="seg">
          <button
            className={view === 'table' ? 'on' : ''}
            onClick={() => onView('table')}
            data-testid="view-table"
          >
            Table
          </button>
          <button
            className={view === 'charts' ? 'on' : ''}
            onClick={() => onView('charts')}
            data-testid="view-charts"
          >
            Charts
          </button>
        </div>
      </div>
    </>
  );
}
