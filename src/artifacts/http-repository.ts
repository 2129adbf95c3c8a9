/**
 * Artifacts behind a tracking server's artifact proxy: `mlflow-artifacts:` URIs and
 * `http(s)://host/api/2.0/mlflow-artifacts/artifacts/...` URIs. This is what clients use when the
 * server serves artifacts, so they never need credentials for the storage behind it.
 */
import type { Readable } from 'node:stream';
import { MlflowError, describeErrorAnswer, invalidParam } from '../errors.js';
import {
  joinArtifactPath,
  sortedByPath,
  type ArtifactFileInfo,
  type ArtifactRepository,
  type ArtifactSource,
  type ArtifactStat,
} from './artifact-repository.js';
import { plainHttpSender, type ArtifactHttpSender, type HttpAnswer } from './http-sender.js';
import { guessMimeType } from './mime.js';
import { artifactBasename, safeArtifactFilePath, safeArtifactPath } from './safe-path.js';

export const PROXY_ARTIFACTS_PATH = '/api/2.0/mlflow-artifacts/artifacts';

export interface HttpRepositoryOptions {
  /** Where `mlflow-artifacts:/path` URIs (no host) are sent; defaults to `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** Extra request headers (authentication); defaults come from the MLFLOW_TRACKING_* variables. */
  headers?: Record<string, string>;
  /**
   * The sender for requests to the server at `baseUrl` (the SDK passes its transport for its own
   * server); `undefined` means a plain sender with `headers`.
   */
  http?: (baseUrl: string) => ArtifactHttpSender | undefined;
}

/** Splits a proxy artifact URI into the server base URL and the path under the proxy root. */
export function parseProxyArtifactUri(
  uri: string,
  trackingUri: string | undefined = process.env.MLFLOW_TRACKING_URI,
): { baseUrl: string; root: string } {
  if (uri.startsWith('mlflow-artifacts:')) {
    const rest = uri.slice('mlflow-artifacts:'.length);
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
      const path = slash < 0 ? '' : rest.slice(slash);
      if (authority) {
        const scheme = trackingUri?.startsWith('https:') ? 'https' : 'http';
        return { baseUrl: `${scheme}://${authority}`, root: safeArtifactPath(trimSlashes(path)) };
      }
      return { baseUrl: trackingBase(trackingUri, uri), root: safeArtifactPath(trimSlashes(path)) };
    }
    return { baseUrl: trackingBase(trackingUri, uri), root: safeArtifactPath(trimSlashes(rest)) };
  }
  if (/^https?:\/\//i.test(uri)) {
    const at = uri.indexOf(PROXY_ARTIFACTS_PATH);
    if (at < 0) {
      throw invalidParam(
        `'${uri}' is not an artifact proxy URI (expected .../api/2.0/mlflow-artifacts/artifacts/...).`,
      );
    }
    const root = decodeURIComponent(uri.slice(at + PROXY_ARTIFACTS_PATH.length).split(/[?#]/, 1)[0]!);
    return { baseUrl: uri.slice(0, at), root: safeArtifactPath(trimSlashes(root)) };
  }
  throw invalidParam(`'${uri}' is not an artifact proxy URI.`);
}

function trackingBase(trackingUri: string | undefined, uri: string): string {
  if (!trackingUri || !/^https?:\/\//i.test(trackingUri)) {
    throw invalidParam(
      `Cannot resolve '${uri}': it needs an http(s) tracking URI (set MLFLOW_TRACKING_URI), got '${trackingUri ?? ''}'.`,
    );
  }
  return trackingUri.replace(/\/+$/, '');
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');

/** Authentication headers from the standard MLflow client variables. */
export function authHeadersFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (env.MLFLOW_TRACKING_TOKEN) return { Authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    const basic = Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString(
      'base64',
    );
    return { Authorization: `Basic ${basic}` };
  }
  return {};
}

const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

export class HttpArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly baseUrl: string;
  /** The path of this repository's root under the server's artifact destination. */
  readonly root: string;
  private readonly http: ArtifactHttpSender;

  constructor(rootUri: string, options: HttpRepositoryOptions = {}) {
    this.rootUri = rootUri;
    const parsed = parseProxyArtifactUri(rootUri, options.trackingUri ?? process.env.MLFLOW_TRACKING_URI);
    this.baseUrl = parsed.baseUrl;
    this.root = parsed.root;
    this.http = options.http?.(this.baseUrl) ?? plainHttpSender(options.headers ?? authHeadersFromEnv());
  }

  private fileUrl(path: string): string {
    const full = joinArtifactPath(this.root, safeArtifactPath(path));
    return `${this.baseUrl}${PROXY_ARTIFACTS_PATH}/${encodePath(full)}`;
  }

  async list(path?: string): Promise<ArtifactFileInfo[]> {
    const rel = safeArtifactPath(path);
    const url = new URL(`${this.baseUrl}${PROXY_ARTIFACTS_PATH}`);
    url.searchParams.set('path', joinArtifactPath(this.root, rel));
    const res = await this.http.raw('GET', url, { idempotent: true });
    const body = JSON.parse((await succeeded(res, 'list artifacts')) || '{}') as {
      files?: ArtifactFileInfo[];
    };
    return sortedByPath((body.files ?? []).map((f) => ({ ...f, path: joinArtifactPath(rel, f.path) })));
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    const rel = safeArtifactPath(path);
    if (!rel) return { isDir: true, size: 0 };
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const entry = (await this.list(parent)).find((f) => artifactBasename(f.path) === artifactBasename(rel));
    if (!entry) return undefined;
    return { isDir: entry.is_dir, size: entry.file_size ?? 0 };
  }

  async openRead(path: string): Promise<Readable> {
    const res = await this.http.raw('GET', this.fileUrl(path), { idempotent: true });
    if (res.status >= 300) await succeeded(res, 'download artifact');
    return res.body;
  }

  async write(path: string, data: ArtifactSource): Promise<void> {
    const rel = safeArtifactFilePath(path);
    // Uploads replace the file at the same path, so repeating one is harmless -- when the bytes
    // can be produced again. A plain stream can be sent only once.
    const replayable = typeof data === 'function';
    const res = await this.http.raw('PUT', this.fileUrl(rel), {
      headers: { 'Content-Type': guessMimeType(rel) },
      body: replayable ? data : () => data,
      idempotent: true,
      timeoutMs: UPLOAD_TIMEOUT_MS,
      ...(replayable ? {} : { retry: { maxAttempts: 1 } }),
    });
    await succeeded(res, 'upload artifact');
  }

  async delete(path: string): Promise<void> {
    const res = await this.http.raw('DELETE', this.fileUrl(path), { idempotent: true });
    await succeeded(res, 'delete artifact');
  }
}

/** An upload may wait this long for the server's answer once its body is sent. */
const UPLOAD_TIMEOUT_MS = 10 * 60_000;

/** The answer's text when it is a success; otherwise the MlflowError the server described. */
async function succeeded(res: HttpAnswer, action: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res.body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array));
  const text = Buffer.concat(chunks).toString('utf8');
  if (res.status >= 200 && res.status < 300) return text;
  throw failure(res.status, text, action);
}

/** The MlflowError a failed answer describes. */
function failure(status: number, text: string, action: string): MlflowError {
  const { code, message } = describeErrorAnswer(status, text);
  return new MlflowError(`Failed to ${action} (HTTP ${status}): ${message}`, code);
}
