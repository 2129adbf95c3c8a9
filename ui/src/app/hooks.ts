import { useEffect, useRef, useState, type DependencyList, type RefObject } from 'react';
import { ApiError, errorMessage, isAbort } from '../api/client';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | undefined;
  /** The last load failed because the thing does not exist (HTTP 404 / RESOURCE_DOES_NOT_EXIST). */
  notFound: boolean;
  loading: boolean;
  /** Runs the loader again (keeps the current data while loading). */
  reload(): void;
  setData(update: (old: T | undefined) => T | undefined): void;
}

/** Loads data when `deps` change, aborting the previous request; exposes loading and error states. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [data, setDataState] = useState<T>();
  const [error, setError] = useState<string>();
  const [notFound, setNotFound] = useState(false);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    loadRef.current(ctl.signal).then(
      (d) => {
        if (ctl.signal.aborted) return;
        setDataState(d);
        setError(undefined);
        setNotFound(false);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctl.signal.aborted || isAbort(e)) return;
        setError(errorMessage(e));
        setNotFound(e instanceof ApiError && (e.status === 404 || e.code === 'RESOURCE_DOES_NOT_EXIST'));
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, [...deps, nonce]);
  return {
    data,
    error,
    notFound,
    loading,
    reload: () => setNonce((n) => n + 1),
    setData: (update) => setDataState(update),
  };
}

/** Calls `tick` every `ms` while `active`; the latest `tick` is used without restarting the timer. */
export function useInterval(tick: () => void, ms: number, active: boolean): void {
  const ref = useRef(tick);
  ref.current = tick;
  useEffect(() => {
    if (!active) return;
    const id = window.setInterval(() => ref.current(), ms);
    return () => window.clearInterval(id);
  }, [ms, active]);
}

/** A value persisted in localStorage as JSON. */
export function useStoredState<T>(key: string, initial: T): [T, (v: T) => void] {
  const read = (): T => {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? initial : (JSON.parse(raw) as T);
    } catch {
      return initial;
    }
  };
  const [value, setValue] = useState<T>(read);
  const [prevKey, setPrevKey] = useState(key);
  if (prevKey !== key) {
    setPrevKey(key);
    setValue(read());
  }
  const set = (v: T) => {
    setValue(v);
    localStorage.setItem(key, JSON.stringify(v));
  };
  return [value, set];
}

/** The element's content width, kept up to date. */
export function useWidth<E extends HTMLElement>(): [RefObject<E | null>, number] {
  const ref = useRef<E>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}
