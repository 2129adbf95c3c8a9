/** Starts a real Cairn server on a free port for a test, on a fresh database of the chosen kind. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { defaultServerConfig, type ServerConfig } from '../../src/config/server-config.js';
import { createTestDatabase, type BackendKind } from './backends.js';

export interface TestServer extends RunningServer {
  tmpDir: string;
  backend: BackendKind;
  /** Stops the server, drops its database and removes its temporary folder. */
  stop(): Promise<void>;
}

export async function startTestServer(
  backend: BackendKind = 'sqlite',
  overrides: Partial<ServerConfig> = {},
  options: { logDestination?: NodeJS.WritableStream } = {},
): Promise<TestServer> {
  const tmpDir = await mkdtemp(join(tmpdir(), 'cairn-test-'));
  const db = await createTestDatabase(backend, tmpDir);
  const config = defaultServerConfig({
    port: 0,
    backendStoreUri: db.uri,
    artifactsDestination: join(tmpDir, 'artifacts'),
    ...overrides,
  });
  config.registryStoreUri = overrides.registryStoreUri ?? db.uri;
  // Warnings and errors only, on stderr: the test runner reads stdout.
  if (!overrides.log) config.log = { level: 'warn', format: 'json' };
  const server = await startServer(config, { logDestination: options.logDestination ?? process.stderr });
  return {
    ...server,
    tmpDir,
    backend,
    stop: async () => {
      await server.close();
      await db.drop();
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  json: T;
  text: string;
}

/** A tiny HTTP helper for API tests: GET sends `query`, other methods send `body` as JSON. */
export async function api<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  payload?: Record<string, unknown>,
): Promise<ApiResponse<T>> {
  const url = new URL(path.startsWith('/') ? path : `/api/2.0/mlflow/${path}`, baseUrl);
  const init: RequestInit = { method };
  if (method === 'GET' && payload) {
    for (const [k, v] of Object.entries(payload)) {
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
    }
  } else if (payload !== undefined) {
    init.body = JSON.stringify(payload);
    init.headers = { 'Content-Type': 'application/json' };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  const contentType = (res.headers.get('content-type') ?? '').split(';', 1)[0]!;
  let json = {} as T;
  if (contentType === 'application/json' && text) json = JSON.parse(text) as T;
  return { status: res.status, contentType, json, text };
}
