/** A dialog with a few form fields, a submit button, busy and error states (built on the app's modal). */
import { useState, type ReactNode } from 'react';
import { errorMessage } from '../../api/client';
import { Backdrop } from '../../components/Modal';

interface Props {
  title: string;
  submitLabel: string;
  danger?: boolean;
  children: ReactNode;
  /** Resolves when done (the dialog closes); a thrown error is shown in the dialog. */
  onSubmit(): Promise<unknown>;
  onClose(): void;
  testId?: string;
}

export function FormDialog({ title, submitLabel, danger, children, onSubmit, onClose, testId }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async () => {
    setBusy(true);
    try {
      await onSubmit();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Backdrop onClose={onClose}>
      <form
        data-testid={testId}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2>{title}</h2>
        {children}
        {error && (
          <div className="error" style={{ marginTop: 10 }} role="alert">
            {error}
          </div>
        )}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'danger solid' : 'primary'} disabled={busy}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Backdrop>
  );
}
