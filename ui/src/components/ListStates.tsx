/** A list's error, loading and empty states around its content, so every list page behaves the same. */
import type { ReactNode } from 'react';
import type { AsyncState } from '../app/hooks';
import { ErrorBox, Loading } from './States';

interface Props<T> {
  state: AsyncState<T>;
  loadingLabel: string;
  /** Whether the loaded list has no items; `empty` is then shown in a panel instead of `children`. */
  isEmpty: boolean;
  empty: ReactNode;
  children: ReactNode;
}

export function ListStates<T>({ state, loadingLabel, isEmpty, empty, children }: Props<T>) {
  return (
    <>
      {state.error && <ErrorBox message={state.error} onRetry={state.reload} />}
      {state.loading && !state.data ? (
        <Loading label={loadingLabel} />
      ) : isEmpty && !state.error ? (
        <div className="panel">{empty}</div>
      ) : (
        children
      )}
    </>
  );
}
