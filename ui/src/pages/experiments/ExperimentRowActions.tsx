/**
 * The Rename / Delete (or Restore) buttons of one experiments-list row. With access control on,
 * the caller's permission on the experiment is asked only once the pointer or the keyboard focus
 * reaches the row's actions (not one request per listed experiment); the buttons the caller may
 * not use are then disabled, with the reason as their title.
 */
import { useState } from 'react';
import type { Experiment } from '../../api/types';
import { useResourceAccess } from '../../auth/permission';

export function ExperimentRowActions({
  exp,
  deleted,
  onRename,
  onDelete,
  onRestore,
}: {
  exp: Experiment;
  deleted: boolean;
  onRename(): void;
  onDelete(): void;
  onRestore(): void;
}) {
  const [asked, setAsked] = useState(false);
  const access = useResourceAccess('experiment', asked ? exp.experiment_id : undefined);
  const ask = () => setAsked(true);
  const cannotUpdate = access.denied('update');
  // Deleting and restoring need the same permission (the server's table).
  const cannotDelete = access.denied('delete');
  return (
    <td
      style={{ textAlign: 'right' }}
      className="nowrap"
      onPointerEnter={ask}
      onFocus={ask}
      data-testid="experiment-actions"
      data-permission={access.permission ?? ''}
    >
      {deleted ? (
        <button className="small" onClick={onRestore} disabled={Boolean(cannotDelete)} title={cannotDelete}>
          Restore
        </button>
      ) : (
        <>
          <button
            className="small ghost"
            onClick={onRename}
            disabled={Boolean(cannotUpdate)}
            title={cannotUpdate}
            data-testid="rename-experiment"
          >
            Rename
          </button>{' '}
          <button
            className="small ghost"
            onClick={onDelete}
            disabled={Boolean(cannotDelete)}
            title={cannotDelete}
            data-testid="delete-experiment"
          >
            Delete
          </button>
        </>
      )}
    </td>
  );
}
