/** Shared pieces of the access-control CLI commands: a client for the auth API and secrets input. */
import { createInterface } from 'node:readline';
import { HttpTransport } from '../client/http.js';
import { getTrackingUri } from '../client/fluent.js';
import type { TrackingCliOptions } from './cli-client.js';

export type Json = Record<string, unknown>;

/** Calls the server's access-control API with the credentials of the environment. */
export async function withAuthApi<T>(
  options: TrackingCliOptions,
  fn: (call: (method: string, path: string, fields?: Json) => Promise<Json>) => Promise<T>,
): Promise<T> {
  const http = new HttpTransport(options.trackingUri ?? getTrackingUri(), { retry: { maxAttempts: 1 } });
  try {
    return await fn((method, path, fields = {}) =>
      method === 'GET'
        ? http.json<Json>(method, path, { query: fields as Record<string, string> })
        : http.json<Json>(method, path, { body: fields }),
    );
  } finally {
    http.close();
  }
}

/**
 * A secret from an environment variable, else read from standard input (one line; not echoed
 * when it is a terminal). Secrets are never taken as command-line arguments, which other users
 * of the machine can see in the process list.
 */
export async function readSecret(prompt: string, envName?: string): Promise<string> {
  const fromEnv = envName ? process.env[envName] : undefined;
  if (fromEnv) return fromEnv;
  const input = process.stdin;
  if (input.isTTY) process.stderr.write(prompt);
  const rl = createInterface({ input, terminal: false });
  if (input.isTTY) input.setRawMode?.(false);
  const line = await new Promise<string>((resolve) => {
    rl.once('line', resolve);
    rl.once('close', () => resolve(''));
  });
  rl.close();
  if (!line) throw new Error(`no value given${envName ? ` (set ${envName} or type it)` : ''}.`);
  return line;
}
