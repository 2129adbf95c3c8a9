/** A Cairn server with access control on, and a client that sends chosen credentials. */
import { defaultAuthConfig, type AuthConfig } from '../../src/config/auth-config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { BackendKind } from '../helpers/backends.js';
import type { ServerConfig } from '../../src/config/server-config.js';

export const ADMIN = { username: 'root-admin', password: 'admin-password-123' };

export async function startAuthServer(
  backend: BackendKind = 'sqlite',
  auth: Partial<AuthConfig> = {},
  overrides: Partial<ServerConfig> = {},
): Promise<TestServer> {
  return startTestServer(backend, {
    ...overrides,
    auth: defaultAuthConfig({ bootstrapAdmin: ADMIN, ...auth }),
  });
}

export type Credential =
  | { basic: { username: string; password: string } }
  | { bearer: string }
  | { headers: Record<string, string> }
  | null;

export const basic = (username: string, password: string): Credential => ({ basic: { username, password } });

export function authHeaders(cred: Credential): Record<string, string> {
  if (!cred) return {};
  if ('basic' in cred)
    return {
      Authorization: `Basic ${Buffer.from(`${cred.basic.username}:${cred.basic.password}`).toString('base64')}`,
    };
  if ('bearer' in cred) return { Authorization: `Bearer ${cred.bearer}` };
  return cred.headers;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/**
 * Calls the server: `path` without a leading slash is under `/api/2.0/mlflow/`. GET sends
 * `payload` as the query, other methods as a JSON body (or `body` as given).
 */
export async function call(
  baseUrl: string,
  cred: Credential,
  method: string,
  path: string,
  payload?: Record<string, unknown>,
  body?: { data: string | Buffer; type: string },
): Promise<Reply> {
  const url = new URL(path.startsWith('/') ? path : `/api/2.0/mlflow/${path}`, baseUrl);
  const headers: Record<string, string> = { ...authHeaders(cred) };
  const init: RequestInit = { method, headers };
  if (body) {
    init.body = body.data;
    headers['Content-Type'] = body.type;
  } else if ((method === 'GET' || method === 'HEAD') && payload) {
    for (const [k, v] of Object.entries(payload))
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  } else if (payload !== undefined) {
    init.body = JSON.stringify(payload);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  if ((res.headers.get('content-type') ?? '').startsWith('application/json') && text)
    json = JSON.parse(text) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, text, json };
}
