/**
 * Who is signed in to the web UI. With access control off the server has no auth API and the UI
 * looks as it always did; with it on, any 401 answer sends the user to the sign-in page, which
 * brings them back to the address they were on.
 */
import { useSyncExternalStore } from 'react';
import { setUnauthorizedHandler } from '../api/client';
import { getCurrentUser, type CurrentUser } from '../api/auth';
import { navigate, withQuery } from '../app/router';

export type Session =
  | { status: 'unknown' }
  /** Access control is off on this server: no sign-in, no user. */
  | { status: 'off' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: CurrentUser };

export const LOGIN_PATH = '/login';

let session: Session = { status: 'unknown' };
const listeners = new Set<() => void>();

function setSession(next: Session): void {
  session = next;
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSession(): Session {
  return useSyncExternalStore(subscribe, () => session);
}

/** The sign-in page's address that returns to the current one afterwards. */
export function loginUrl(): string {
  const here = window.location.pathname + window.location.search;
  return withQuery(LOGIN_PATH, { next: here === '/' ? null : here });
}

/** Only an in-app path is followed after sign-in (never another site). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}

function onUnauthorized(): void {
  if (session.status !== 'off') setSession({ status: 'signed-out' });
  if (window.location.pathname !== LOGIN_PATH) navigate(loginUrl(), { replace: true });
}

/** Asks the server who is signed in; a 401 leads to the sign-in page. */
export async function refreshSession(): Promise<void> {
  try {
    const user = await getCurrentUser();
    setSession(user ? { status: 'signed-in', user } : { status: 'off' });
  } catch {
    // 401: onUnauthorized has already moved to the sign-in page. Other failures keep the UI
    // usable: its pages show their own errors.
    if (session.status === 'unknown') setSession({ status: 'signed-out' });
  }
}

/** Starts following the session: called once when the app starts. */
export function startSession(): void {
  setUnauthorizedHandler(onUnauthorized);
  void refreshSession();
}

export function signedOut(): void {
  setSession({ status: 'signed-out' });
}
