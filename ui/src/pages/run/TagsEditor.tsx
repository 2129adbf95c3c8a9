/** A run's tags: add, edit and delete user tags; system tags (`mlflow.*`) are listed read-only. */
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { deleteRunTag, setRunTag } from '../../api/tracking';
import type { Tag } from '../../api/types';

export function TagsEditor({ runId, tags, onChanged }: { runId: string; tags: Tag[]; onChanged(): void }) {
  const [editing, setEditing] = useState<string | null>(null);
  const [editValue, setEditValue] = useState('');
  const [newKey, setNewKey] = useState('');
  const [newValue, setNewValue] = useState('');
  const [error, setError] = useState<string>();
  const [showSystem, setShowSystem] = useState(false);
  const user = tags.filter((t) => !t.key.startsWith('mlflow.')).sort((a, b) => a.key.localeCompare(b.key));
  const system = tags.filter((t) => t.key.startsWith('mlflow.')).sort((a, b) => a.key.localeCompare(b.key));

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      setError(undefined);
      onChanged();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  };

  return (
    <div className="panel pad" data-testid="run-tags">
      <h2>Tags ({user.length})</h2>
      <table className="data">
        <tbody>
          {user.map((t) => (
            <tr key={t.key} data-tag={t.key}>
              <td className="mono small" style={{ width: '35%' }}>
                {t.key}
              </td>
              <td className="mono small" style={{ wordBreak: 'break-word' }}>
                {editing === t.key ? (
                  <form
                    className="row"
                    onSubmit={async (e) => {
                      e.preventDefault();
                      if (await act(() => setRunTag(runId, t.key, editValue))) setEditing(null);
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
                  t.value
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
                      onClick={() => act(() => deleteRunTag(runId, t.key))}
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
      <form
        className="row"
        style={{ marginTop: 10 }}
        onSubmit={async (e) => {
          e.preventDefault();
          if (!newKey.trim()) {
            setError('A tag needs a key.');
            return;
          }
          if (await act(() => setRunTag(runId, newKey.trim(), newValue))) {
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
      {system.length > 0 && (
        <div style={{ marginTop: 12 }}>
          <button className="small ghost" onClick={() => setShowSystem(!showSystem)}>
            {showSystem ? '▾' : '▸'} System tags ({system.length})
          </button>
          {showSystem && (
            <table className="data">
              <tbody>
                {system.map((t) => (
                  <tr key={t.key}>
                    <td className="mono small muted" style={{ width: '35%' }}>
                      {t.key}
                    </td>
                    <td className="mono small" style={{ wordBreak: 'break-word' }}>
                      {t.value.length > 300 ? `${t.value.slice(0, 300)}…` : t.value}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </div>
  );
}
