/**
 * Artifacts behind a tracking server's artifact proxy: `mlflow-artifacts:` URIs and
 * `http(s)://host/api/2.0/mlflow-artifacts/artifacts/...` URIs. This is what clients use when the
 * server serves artifacts, so they never need credentials for the storage behind it.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import { MlflowError, describeErrorAnswer, invalidParam } from '../errors.js';
import {
  joinArtifactPath,
  type ArtifactFileInfo,
  type ArtifactRepository,
  type ArtifactStat,
} from './artifact-repository.js';
import { guessMimeType } from './mime.js';
import { artifactBasename, safeArtifactPath } from './safe-path.js';

export const PROXY_ARTIFACTS_PATH = '/api/2.0/mlflow-artifacts/artifacts';

export interface HttpRepositoryOptions {
  /** Where `mlflow-artifacts:/path` URIs (no host) are sent; defaults to `MLFLOW_TRACKING_URI`. */
  trackingUri?: string;
  /** Extra request headers (authentication); defaults come from the MLFLOW_TRACKING_* variables. */
  headers?: Record<string, string>;
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
  private readonly headers: Record<string, string>;

  constructor(rootUri: string, options: HttpRepositoryOptions = {}) {
    this.rootUri = rootUri;
    const parsed = parseProxyArtifactUri(rootUri, options.trackingUri ?? process.env.MLFLOW_TRACKING_URI);
    this.baseUrl = parsed.baseUrl;
    this.root = parsed.root;
    this.headers = options.headers ?? authHeadersFromEnv();
  }

  private fileUrl(path: string): string {
    const full = joinArtifactPath(this.root, safeArtifactPath(path));
    return `${this.baseUrl}${PROXY_ARTIFACTS_PATH}/${encodePath(full)}`;
  }

  async list(path?: string): Promise<ArtifactFileInfo[]> {
    const rel = safeArtifactPath(path);
    const url = new URL(`${this.baseUrl}${PROXY_ARTIFACTS_PATH}`);
    url.searchParams.set('path', joinArtifactPath(this.root, rel));
    const res = await fetch(url, { headers: this.headers });
    await throwIfFailed(res, 'list artifacts');
    const body = (await res.json()) as { files?: ArtifactFileInfo[] };
    return (body.files ?? [])
      .map((f) => ({ ...f, path: joinArtifactPath(rel, f.path) }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
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
    const res = await fetch(this.fileUrl(path), { headers: this.headers });
    await throwIfFailed(res, 'download artifact');
    if (!res.body) return Readable.from([]);
    return Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  }

  async write(path: string, data: Readable): Promise<void> {
    const rel = safeArtifactPath(path);
    if (!rel) throw invalidParam('An artifact path must name a file.');
    const res = await putStream(
      this.fileUrl(rel),
      { ...this.headers, 'Content-Type': guessMimeType(rel) },
      data,
    );
    if (res.status >= 300) {
      await throwIfFailed(new Response(res.body, { status: res.status }), 'upload artifact');
    }
  }

  async delete(path: string): Promise<void> {
    const res = await fetch(this.fileUrl(path), { method: 'DELETE', headers: this.headers });
    await throwIfFailed(res, 'delete artifact');
    await res.arrayBuffer();
  }
}

/**
 * PUTs a stream with node:http so the socket's backpressure paces the reads. (Node 20's fetch
 * reads a streamed request body ahead of the socket, which would pull a large file into memory.)
 */
function putStream(
  url: string,
  headers: Record<string, string>,
  data: Readable,
): Promise<{ status: number; body: Buffer }> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'PUT', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    pipeline(data, req).catch((err: unknown) => {
      req.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    });
  });
}

/** Turns a failed response into the MlflowError the server described. */
async function throwIfFailed(res: Response, action: string): Promise<void> {
  if (res.ok) return;
  const text = await res.text().catch(() => '');
  const { code, message } = describeErrorAnswer(res.status, text);
  throw new MlflowError(`Failed to ${action} (HTTP ${res.status}): ${message}`, code);
}
