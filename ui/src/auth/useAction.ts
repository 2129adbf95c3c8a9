/** Runs a form's or button's server call: busy while it runs, its error kept for display. */
import { useState } from 'react';
import { errorMessage } from '../api/client';

export interface Action {
  busy: boolean;
  error: string | undefined;
  setError(message: string | undefined): void;
  /** Resolves true when the call succeeded, false when it failed (the error is then set). */
  run(call: () => Promise<unknown>): Promise<boolean>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (call: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await call();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
