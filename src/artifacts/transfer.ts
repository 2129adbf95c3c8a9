/**
 * File and folder transfers between the local disk and any artifact repository, built on the
 * repositories' streams (used by the SDK and the CLI). `onBytes` reports progress.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { notFound } from '../errors.js';
import { joinArtifactPath, type ArtifactRepository } from './artifact-repository.js';
import { artifactBasename, safeArtifactPath } from './safe-path.js';

export interface TransferOptions {
  /** Called with the number of bytes just moved. */
  onBytes?: (n: number) => void;
}

function counted(stream: Readable, onBytes?: (n: number) => void): Readable {
  if (!onBytes) return stream;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
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
  await repo.write(target, counted(createReadStream(localFile), options.onBytes));
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
  for (const entry of await readdir(localDir, { withFileTypes: true })) {
    const local = join(localDir, entry.name);
    if (entry.isDirectory()) {
      written.push(...(await uploadDirectory(repo, local, joinArtifactPath(base, entry.name), options)));
    } else if ((await stat(local)).isFile()) {
      written.push(await uploadFile(repo, local, base, options));
    }
  }
  return written;
}

/** Downloads one artifact file to `localFile` (written to a temporary name, then renamed). */
export async function downloadFile(
  repo: ArtifactRepository,
  artifactPath: string,
  localFile: string,
  options: TransferOptions = {},
): Promise<void> {
  await mkdir(dirname(localFile), { recursive: true });
  const partial = `${localFile}.${randomBytes(6).toString('hex')}.part`;
  try {
    await pipeline(counted(await repo.openRead(artifactPath), options.onBytes), createWriteStream(partial));
    await rename(partial, localFile);
  } catch (err) {
    await unlink(partial).catch(() => {});
    throw err;
  }
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
    await downloadFile(repo, rel, target, options);
    return target;
  }
  await mkdir(target, { recursive: true });
  for (const entry of await repo.list(rel)) {
    if (entry.is_dir) await downloadArtifacts(repo, entry.path, target, options);
    else await downloadFile(repo, entry.path, join(target, artifactBasename(entry.path)), options);
  }
  return target;
}

/** Every file below `path`, depth first (for totals before a transfer and for tree views). */
export async function listRecursive(
  repo: ArtifactRepository,
  path = '',
): Promise<{ path: string; file_size?: number }[]> {
  const files: { path: string; file_size?: number }[] = [];
  for (const entry of await repo.list(path)) {
    if (entry.is_dir) files.push(...(await listRecursive(repo, entry.path)));
    else files.push(entry);
  }
  return files;
}
