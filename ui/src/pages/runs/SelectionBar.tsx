/** What can be done with the selected runs: compare, chart, delete or restore (after a confirmation), clear. */
import { useState } from 'react';
import { navigate, withQuery } from '../../app/router';
import { deleteRun, restoreRun } from '../../api/tracking';
import { ConfirmDialog } from '../../components/Modal';

export function SelectionBar(props: {
  selectedIds: string[];
  experimentIds: string[];
  deleted: boolean;
  onChart: () => void;
  onClear: () => void;
  /** After runs were deleted or restored. */
  onChanged: () => void;
}) {
  const { selectedIds, experimentIds, deleted, onChart, onClear, onChanged } = props;
  const [confirm, setConfirm] = useState<'delete' | 'restore' | null>(null);
  const count = selectedIds.length;
  return (
    <>
      {count > 0 && (
        <div className="selection-bar toolbar" data-testid="selection-bar">
          <strong>{count} selected</strong>
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
            <button onClick={() => setConfirm('restore')} data-testid="restore-selected">
              Restore
            </button>
          ) : (
            <button className="danger" onClick={() => setConfirm('delete')} data-testid="delete-selected">
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
