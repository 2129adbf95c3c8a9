/**
 * Credentials for the tracking server, found as MLflow's clients find them: a user name and
 * password (`CAIRN_TRACKING_USERNAME`/`_PASSWORD`, or `MLFLOW_TRACKING_USERNAME`/`_PASSWORD`) are
 * sent as HTTP Basic; otherwise a token (`CAIRN_TRACKING_TOKEN` or `MLFLOW_TRACKING_TOKEN`) as a
 * bearer token; otherwise the `[mlflow]` section of `~/.mlflow/credentials`
 * (`mlflow_tracking_username`, `mlflow_tracking_password`, and Cairn's `mlflow_tracking_token`
 * written by `cairn login`).
 *
 * @example
 * // export CAIRN_TRACKING_TOKEN=cairn_...   (or MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD)
 * const client = new TrackingClient('https://cairn.example.com'); // sends the credentials
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface TrackingCredentials {
  username?: string;
  password?: string;
  token?: string;
}

/** `~/.mlflow/credentials` (MLflow's location; `MLFLOW_TRACKING_CREDENTIALS_FILE` may move it). */
export function credentialsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLFLOW_TRACKING_CREDENTIALS_FILE || join(homedir(), '.mlflow', 'credentials');
}

/** The `[mlflow]` section of an INI file as key/value pairs. */
export function parseCredentialsFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      inSection = section[1]!.trim() === 'mlflow';
      continue;
    }
    const eq = line.search(/[=:]/);
    if (inSection && eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function fromFile(env: NodeJS.ProcessEnv): TrackingCredentials {
  let text: string;
  try {
    text = readFileSync(credentialsFilePath(env), 'utf8');
  } catch {
    return {};
  }
  const values = parseCredentialsFile(text);
  return {
    username: values.mlflow_tracking_username || undefined,
    password: values.mlflow_tracking_password || undefined,
    token: values.mlflow_tracking_token || undefined,
  };
}

export function findCredentials(env: NodeJS.ProcessEnv = process.env): TrackingCredentials {
  const username = env.CAIRN_TRACKING_USERNAME || env.MLFLOW_TRACKING_USERNAME;
  const password = env.CAIRN_TRACKING_PASSWORD || env.MLFLOW_TRACKING_PASSWORD;
  const token = env.CAIRN_TRACKING_TOKEN || env.MLFLOW_TRACKING_TOKEN;
  if (username && password) return { username, password };
  if (token) return { token };
  return fromFile(env);
}

/** The `Authorization` header for the credentials found, if any. */
export function authorizationHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const c = findCredentials(env);
  if (c.username && c.password)
    return { Authorization: `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` };
  if (c.token) return { Authorization: `Bearer ${c.token}` };
  return {};
}
