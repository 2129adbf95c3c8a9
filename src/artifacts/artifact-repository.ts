/**
 * The artifact repository interface: one storage location (a local folder, an S3 prefix, a
 * tracking server's artifact proxy) addressed by paths relative to its root. Every transfer is a
 * stream so that file size never decides memory use.
 */
import type { Readable } from 'node:stream';
import type { ArtifactFileInfo } from '../entities/artifacts.js';
import { invalidParam, notFound, type MlflowError } from '../errors.js';

export type { ArtifactFileInfo } from '../entities/artifacts.js';

/**
 * What `write` stores: a stream, or a function giving a fresh stream of the same bytes for each
 * attempt (lets a transport repeat an upload that failed before the server acted on it).
 */
export type ArtifactSource = Readable | (() => Readable);

/** The stream of a source (its first attempt). */
export function sourceStream(data: ArtifactSource): Readable {
  return typeof data === 'function' ? data() : data;
}

export interface ArtifactStat {
  isDir: boolean;
  /** Size in bytes; 0 for directories. */
  size: number;
}

export interface ArtifactRepository {
  /** The URI the repository is rooted at, as given when it was created. */
  readonly rootUri: string;

  /**
   * Lists the direct children of a directory (the root when `path` is empty), sorted by path.
   * A missing directory or a file path gives an empty list.
   */
  list(path?: string): Promise<ArtifactFileInfo[]>;

  /** What is at `path`, or `undefined` when nothing is. */
  stat(path: string): Promise<ArtifactStat | undefined>;

  /** Opens a file for reading; RESOURCE_DOES_NOT_EXIST when it is missing, 400 for a directory. */
  openRead(path: string): Promise<Readable>;

  /**
   * Stores the stream as the file at `path`, creating parent directories as needed and replacing
   * any previous file. A failed write never leaves a partial file visible at `path`.
   */
  write(path: string, data: ArtifactSource): Promise<void>;

  /** Deletes a file or a whole directory; deleting something missing is not an error. */
  delete(path: string): Promise<void>;

  /** Present when the backing store supports multipart uploads driven by the client. */
  readonly multipart?: MultipartUploads;
}

export interface MultipartCredential {
  url: string;
  part_number: number;
  headers: Record<string, string>;
}

export interface MultipartPart {
  part_number: number;
  etag: string;
  url?: string;
}

/** Refuses a part count outside 1..`max` (the object store's own limit) with a 400. */
export function checkPartCount(numParts: number, max: number): void {
  if (!Number.isSafeInteger(numParts) || numParts < 1 || numParts > max) {
    throw invalidParam(`num_parts must be between 1 and ${max}, got ${numParts}.`);
  }
}

/** Client-driven multipart uploads (the proxy's `mpu/` routes): the client PUTs parts to URLs. */
export interface MultipartUploads {
  create(path: string, numParts: number): Promise<{ upload_id: string; credentials: MultipartCredential[] }>;
  complete(path: string, uploadId: string, parts: MultipartPart[]): Promise<void>;
  abort(path: string, uploadId: string): Promise<void>;
}

/** Joins relative artifact path pieces with `/`, dropping empty pieces. */
export function joinArtifactPath(...parts: (string | undefined)[]): string {
  return parts
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
}

/** Why `rel` cannot be opened as a file: 400 when it is a folder, 404 when nothing is there. */
export async function notAFileError(repo: ArtifactRepository, rel: string): Promise<MlflowError> {
  return (await repo.stat(rel))?.isDir
    ? invalidParam(`Artifact '${rel}' is a directory, not a file.`)
    : notFound(`Artifact '${rel}' does not exist.`);
}

/** A listing entry for a file; the size is left out for empty files, as MLflow does. */
export function fileEntry(path: string, size: number): ArtifactFileInfo {
  return size > 0 ? { path, is_dir: false, file_size: size } : { path, is_dir: false };
}

/** A listing sorted by path (byte order, as every repository answers). */
export function sortedByPath(infos: ArtifactFileInfo[]): ArtifactFileInfo[] {
  return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
