/**
 * Loads runs page by page (infinite scroll via page tokens) and keeps them live: while any loaded
 * run is RUNNING, the first page and the running runs in view are re-fetched every 1.5 s.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage, isAbort } from '../../api/client';
import { runsByIds, searchRuns } from '../../api/tracking';
import type { ViewType } from '../../api/types';
import { useInterval } from '../../app/hooks';
import { toRow, type RunRow } from './columns';

/** A small first page draws fast; later pages are larger so scrolling needs fewer round trips. */
export const FIRST_PAGE_SIZE = 200;
export const PAGE_SIZE = 500;
export const LIVE_POLL_MS = 1500;
const IDLE_POLL_MS = 15000;

export interface RunSearch {
  rows: RunRow[];
  loading: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  error?: string;
  /** True when the server rejected the filter or sort (a 400): the message explains why. */
  badQuery: boolean;
  loadMore(): void;
  reload(): void;
  live: boolean;
}

interface Query {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
  viewType: ViewType;
}

export function useRunSearch(query: Query, visibleIds: () => string[]): RunSearch {
  const [rows, setRows] = useState<RunRow[]>([]);
  const [token, setToken] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string>();
  const [badQuery, setBadQuery] = useState(false);
  const [nonce, setNonce] = useState(0);
  const key = JSON.stringify(query);
  const generation = useRef(0);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const busy = useRef(false);
  const polling = useRef(false);
  const visibleRef = useRef(visibleIds);
  visibleRef.current = visibleIds;

  useEffect(() => {
    const gen = ++generation.current;
    const ctl = new AbortController();
    setLoading(true);
    setError(undefined);
    setBadQuery(false);
    searchRuns({ ...query, maxResults: FIRST_PAGE_SIZE }, ctl.signal).then(
      (page) => {
        if (gen !== generation.current) return;
        setRows(page.runs.map(toRow));
        setToken(page.nextPageToken);
        setLoading(false);
      },
      (e: unknown) => {
        if (isAbort(e) || gen !== generation.current) return;
        const bad = e instanceof ApiError && e.status === 400;
        // A rejected filter keeps the last good results on screen (with the error shown).
        if (!bad) {
          setRows([]);
          setToken(undefined);
        }
        setError(errorMessage(e));
        setBadQuery(bad);
        setLoading(false);
      },
    );
    return () => ctl.abort();
    // The query is compared by value (key), not identity.
  }, [key, nonce]);

  const loadMore = useCallback(() => {
    if (!token || loadingMore || busy.current) return;
    const gen = generation.current;
    setLoadingMore(true);
    busy.current = true;
    searchRuns({ ...query, maxResults: PAGE_SIZE, pageToken: token })
      .then(
        (page) => {
          if (gen !== generation.current) return;
          setRows((old) => {
            const ids = new Set(old.map((r) => r.id));
            return [...old, ...page.runs.filter((r) => !ids.has(r.info.run_id)).map(toRow)];
          });
          setToken(page.nextPageToken);
        },
        (e: unknown) => gen === generation.current && setError(errorMessage(e)),
      )
      .finally(() => {
        busy.current = false;
        setLoadingMore(false);
      });
  }, [token, loadingMore, key]);

  const live = rows.some((r) => r.run.info.status === 'RUNNING');

  const poll = useCallback(async () => {
    if (polling.current || loading) return;
    polling.current = true;
    const gen = generation.current;
    try {
      const first = await searchRuns({ ...query, maxResults: FIRST_PAGE_SIZE });
      const fresh = new Map(first.runs.map((r) => [r.info.run_id, r]));
      // Running runs in view beyond the first page are refreshed by id.
      const inView = new Set(visibleRef.current());
      const running = rowsRef.current
        .filter((r) => inView.has(r.id) && r.run.info.status === 'RUNNING' && !fresh.has(r.id))
        .map((r) => r.id);
      for (const r of await runsByIds({ ...query, runIds: running })) fresh.set(r.info.run_id, r);
      if (gen !== generation.current) return;
      setRows((old) => {
        const firstIds = new Set(first.runs.map((r) => r.info.run_id));
        const head = first.runs.map(toRow);
        const tail = old
          .filter((r) => !firstIds.has(r.id))
          .map((r) => {
            const updated = fresh.get(r.id);
            return updated ? toRow(updated) : r;
          });
        return [...head, ...tail];
      });
      if (rowsRef.current.length <= FIRST_PAGE_SIZE) setToken(first.nextPageToken);
    } catch {
      // A failed refresh keeps the data shown; the next tick tries again.
    } finally {
      polling.current = false;
    }
  }, [key, loading]);

  useInterval(() => void poll(), live ? LIVE_POLL_MS : IDLE_POLL_MS, !loading && !error);

  return {
    rows,
    loading,
    loadingMore,
    hasMore: Boolean(token),
    error,
    badQuery,
    loadMore,
    reload: () => setNonce((n) => n + 1),
    live,
  };
}
