/**
 * Artifact upload/download for the SDK. The run's `artifact_uri` scheme picks the route:
 * `mlflow-artifacts:` (and `http(s)://…/api/2.0/mlflow-artifacts/artifacts/…`) go through the
 * tracking server's artifact proxy; `file:` URIs and bare paths are written directly. Transfers
 * stream from/to disk and report progress.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat, copyFile, writeFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep, basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MlflowError } from '../errors.js';
import { errorFromResponse, readAll } from './http.js';
import type { ArtifactFileInfo, TrackingClient } from './tracking-client.js';

export interface TransferProgress {
  /** Artifact path relative to the run root. */
  path: string;
  /** Bytes of this file done so far. */
  bytes: number;
  totalBytes: number;
}

export interface TransferOptions {
  onProgress?: (progress: TransferProgress) => void;
}

/** Where a run's artifacts live: the proxy (HTTP) or a local directory. */
export type ArtifactLocation =
  { kind: 'http'; baseUrl: string; root: string } | { kind: 'file'; root: string };

const PROXY_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
  '.csv': 'text/csv',
};

function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** Artifact paths are relative POSIX paths that never climb out of the run root. */
export function cleanArtifactPath(path: string | undefined): string {
  if (!path) return '';
  const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..') || /^[a-zA-Z]:/.test(path)) {
    throw new MlflowError(`Invalid artifact path '${path}'.`, 'INVALID_PARAMETER_VALUE');
  }
  return parts.join('/');
}

const joinPath = (...parts: string[]): string => parts.filter((p) => p !== '').join('/');

/** Routes an artifact URI (§6.2 of the wire contract) to the proxy or the local filesystem. */
export function resolveArtifactLocation(artifactUri: string, trackingUri: string): ArtifactLocation {
  if (artifactUri.startsWith('mlflow-artifacts:')) {
    const url = new URL(artifactUri);
    const root = cleanArtifactPath(decodeURIComponent(url.pathname));
    const tracking = new URL(trackingUri);
    const base = url.host ? `${tracking.protocol}//${url.host}` : trackingUri.replace(/\/+$/, '');
    return { kind: 'http', baseUrl: base, root };
  }
  if (artifactUri.startsWith('http://') || artifactUri.startsWith('https://')) {
    const url = new URL(artifactUri);
    const at = url.pathname.indexOf(PROXY_PREFIX);
    if (at < 0)
      throw new MlflowError(`Unsupported artifact URI '${artifactUri}'.`, 'INVALID_PARAMETER_VALUE');
    const base = `${url.origin}${url.pathname.slice(0, at)}`;
    return {
      kind: 'http',
      baseUrl: base,
      root: cleanArtifactPath(decodeURIComponent(url.pathname.slice(at + PROXY_PREFIX.length))),
    };
  }
  if (artifactUri.startsWith('file:')) return { kind: 'file', root: fileURLToPath(artifactUri) };
  if (/^[a-zA-Z][\w+.-]*:\/\//.test(artifactUri)) {
    throw new MlflowError(
      `The SDK cannot reach '${artifactUri}' directly; run the server with --serve-artifacts so artifacts go through its proxy.`,
      'NOT_IMPLEMENTED',
    );
  }
  return { kind: 'file', root: resolve(artifactUri) };
}

function proxyUrl(loc: { baseUrl: string; root: string }, path: string): string {
  const full = joinPath(loc.root, path);
  return `${loc.baseUrl}${PROXY_PREFIX}/${full.split('/').map(encodeURIComponent).join('/')}`;
}

function counting(onChunk: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      onChunk(chunk.length);
      done(null, chunk);
    },
  });
}

export class ArtifactClient {
  private readonly roots = new Map<string, string>();

  constructor(private readonly client: TrackingClient) {}

  /** The run's artifact root URI (cached: it never changes). */
  async artifactUri(runId: string): Promise<string> {
    let uri = this.roots.get(runId);
    if (!uri) {
      uri = (await this.client.getRun(runId)).info.artifact_uri;
      this.roots.set(runId, uri);
    }
    return uri;
  }

  async location(runId: string): Promise<ArtifactLocation> {
    return resolveArtifactLocation(await this.artifactUri(runId), this.client.trackingUri);
  }

  /** Uploads bytes or text as the artifact at `artifactFile` (e.g. `meta/classes.json`). */
  async uploadBytes(runId: string, artifactFile: string, data: Buffer | string): Promise<void> {
    const path = cleanArtifactPath(artifactFile);
    if (!path) throw new MlflowError('An artifact file name is required.', 'INVALID_PARAMETER_VALUE');
    const loc = await this.location(runId);
    if (loc.kind === 'file') {
      const target = join(loc.root, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, data);
      return;
    }
    await this.put(proxyUrl(loc, path), {
      body: typeof data === 'string' ? Buffer.from(data) : data,
      contentType: contentType(path),
    });
  }

  /** Uploads one local file into `artifactPath` (a directory inside the run root; default the root). */
  async uploadFile(
    runId: string,
    localFile: string,
    artifactPath?: string,
    options: TransferOptions = {},
  ): Promise<void> {
    const info = await stat(localFile);
    if (!info.isFile()) throw new MlflowError(`Not a file: ${localFile}`, 'INVALID_PARAMETER_VALUE');
    const path = joinPath(cleanArtifactPath(artifactPath), basename(localFile));
    const loc = await this.location(runId);
    const report = (bytes: number): void => options.onProgress?.({ path, bytes, totalBytes: info.size });
    if (loc.kind === 'file') {
      const target = join(loc.root, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await copyFile(localFile, target);
      report(info.size);
      return;
    }
    let done = 0;
    await this.put(proxyUrl(loc, path), {
      stream: () => {
        done = 0;
        return createReadStream(localFile).pipe(counting((n) => report((done += n))));
      },
      size: info.size,
      contentType: contentType(path),
    });
    report(info.size);
  }

  /** Uploads a file, or every file under a directory, keeping the relative layout. */
  async upload(
    runId: string,
    localPath: string,
    artifactPath?: string,
    options: TransferOptions = {},
  ): Promise<void> {
    const info = await stat(localPath);
    if (info.isFile()) return this.uploadFile(runId, localPath, artifactPath, options);
    const prefix = cleanArtifactPath(artifactPath);
    for (const file of await walk(localPath)) {
      const rel = relative(localPath, dirname(file)).split(sep).join('/');
      await this.uploadFile(runId, file, joinPath(prefix, rel === '.' ? '' : rel), options);
    }
  }

  /** Lists one directory level of a run's artifacts (paths relative to the run root). */
  async list(runId: string, path?: string): Promise<ArtifactFileInfo[]> {
    const clean = cleanArtifactPath(path);
    const loc = await this.location(runId);
    if (loc.kind === 'file') {
      const dir = join(loc.root, ...clean.split('/').filter(Boolean));
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const out: ArtifactFileInfo[] = [];
      for (const e of entries) {
        const p = joinPath(clean, e.name);
        if (e.isDirectory()) out.push({ path: p, is_dir: true });
        else out.push({ path: p, is_dir: false, file_size: (await stat(join(dir, e.name))).size });
      }
      return out.sort((a, b) => a.path.localeCompare(b.path));
    }
    const files: ArtifactFileInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.listArtifacts(runId, clean, token);
      files.push(...page.files);
      token = page.next_page_token;
    } while (token);
    return files;
  }

  /** Lists every file under `path`, recursively. */
  async listAll(runId: string, path?: string): Promise<ArtifactFileInfo[]> {
    const out: ArtifactFileInfo[] = [];
    for (const f of await this.list(runId, path)) {
      if (f.is_dir) out.push(...(await this.listAll(runId, f.path)));
      else out.push(f);
    }
    return out;
  }

  /**
   * Downloads an artifact file or directory of a run into the local directory `dst` and returns
   * the local path of what was downloaded.
   */
  async download(runId: string, path: string, dst: string, options: TransferOptions = {}): Promise<string> {
    const clean = cleanArtifactPath(path);
    const loc = await this.location(runId);
    const listing = clean ? await this.list(runId, dirname(clean) === '.' ? '' : dirname(clean)) : [];
    const entry = listing.find((f) => f.path === clean);
    const isDir = !clean || entry?.is_dir === true;
    if (!isDir && !entry)
      throw new MlflowError(`No artifact '${clean}' in run ${runId}.`, 'RESOURCE_DOES_NOT_EXIST');
    const target = resolve(dst, clean ? basename(clean) : '');
    const files = isDir ? await this.listAll(runId, clean) : [entry!];
    await mkdir(isDir ? target : dirname(target), { recursive: true });
    for (const file of files) {
      const rel = isDir ? relative(clean || '.', file.path) : '';
      const local = rel ? join(target, ...rel.split('/')) : target;
      await this.downloadFile(loc, file, local, options);
    }
    return target;
  }

  private async downloadFile(
    loc: ArtifactLocation,
    file: ArtifactFileInfo,
    local: string,
    options: TransferOptions,
  ) {
    await mkdir(dirname(local), { recursive: true });
    const total = file.file_size ?? 0;
    let done = 0;
    const progress = counting((n) =>
      options.onProgress?.({ path: file.path, bytes: (done += n), totalBytes: total }),
    );
    const partial = `${local}.part`;
    let source: Readable;
    if (loc.kind === 'file') source = createReadStream(join(loc.root, ...file.path.split('/')));
    else {
      const res = await this.client.http.raw('GET', proxyUrl(loc, file.path), { idempotent: true });
      if (res.status !== 200) throw errorFromResponse(res.status, (await readAll(res.body)).toString('utf8'));
      source = res.body;
    }
    try {
      await pipeline(source, progress, createWriteStream(partial));
      await rename(partial, local);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  private async put(
    url: string,
    payload: { body?: Buffer; stream?: () => Readable; size?: number; contentType: string },
  ): Promise<void> {
    const headers: Record<string, string> = { 'Content-Type': payload.contentType };
    if (payload.size !== undefined) headers['Content-Length'] = String(payload.size);
    // Uploads overwrite the same path, so repeating one after an ambiguous failure is harmless.
    const res = await this.client.http.raw('PUT', url, {
      headers,
      body: payload.body ?? payload.stream,
      idempotent: true,
      timeoutMs: 10 * 60_000,
    });
    const text = (await readAll(res.body)).toString('utf8');
    if (res.status < 200 || res.status >= 300) throw errorFromResponse(res.status, text);
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}
