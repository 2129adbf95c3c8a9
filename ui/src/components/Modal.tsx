/** The app's dialogs: confirmation, single input, and a form of a few fields; each busy while it acts. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { errorMessage } from '../api/client';

interface ConfirmProps {
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<unknown>;
  onClose(): void;
}

export function ConfirmDialog({ title, children, confirmLabel, danger, onConfirm, onClose }: ConfirmProps) {
  const { busy, error, run } = useDialogAction(onConfirm, onClose);
  return (
    <Backdrop onClose={onClose}>
      <h2>{title}</h2>
      {children && <p>{children}</p>}
      {error && <div className="error">{error}</div>}
      <div className="actions">
        <button onClick={onClose}>Cancel</button>
        <button className={danger ? 'danger solid' : 'primary'} disabled={busy} onClick={run} autoFocus>
          {confirmLabel}
        </button>
      </div>
    </Backdrop>
  );
}

interface PromptProps {
  title: string;
  label?: string;
  initial?: string;
  placeholder?: string;
  confirmLabel: string;
  onSubmit(value: string): Promise<unknown>;
  onClose(): void;
}

export function PromptDialog({
  title,
  label,
  initial = '',
  placeholder,
  confirmLabel,
  onSubmit,
  onClose,
}: PromptProps) {
  const [value, setValue] = useState(initial);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  return (
    <FormDialog
      title={title}
      submitLabel={confirmLabel}
      onClose={onClose}
      onSubmit={async () => {
        if (!value.trim()) throw new Error('Please enter a name.');
        await onSubmit(value.trim());
      }}
    >
      {label && <p>{label}</p>}
      <input
        ref={input}
        value={value}
        placeholder={placeholder}
        onChange={(e) => setValue(e.target.value)}
        autoFocus
      />
    </FormDialog>
  );
}

interface FormProps {
  title: string;
  submitLabel: string;
  danger?: boolean;
  children: ReactNode;
  /** Resolves when done (the dialog closes); a thrown error is shown in the dialog. */
  onSubmit(): Promise<unknown>;
  onClose(): void;
  testId?: string;
}

/** A dialog with a few form fields and a submit button. */
export function FormDialog({ title, submitLabel, danger, children, onSubmit, onClose, testId }: FormProps) {
  const { busy, error, run } = useDialogAction(onSubmit, onClose);
  return (
    <Backdrop onClose={onClose}>
      <form
        data-testid={testId}
        onSubmit={(e) => {
          e.preventDefault();
          void run();
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

/**
 * A dialog's action: busy while it runs, closes the dialog when it succeeds, and keeps the dialog
 * open showing the error when it fails.
 */
function useDialogAction(action: () => Promise<unknown>, onClose: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async () => {
    setBusy(true);
    try {
      await action();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function Backdrop({ children, onClose }: { children: ReactNode; onClose(): void }) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-back" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true">
        {children}
      </div>
    </div>
  );
}
