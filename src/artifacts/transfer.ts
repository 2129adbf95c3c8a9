/**
 * File and folder transfers between the local disk and any artifact repository, built on the
 * repositories' streams (used by the SDK and the CLI). `onProgress` reports each file's bytes.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { notFound } from '../errors.js';
import { joinArtifactPath, type ArtifactFileInfo, type ArtifactRepository } from './artifact-repository.js';
import { writeFileAtomically } from './atomic-file.js';
import { artifactRepositoryFor, type RepositoryOptions } from './repository-registry.js';
import { artifactBasename, safeArtifactPath } from './safe-path.js';

export interface TransferProgress {
  /** Artifact path of the file, relative to the repository root. */
  path: string;
  /** Bytes of this file moved so far (starts again at 0 when an upload is retried). */
  bytes: number;
  /** The file's size when known, else 0. */
  totalBytes: number;
}

export interface TransferOptions {
  onProgress?: (progress: TransferProgress) => void;
}

/** A pass-through stream reporting the bytes of `path` that went through it. */
function progressCounter(path: string, totalBytes: number, options: TransferOptions): Transform | undefined {
  const onProgress = options.onProgress;
  if (!onProgress) return undefined;
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      onProgress({ path, bytes, totalBytes });
      done(null, chunk);
    },
  });
}

function counted(stream: Readable, counter: Transform | undefined): Readable {
  if (!counter) return stream;
  stream.on('error', (err) => counter.destroy(err));
  return stream.pipe(counter);
}

/** Uploads one local file to `artifactDir/<file name>`; returns the artifact path written. */
export async function uploadFile(
  repo: ArtifactRepository,
  localFile: string,
  artifactDir = '',
  options: TransferOptions = {},
): Promise<string> {
  const target = joinArtifactPath(safeArtifactPath(artifactDir), basename(localFile));
  const { size } = await stat(localFile);
  // A fresh stream per attempt lets a transport retry the upload from the start.
  await repo.write(target, () =>
    counted(createReadStream(localFile), progressCounter(target, size, options)),
  );
  return target;
}

/** Uploads a local folder's contents (recursively) under `artifactDir`; returns the paths written. */
export async function uploadDirectory(
  repo: ArtifactRepository,
  localDir: string,
  artifactDir = '',
  options: TransferOptions = {},
): Promise<string[]> {
  const written: string[] = [];
  const base = safeArtifactPath(artifactDir);
  const entries = (await readdir(localDir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const local = join(localDir, entry.name);
    if (entry.isDirectory()) {
      written.push(...(await uploadDirectory(repo, local, joinArtifactPath(base, entry.name), options)));
    } else if ((await stat(local)).isFile()) {
      written.push(await uploadFile(repo, local, base, options));
    }
  }
  return written;
}

/** Uploads a local file or a folder's contents under `artifactDir`; returns the paths written. */
export async function uploadPath(
  repo: ArtifactRepository,
  localPath: string,
  artifactDir = '',
  options: TransferOptions = {},
): Promise<string[]> {
  if ((await stat(localPath)).isDirectory()) return uploadDirectory(repo, localPath, artifactDir, options);
  return [await uploadFile(repo, localPath, artifactDir, options)];
}

/** Downloads one artifact file to `localFile` (written to a temporary name, then renamed). */
export async function downloadFile(
  repo: ArtifactRepository,
  artifactPath: string,
  localFile: string,
  options: TransferOptions = {},
  totalBytes = 0,
): Promise<void> {
  await mkdir(dirname(localFile), { recursive: true });
  const source = await repo.openRead(artifactPath);
  await writeFileAtomically(localFile, source, {
    through: progressCounter(artifactPath, totalBytes, options),
  });
}

/**
 * Downloads a file or a whole folder of artifacts into `localDir`, keeping the artifact's own
 * name (`dir` lands in `localDir/dir`). Returns the local path of what was downloaded.
 */
export async function downloadArtifacts(
  repo: ArtifactRepository,
  artifactPath: string,
  localDir: string,
  options: TransferOptions = {},
): Promise<string> {
  const rel = safeArtifactPath(artifactPath);
  const st = await repo.stat(rel);
  const target = rel ? join(localDir, artifactBasename(rel)) : localDir;
  if (!st) throw notFound(`Artifact '${rel}' does not exist in ${repo.rootUri}.`);
  if (!st.isDir) {
    await downloadFile(repo, rel, target, options, st.size);
    return target;
  }
  await downloadTree(repo, rel, target, options);
  return target;
}

async function downloadTree(
  repo: ArtifactRepository,
  dir: string,
  target: string,
  options: TransferOptions,
): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await repo.list(dir)) {
    const local = join(target, artifactBasename(entry.path));
    if (entry.is_dir) await downloadTree(repo, entry.path, local, options);
    else await downloadFile(repo, entry.path, local, options, entry.file_size ?? 0);
  }
}

/** Every file below `path`, depth first (for totals before a transfer and for tree views). */
export async function listRecursive(repo: ArtifactRepository, path = ''): Promise<ArtifactFileInfo[]> {
  const files: ArtifactFileInfo[] = [];
  for (const entry of await repo.list(path)) {
    if (entry.is_dir) files.push(...(await listRecursive(repo, entry.path)));
    else files.push(entry);
  }
  return files;
}

/**
 * Splits an artifact URI into the URI of its parent and its last segment (`s3://b/x/model` →
 * `s3://b/x` + `model`), or `undefined` when the URI is a root that has no parent to open.
 */
export function splitArtifactUri(uri: string): { parent: string; name: string } | undefined {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return undefined;
  const parent = trimmed.slice(0, slash);
  const name = trimmed.slice(slash + 1);
  // `s3://bucket`, `runs:/<id>`, `mlflow-artifacts:/`: the part before the last slash is no URI.
  if (!name || !parent || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/*$/.test(parent + '/')) return undefined;
  return { parent, name };
}

/**
 * Downloads whatever an artifact URI names (a file or a folder, on any storage) into `localDir`,
 * keeping its last name (`default` for a root without one). Returns the local path.
 */
export async function downloadArtifactUri(
  uri: string,
  localDir: string,
  repositoryOptions: RepositoryOptions = {},
  options: TransferOptions = {},
  defaultName = 'artifacts',
): Promise<string> {
  const split = splitArtifactUri(uri);
  if (split) {
    const repo = artifactRepositoryFor(split.parent, repositoryOptions);
    return downloadArtifacts(repo, split.name, localDir, options);
  }
  const repo = artifactRepositoryFor(uri, repositoryOptions);
  return downloadArtifacts(repo, '', join(localDir, defaultName), options);
}
