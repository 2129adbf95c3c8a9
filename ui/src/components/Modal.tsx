/** Confirmation and single-input dialogs. */
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async () => {
    setBusy(true);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.select(), []);
  const submit = async () => {
    if (!value.trim()) {
      setError('Please enter a name.');
      return;
    }
    setBusy(true);
    try {
      await onSubmit(value.trim());
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };
  return (
    <Backdrop onClose={onClose}>
      <h2>{title}</h2>
      {label && <p>{label}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <input
          ref={input}
          value={value}
          placeholder={placeholder}
          onChange={(e) => setValue(e.target.value)}
          autoFocus
        />
        {error && (
          <div className="error" style={{ marginTop: 10 }}>
            {error}
          </div>
        )}
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </Backdrop>
  );
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
