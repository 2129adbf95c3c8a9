/**
 * What can be done with the selected runs: compare, chart, delete or restore (after a
 * confirmation), clear. After "select all" it says that only the loaded runs were selected and
 * offers to select every matching run.
 */
import { useState } from 'react';
import { navigate, withQuery } from '../../app/router';
import { deleteRun, restoreRun } from '../../api/tracking';
import { ConfirmDialog } from '../../components/Modal';
import { useResourceAccess } from '../../auth/permission';

export function SelectionBar(props: {
  selectedIds: string[];
  experimentIds: string[];
  deleted: boolean;
  onChart: () => void;
  onClear: () => void;
  /** After runs were deleted or restored. */
  onChanged: () => void;
  /** Every loaded row is selected while more runs match than are loaded. */
  loadedAllSelected?: { loaded: number; hasMore: boolean };
  /** Selects every run matching the filter (up to SELECT_ALL_CAP). */
  onSelectAllMatching?: () => void;
  /** Set after "select all matching": how many matched, and whether more exist beyond the cap. */
  allMatching?: { loading: boolean; count?: number; more?: boolean; error?: string };
}) {
  const { selectedIds, experimentIds, deleted, onChart, onClear, onChanged } = props;
  const { loadedAllSelected, allMatching } = props;
  const [confirm, setConfirm] = useState<'delete' | 'restore' | null>(null);
  const count = selectedIds.length;
  // Deleting and restoring runs needs MANAGE on their experiment (known when there is one).
  const access = useResourceAccess('experiment', experimentIds.length === 1 ? experimentIds[0] : undefined);
  const deniedReason = access.denied('delete');
  return (
    <>
      {count > 0 && (
        <div className="selection-bar toolbar" data-testid="selection-bar">
          <strong>{count.toLocaleString('en-US')} selected</strong>
          {allMatching ? (
            <span className="small" data-testid="select-all-note">
              {allMatching.loading
                ? 'Selecting all matching runs…'
                : allMatching.error
                  ? `Could not select all matching runs: ${allMatching.error}`
                  : allMatching.more
                    ? `The first ${allMatching.count?.toLocaleString('en-US')} matching runs are selected (the most at once).`
                    : `All ${allMatching.count?.toLocaleString('en-US')} matching runs are selected.`}
            </span>
          ) : (
            loadedAllSelected && (
              <span className="small" data-testid="select-all-note">
                {loadedAllSelected.hasMore
                  ? `All ${loadedAllSelected.loaded.toLocaleString('en-US')} loaded runs are selected; more runs match.`
                  : `All ${loadedAllSelected.loaded.toLocaleString('en-US')} runs are selected.`}{' '}
                {loadedAllSelected.hasMore && (
                  <button
                    className="small"
                    onClick={props.onSelectAllMatching}
                    data-testid="select-all-matching"
                  >
                    Select all matching runs
                  </button>
                )}
              </span>
            )
          )}
          <button
            disabled={count < 2}
            onClick={() =>
              navigate(withQuery('/compare', { runs: selectedIds.join(','), exp: experimentIds.join(',') }))
            }
            data-testid="compare-selected"
          >
            Compare
          </button>
          <button onClick={onChart}>Chart</button>
          {deleted ? (
            <button
              onClick={() => setConfirm('restore')}
              disabled={!!deniedReason}
              title={deniedReason}
              data-testid="restore-selected"
            >
              Restore
            </button>
          ) : (
            <button
              className="danger"
              onClick={() => setConfirm('delete')}
              disabled={!!deniedReason}
              title={deniedReason}
              data-testid="delete-selected"
            >
              Delete
            </button>
          )}
          <button className="ghost" onClick={onClear}>
            Clear selection
          </button>
        </div>
      )}
      {confirm && (
        <ConfirmDialog
          title={`${confirm === 'delete' ? 'Delete' : 'Restore'} ${count} run${count > 1 ? 's' : ''}?`}
          confirmLabel={confirm === 'delete' ? 'Delete' : 'Restore'}
          danger={confirm === 'delete'}
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            for (const id of selectedIds) await (confirm === 'delete' ? deleteRun(id) : restoreRun(id));
            onClear();
            onChanged();
          }}
        >
          {confirm === 'delete'
            ? 'Deleted runs can be restored from the “Deleted runs” view.'
            : 'The runs return to the active list.'}
        </ConfirmDialog>
      )}
    </>
  );
}
