/** Tags of a registered model or a model version: add, edit, delete (with confirmation). */
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import type { Tag } from '../../api/types';
import { ConfirmDialog } from '../../components/Modal';

interface Props {
  tags: Tag[];
  onSet(key: string, value: string): Promise<unknown>;
  onDelete(key: string): Promise<unknown>;
}

export function TagTable({ tags, onSet, onDelete }: Props) {
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
    <div className="panel pad" data-testid="registry-tags">
      <h2>Tags ({sorted.length})</h2>
      {sorted.length === 0 ? (
        <p className="muted small" style={{ marginTop: 0 }}>
          No tags. Tags record facts such as the training data, owner or validation result.
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
                        data-testid="edit-tag"
                      >
                        Edit
                      </button>
                      <button
                        className="small ghost"
                        onClick={() => setDeleting(t.key)}
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
        <button type="submit" data-testid="add-tag">
          Add tag
        </button>
      </form>
      {error && (
        <div className="error" style={{ marginTop: 8 }}>
          {error}
        </div>
      )}
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
