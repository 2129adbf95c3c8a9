/** Artifacts in a local folder (`file:` URIs and bare paths). */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import { invalidParam, notFound } from '../errors.js';
import {
  joinArtifactPath,
  type ArtifactFileInfo,
  sourceStream,
  type ArtifactRepository,
  type ArtifactSource,
  type ArtifactStat,
} from './artifact-repository.js';
import { assertRealPathInside } from './contained-path.js';
import { writeFileAtomically } from './atomic-file.js';
import { safeArtifactFilePath, safeArtifactPath } from './safe-path.js';
import { PARTIAL_UPLOAD } from './stale-uploads.js';

/** The filesystem path of a `file:` URI or a bare path (relative paths resolve from the cwd). */
export function localPathOfUri(uri: string): string {
  if (uri.startsWith('file:')) {
    // `file:///abs`, `file:/abs` and `file:relative` all occur in the wild.
    if (uri.startsWith('file://')) return fileURLToPath(uri);
    return resolve(decodeURIComponent(uri.slice('file:'.length)));
  }
  return resolve(uri);
}

export class LocalArtifactRepository implements ArtifactRepository {
  readonly rootUri: string;
  readonly rootDir: string;

  constructor(rootUri: string) {
    this.rootUri = rootUri;
    this.rootDir = localPathOfUri(rootUri);
  }

  /** The absolute filesystem path of a relative artifact path, guaranteed inside the root. */
  private fsPath(path: string | undefined): string {
    const rel = safeArtifactPath(path);
    const full = rel ? join(this.rootDir, ...rel.split('/')) : this.rootDir;
    if (
      full !== this.rootDir &&
      !full.startsWith(this.rootDir.endsWith(sep) ? this.rootDir : this.rootDir + sep)
    ) {
      throw invalidParam('Invalid path');
    }
    return full;
  }

  /** `fsPath`, also refusing a path that leaves the root through a symbolic link. */
  private async containedPath(path: string | undefined): Promise<string> {
    const full = this.fsPath(path);
    await assertRealPathInside(this.rootDir, full);
    return full;
  }

  async list(path?: string): Promise<ArtifactFileInfo[]> {
    const rel = safeArtifactPath(path);
    const dir = await this.containedPath(rel);
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const visible = entries.filter((e) => !PARTIAL_UPLOAD.test(e.name));
    const infos: ArtifactFileInfo[] = [];
    // Stat in batches: a folder of thousands of files lists fast without opening them all at once.
    for (let i = 0; i < visible.length; i += 64) {
      const batch = await Promise.all(
        visible.slice(i, i + 64).map(async (entry): Promise<ArtifactFileInfo | undefined> => {
          const childPath = joinArtifactPath(rel, entry.name);
          // Follow symlinks: a linked file or folder is listed as what it points to, unless it
          // points outside the root (then it is not listed at all).
          if (entry.isSymbolicLink()) {
            const inside = await assertRealPathInside(this.rootDir, join(dir, entry.name)).then(
              () => true,
              () => false,
            );
            if (!inside) return undefined;
          }
          const st = await stat(join(dir, entry.name)).catch(() => undefined);
          if (!st) return undefined;
          if (st.isDirectory()) return { path: childPath, is_dir: true };
          return st.size > 0
            ? { path: childPath, is_dir: false, file_size: st.size }
            : { path: childPath, is_dir: false };
        }),
      );
      for (const info of batch) if (info) infos.push(info);
    }
    return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    try {
      const st = await stat(await this.containedPath(path));
      return { isDir: st.isDirectory(), size: st.isDirectory() ? 0 : st.size };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async openRead(path: string): Promise<Readable> {
    const full = await this.containedPath(path);
    const st = await this.stat(path);
    if (!st) throw notFound(`Artifact '${safeArtifactPath(path)}' does not exist.`);
    if (st.isDir) throw invalidParam(`Artifact '${safeArtifactPath(path)}' is a directory, not a file.`);
    return createReadStream(full);
  }

  async write(path: string, source: ArtifactSource): Promise<void> {
    const rel = safeArtifactFilePath(path);
    const data = sourceStream(source);
    let full: string;
    try {
      full = await this.containedPath(rel);
      await mkdir(dirname(full), { recursive: true });
      // Checked again once the folders exist: a link may have appeared in between.
      await assertRealPathInside(this.rootDir, full);
    } catch (err) {
      data.resume();
      if (
        (err as NodeJS.ErrnoException).code === 'EEXIST' ||
        (err as NodeJS.ErrnoException).code === 'ENOTDIR'
      ) {
        throw invalidParam(`Cannot write '${rel}': a parent of it is a file.`);
      }
      throw err;
    }
    const existing = await this.stat(rel);
    if (existing?.isDir) {
      data.resume();
      throw invalidParam(`Cannot write '${rel}': it is a directory.`);
    }
    await writeFileAtomically(full, data, { keepSourceOnError: true });
  }

  async delete(path: string): Promise<void> {
    const full = await this.containedPath(path);
    if (full === this.rootDir) {
      // Never remove the root folder itself: it may be shared (the proxy destination).
      const entries = await readdir(full).catch(() => [] as string[]);
      await Promise.all(entries.map((e) => rm(join(full, e), { recursive: true, force: true })));
      return;
    }
    await rm(full, { recursive: true, force: true });
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
