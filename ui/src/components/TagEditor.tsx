/** A panel of editable key/value tags (of a run, a registered model or a model version): add, edit, delete. */
import { useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client';
import type { Tag } from '../api/types';
import { ConfirmDialog } from './Modal';

interface Props {
  /** The editable tags, in any order (shown sorted by key). */
  tags: Tag[];
  onSet(key: string, value: string): Promise<unknown>;
  onDelete(key: string): Promise<unknown>;
  testId: string;
  /** Asks before deleting a tag (a deleted tag cannot be restored). */
  confirmDelete?: boolean;
  /** Shown instead of an empty table when there are no tags. */
  emptyText?: string;
  /** Extra content at the foot of the panel. */
  children?: ReactNode;
  /** Why the user may not change it (the buttons are disabled with this as their tooltip). */
  denied?: string;
}

export function TagEditor(props: Props) {
  const { tags, onSet, onDelete, testId, confirmDelete, emptyText, children, denied } = props;
  const [editing, setEditing] = useState<string | null>(null);
  const [editValue, setEditValue] = useState('');
  const [newKey, setNewKey] = useState('');
  const [newValue, setNewValue] = useState('');
  const [error, setError] = useState<string>();
  const [deleting, setDeleting] = useState<string | null>(null);
  const sorted = [...tags].sort((a, b) => a.key.localeCompare(b.key));

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setError(undefined);
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  };

  return (
    <div className="panel pad" data-testid={testId}>
      <h2>Tags ({sorted.length})</h2>
      {sorted.length === 0 && emptyText !== undefined ? (
        <p className="muted small" style={{ marginTop: 0 }}>
          {emptyText}
        </p>
      ) : (
        <table className="data">
          <tbody>
            {sorted.map((t) => (
              <tr key={t.key} data-tag={t.key} data-testid="tag-row">
                <td className="mono small" style={{ width: '35%' }}>
                  {t.key}
                </td>
                <td className="mono small" style={{ wordBreak: 'break-word' }}>
                  {editing === t.key ? (
                    <form
                      className="row"
                      onSubmit={async (e) => {
                        e.preventDefault();
                        if (await act(() => onSet(t.key, editValue))) setEditing(null);
                      }}
                    >
                      <input
                        value={editValue}
                        onChange={(e) => setEditValue(e.target.value)}
                        autoFocus
                        style={{ flex: 1 }}
                        data-testid="tag-edit-input"
                      />
                      <button type="submit" className="small primary">
                        Save
                      </button>
                      <button type="button" className="small" onClick={() => setEditing(null)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    <span data-testid="tag-value">{t.value}</span>
                  )}
                </td>
                <td className="nowrap" style={{ width: 1 }}>
                  {editing !== t.key && (
                    <>
                      <button
                        className="small ghost"
                        onClick={() => {
                          setEditing(t.key);
                          setEditValue(t.value);
                        }}
                        disabled={!!denied}
                        title={denied}
                        data-testid="edit-tag"
                      >
                        Edit
                      </button>
                      <button
                        className="small ghost"
                        onClick={() => (confirmDelete ? setDeleting(t.key) : act(() => onDelete(t.key)))}
                        disabled={!!denied}
                        title={denied}
                        data-testid="delete-tag"
                      >
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="row"
        style={{ marginTop: 10 }}
        onSubmit={async (e) => {
          e.preventDefault();
          if (!newKey.trim()) {
            setError('A tag needs a key.');
            return;
          }
          if (await act(() => onSet(newKey.trim(), newValue))) {
            setNewKey('');
            setNewValue('');
          }
        }}
      >
        <input
          placeholder="key"
          value={newKey}
          onChange={(e) => setNewKey(e.target.value)}
          data-testid="new-tag-key"
        />
        <input
          placeholder="value"
          value={newValue}
          onChange={(e) => setNewValue(e.target.value)}
          style={{ flex: 1 }}
          data-testid="new-tag-value"
        />
        <button type="submit" disabled={!!denied} title={denied} data-testid="add-tag">
          Add tag
        </button>
      </form>
      {error && (
        <div className="error" style={{ marginTop: 8 }}>
          {error}
        </div>
      )}
      {children}
      {deleting !== null && (
        <ConfirmDialog
          title={`Delete tag “${deleting}”?`}
          confirmLabel="Delete tag"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={() => onDelete(deleting)}
        />
      )}
    </div>
  );
}
