/** Why the runs table is empty: nothing matches the filter, no deleted runs, or no run logged yet. */
import { EmptyState, FirstRunSnippet } from '../../components/States';

export function RunsEmpty(props: {
  filter: string;
  deleted: boolean;
  experimentName: string | undefined;
  onClearFilter: () => void;
}) {
  const { filter, deleted, experimentName, onClearFilter } = props;
  return (
    <div className="panel">
      {filter ? (
        <EmptyState title="No runs match this filter">
          <p>
            Check the filter above, or{' '}
            <a onClick={onClearFilter} href="#">
              clear it
            </a>
            .
          </p>
        </EmptyState>
      ) : deleted ? (
        <EmptyState title="No deleted runs">
          <p>Runs you delete appear here and can be restored.</p>
        </EmptyState>
      ) : (
        <EmptyState title="No runs in this experiment yet">
          <p>Log a first run from your training code; it appears here while it runs:</p>
          <FirstRunSnippet experimentName={experimentName} />
        </EmptyState>
      )}
    </div>
  );
}
