/**
 * A panel with an editable Markdown description (of a run, a registered model or a model
 * version), rendered sanitized (see Markdown), with a preview while editing.
 */
import { useState } from 'react';
import { errorMessage } from '../api/client';
import { Markdown } from './Markdown';

interface Props {
  value: string;
  testId: string;
  /** What the empty state suggests writing. */
  emptyText: string;
  onSave(text: string): Promise<unknown>;
  /** Why the user may not change it (the buttons are disabled with this as their tooltip). */
  denied?: string;
}

export function DescriptionEditor({ value, testId, emptyText, onSave, denied }: Props) {
  const [editing, setEditing] = useState(false);
  const [preview, setPreview] = useState(false);
  const [text, setText] = useState(value);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    try {
      await onSave(text);
      setEditing(false);
      setError(undefined);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="panel pad" data-testid={testId}>
      <div className="row" style={{ marginBottom: 10 }}>
        <h2 style={{ margin: 0, flex: 1 }}>Description</h2>
        {!editing && (
          <button
            className="small"
            onClick={() => {
              setText(value);
              setPreview(false);
              setEditing(true);
            }}
            disabled={!!denied}
            title={denied}
            data-testid="edit-description"
          >
            Edit
          </button>
        )}
      </div>
      {editing ? (
        <>
          <div className="seg" style={{ marginBottom: 6 }}>
            <button
              className={preview ? '' : 'on'}
              onClick={() => setPreview(false)}
              data-testid="description-write"
            >
              Write
            </button>
            <button
              className={preview ? 'on' : ''}
              onClick={() => setPreview(true)}
              data-testid="description-preview"
            >
              Preview
            </button>
          </div>
          {preview ? (
            <div className="description-preview" data-testid="description-preview-text">
              {text.trim() ? <Markdown text={text} /> : <p className="muted">Nothing to preview.</p>}
            </div>
          ) : (
            <textarea
              value={text}
              onChange={(e) => setText(e.target.value)}
              autoFocus
              rows={8}
              placeholder="Markdown: # heading, - list, **bold**, `code`, [link](https://…)"
              data-testid="description-input"
            />
          )}
          {error && <div className="error">{error}</div>}
          <div className="row" style={{ justifyContent: 'flex-end', marginTop: 8 }}>
            <span className="muted small" style={{ flex: 1 }}>
              Markdown supported
            </span>
            <button onClick={() => setEditing(false)}>Cancel</button>
            <button className="primary" onClick={save} disabled={busy} data-testid="save-description">
              Save
            </button>
          </div>
        </>
      ) : value ? (
        <div data-testid="description-text">
          <Markdown text={value} />
        </div>
      ) : (
        <p className="muted">{emptyText}</p>
      )}
    </div>
  );
}
