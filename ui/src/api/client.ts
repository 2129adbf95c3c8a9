/** The one way the UI talks to the server: JSON over the MLflow REST API's `/ajax-api/` mount. */

export const API_BASE = '/ajax-api/2.0/mlflow/';

/** A failed API call, carrying the server's `{error_code, message}`. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type QueryValue = string | number | boolean | undefined | null | (string | number)[];

export function toQuery(params: Record<string, QueryValue>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The session's CSRF value (a readable cookie set at login); absent without a session. */
export const CSRF_COOKIE = 'cairn_csrf';

export function csrfToken(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === CSRF_COOKIE) {
      const value = decodeURIComponent(part.slice(eq + 1).trim());
      return value || undefined;
    }
  }
  return undefined;
}

/** Headers every state-changing call carries: the CSRF value echoed back when a session exists. */
export function writeHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const csrf = csrfToken();
  return csrf ? { ...extra, 'X-CSRF-Token': csrf } : extra;
}

let onUnauthorized: (() => void) | undefined;

/** Who handles a 401 answer (the sign-in flow); the call still fails with its ApiError. */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

export async function parseResponse<T>(res: Response): Promise<T> {
  if (res.status === 401) onUnauthorized?.();
  const text = await res.text();
  let body: unknown = {};
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text };
    }
  }
  if (!res.ok) {
    const err = body as { message?: string; error_code?: string };
    throw new ApiError(
      err.message || `${res.status} ${res.statusText}`,
      res.status,
      err.error_code ?? `HTTP_${res.status}`,
    );
  }
  return body as T;
}

/** The address of a GET endpoint with its query. */
export const apiUrl = (path: string, params: Record<string, QueryValue> = {}): string =>
  API_BASE + path + toQuery(params);

export async function apiGet<T>(
  path: string,
  params: Record<string, QueryValue> = {},
  signal?: AbortSignal,
): Promise<T> {
  const res = await fetch(apiUrl(path, params), { signal });
  return parseResponse<T>(res);
}

/**
 * Follows `next_page_token` through every page of a GET endpoint and returns the items all pages
 * hold under `field`.
 */
export async function apiGetAll<T>(
  path: string,
  field: string,
  params: Record<string, QueryValue>,
  signal?: AbortSignal,
): Promise<T[]> {
  const out: T[] = [];
  let pageToken: string | undefined;
  do {
    const res = await apiGet<Record<string, unknown>>(path, { ...params, page_token: pageToken }, signal);
    out.push(...((res[field] as T[] | undefined) ?? []));
    pageToken = (res.next_page_token as string | undefined) || undefined;
  } while (pageToken);
  return out;
}

/** A request with a JSON body; PATCH and DELETE carry one too, as MLflow's clients send them. */
export async function apiSend<T>(
  method: 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body: object,
  signal?: AbortSignal,
): Promise<T> {
  const res = await fetch(API_BASE + path, {
    method,
    headers: writeHeaders({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(body),
    signal,
  });
  return parseResponse<T>(res);
}

export function apiPost<T>(path: string, body: object, signal?: AbortSignal): Promise<T> {
  return apiSend<T>('POST', path, body, signal);
}

/** A file's text from a download route; a failure carries the server's message when it sent one. */
export async function fetchText(url: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal });
  if (res.status === 401) onUnauthorized?.();
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = (await res.json()) as { message?: string };
      if (body.message) message = body.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(message, res.status, `HTTP_${res.status}`);
  }
  return res.text();
}

/** A readable message for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
