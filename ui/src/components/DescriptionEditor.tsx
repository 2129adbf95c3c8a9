/** A panel with an editable free-text description (of a run, a registered model or a model version). */
import { useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client';

interface Props {
  value: string;
  testId: string;
  /** What the empty state suggests writing. */
  emptyText: string;
  onSave(text: string): Promise<unknown>;
  /** Renders the saved text (e.g. as Markdown); without it the text is shown as written. */
  render?(text: string): ReactNode;
  /** The textarea's placeholder and a note beside the buttons, for text written in a markup. */
  inputPlaceholder?: string;
  inputNote?: string;
}

export function DescriptionEditor({
  value,
  testId,
  emptyText,
  onSave,
  render,
  inputPlaceholder,
  inputNote,
}: Props) {
  const [editing, setEditing] = useState(false);
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
              setEditing(true);
            }}
            data-testid="edit-description"
          >
            Edit
          </button>
        )}
      </div>
      {editing ? (
        <>
          <textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoFocus
            rows={8}
            placeholder={inputPlaceholder}
            data-testid="description-input"
          />
          {error && <div className="error">{error}</div>}
          <div className="row" style={{ justifyContent: 'flex-end', marginTop: 8 }}>
            {inputNote && (
              <span className="muted small" style={{ flex: 1 }}>
                {inputNote}
              </span>
            )}
            <button onClick={() => setEditing(false)}>Cancel</button>
            <button className="primary" onClick={save} disabled={busy} data-testid="save-description">
              Save
            </button>
          </div>
        </>
      ) : value ? (
        render ? (
          <div data-testid="description-text">{render(value)}</div>
        ) : (
          <div className="description-text" data-testid="description-text">
            {value}
          </div>
        )
      ) : (
        <p className="muted">{emptyText}</p>
      )}
    </div>
  );
}
