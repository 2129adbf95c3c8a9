/**
 * Uploads in progress are written to `<name>.cairn-upload-<hex>.part` beside their target and
 * renamed when complete; a failed one removes its file. A process killed mid-upload leaves its
 * part file behind, so the server removes part files nobody has written to for a while: at
 * start-up and then periodically. Any number of instances may do this on a shared folder at once
 * (removing a file twice is harmless), and a live upload keeps its file's time fresh.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const PARTIAL_UPLOAD = /\.cairn-upload-[0-9a-f]{16}\.part$/;

export interface SweepResult {
  removed: number;
  bytes: number;
}

/** Removes part files under `rootDir` last modified more than `olderThanMs` ago (links not followed). */
export async function removeStaleUploads(
  rootDir: string,
  olderThanMs: number,
  now = Date.now(),
): Promise<SweepResult> {
  const result: SweepResult = { removed: 0, bytes: 0 };
  const pending = [rootDir];
  while (pending.length) {
    const dir = pending.pop()!;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile() && PARTIAL_UPLOAD.test(entry.name)) {
        const st = await lstat(path).catch(() => undefined);
        if (!st || now - st.mtimeMs < olderThanMs) continue;
        if (
          await unlink(path).then(
            () => true,
            () => false,
          )
        ) {
          result.removed += 1;
          result.bytes += st.size;
        }
      }
    }
  }
  return result;
}

export interface SweeperLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/**
 * Sweeps `dirs` now and every `intervalMs`, removing part files idle for `olderThanMs`. Returns a
 * function that stops the timer. The timer does not keep the process alive.
 */
export function startStaleUploadSweeper(
  dirs: string[],
  opts: { olderThanMs: number; intervalMs: number },
  log: SweeperLog,
): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      for (const dir of dirs) {
        const { removed, bytes } = await removeStaleUploads(dir, opts.olderThanMs);
        if (removed) log.info({ dir, removed, bytes }, 'removed stale partial uploads');
      }
    } catch (err) {
      log.warn({ err }, 'could not sweep stale partial uploads');
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), opts.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
