/**
 * A small History-API router: the whole view state lives in the path and query string, so every
 * view is linkable and survives a reload.
 */
import {
  useCallback,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

const listeners = new Set<() => void>();
const notify = (): void => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search;
  if (to === current) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** The current path (without query). */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** The current query string, parsed. A new object only when the query changes. */
export function useQuery(): URLSearchParams {
  const search = useSyncExternalStore(subscribe, () => window.location.search);
  return parseQueryCached(search);
}

let cachedSearch = '';
let cachedParams = new URLSearchParams();
function parseQueryCached(search: string): URLSearchParams {
  if (search !== cachedSearch) {
    cachedSearch = search;
    cachedParams = new URLSearchParams(search);
  }
  return cachedParams;
}

export type QueryPatch = Record<string, string | null | undefined>;

/**
 * Changes some query parameters of the current URL (null/'' removes one). View tweaks (sort,
 * chart settings) replace the history entry; pass `push` for changes worth a Back step. A
 * function patch is computed from the query as it is at that moment (for toggles that may
 * follow each other faster than a render).
 */
export function useSetQuery(): (
  patch: QueryPatch | ((current: URLSearchParams) => QueryPatch),
  push?: boolean,
) => void {
  return useCallback((patch, push = false) => {
    const q = new URLSearchParams(window.location.search);
    const changes = typeof patch === 'function' ? patch(new URLSearchParams(q)) : patch;
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === undefined || v === '') q.delete(k);
      else q.set(k, v);
    }
    const s = q.toString();
    navigate(window.location.pathname + (s ? `?${s}` : ''), { replace: !push });
  }, []);
}

export function withQuery(path: string, params: Record<string, string | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

interface LinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  to: string;
  children: ReactNode;
}

/** An anchor that navigates in-app on a plain click and behaves normally otherwise (new tab...). */
export function Link({ to, children, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
    window.scrollTo(0, 0);
  };
  return (
    <a href={to} onClick={handle} {...rest}>
      {children}
    </a>
  );
}

/** Matches `/experiments/:ids` style patterns; returns the decoded params or null. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const pp = pattern.split('/').filter(Boolean);
  const ap = path.split('/').filter(Boolean);
  if (pp.length !== ap.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pp.length; i++) {
    const p = pp[i]!;
    let a: string;
    try {
      a = decodeURIComponent(ap[i]!);
    } catch {
      return null;
    }
    if (p.startsWith(':')) params[p.slice(1)] = a;
    else if (p !== a) return null;
  }
  return params;
}
