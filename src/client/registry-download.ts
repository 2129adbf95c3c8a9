/**
 * Downloads a model's files given the artifact URI the registry reports: `runs:/` through the
 * run's artifacts, `mlflow-artifacts:`/proxy URLs through the server's artifact proxy, local paths
 * by copying. Files land under `dst/<last path segment>`; partial files never stay behind.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MlflowError } from '../errors.js';
import { resolveArtifactLocation, type TransferOptions } from './artifacts.js';
import { errorFromResponse, readAll } from './http.js';
import type { TrackingClient } from './tracking-client.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

interface ProxyFile {
  path: string;
  is_dir?: boolean;
  file_size?: number | string;
}

const encodePath = (p: string): string => p.split('/').filter(Boolean).map(encodeURIComponent).join('/');

async function listProxy(client: TrackingClient, baseUrl: string, dir: string): Promise<ProxyFile[]> {
  const url = new URL(`${baseUrl}${PROXY}`);
  url.searchParams.set('path', dir);
  const res = await client.http.raw('GET', url, { idempotent: true });
  const text = (await readAll(res.body)).toString('utf8');
  if (res.status !== 200) throw errorFromResponse(res.status, text);
  return ((text ? JSON.parse(text) : {}) as { files?: ProxyFile[] }).files ?? [];
}

async function saveStream(source: Readable, local: string, onBytes: (n: number) => void): Promise<void> {
  await mkdir(dirname(local), { recursive: true });
  const partial = `${local}.part`;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, counter, createWriteStream(partial));
    await rename(partial, local);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

async function fetchProxyFile(
  client: TrackingClient,
  baseUrl: string,
  remote: string,
  local: string,
  total: number,
  options: TransferOptions,
): Promise<void> {
  const res = await client.http.raw('GET', `${baseUrl}${PROXY}/${encodePath(remote)}`, { idempotent: true });
  if (res.status !== 200) throw errorFromResponse(res.status, (await readAll(res.body)).toString('utf8'));
  let done = 0;
  await saveStream(res.body, local, (n) =>
    options.onProgress?.({ path: remote, bytes: (done += n), totalBytes: total }),
  );
}

async function downloadProxyTree(
  client: TrackingClient,
  baseUrl: string,
  root: string,
  target: string,
  options: TransferOptions,
): Promise<void> {
  const entries = await listProxy(client, baseUrl, root);
  await mkdir(target, { recursive: true });
  for (const e of entries) {
    const name = basename(e.path);
    const remote = `${root}/${name}`;
    if (e.is_dir) await downloadProxyTree(client, baseUrl, remote, join(target, name), options);
    else await fetchProxyFile(client, baseUrl, remote, join(target, name), Number(e.file_size ?? 0), options);
  }
}

export async function downloadFromArtifactUri(
  client: TrackingClient,
  artifactUri: string,
  dst: string,
  options: TransferOptions = {},
): Promise<string> {
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(artifactUri);
  if (runs) return client.artifacts.download(runs[1]!, runs[2] ?? '', dst, options);

  const loc = resolveArtifactLocation(artifactUri, client.trackingUri);
  const root = loc.root.replace(/\/+$/, '');
  const target = resolve(dst, basename(root) || 'model');
  if (loc.kind === 'file') {
    const info = await stat(root).catch(() => null);
    if (!info) throw new MlflowError(`No model files at '${artifactUri}'.`, 'RESOURCE_DOES_NOT_EXIST');
    if (info.isDirectory()) await cp(root, target, { recursive: true });
    else await saveStream(createReadStream(root), target, () => undefined);
    return target;
  }
  const entries = await listProxy(client, loc.baseUrl, root);
  if (entries.length > 0) {
    await downloadProxyTree(client, loc.baseUrl, root, target, options);
    return target;
  }
  // Not a folder (or an empty one): it may be a single file.
  try {
    await fetchProxyFile(client, loc.baseUrl, root, target, 0, options);
  } catch (err) {
    if (
      err instanceof MlflowError &&
      (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' ||
        err.errorCode === 'NOT_FOUND' ||
        err.errorCode === 'ENDPOINT_NOT_FOUND')
    ) {
      throw new MlflowError(`No model files at '${artifactUri}'.`, 'RESOURCE_DOES_NOT_EXIST');
    }
    throw err;
  }
  return target;
}
