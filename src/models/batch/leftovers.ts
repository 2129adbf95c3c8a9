/**
 * What `models predict` keeps beside its output while it runs: the output under a temporary name
 * (`.<name>.<owner>-<hex>.partial`) and, with `--workers`, the folder of the workers' part files
 * (`.<name>.parts-<owner>-XXXXXX`, or `cairn-predict-parts-<owner>-XXXXXX` in the temporary
 * folder when the output is standard output). A run removes them when it ends, however it ends,
 * unless its process is killed outright (SIGKILL, a crash of the machine). The owner in each name
 * is the host name and process id of the run, so that a later run writing to the same output can
 * tell such leftovers from the files of a run still going: it removes only names of this scheme,
 * made on this host, by a process that no longer exists.
 */
import { readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { isProcessAlive } from '../../process-alive.js';

/** This process as named in its files: `<host>-<pid>` (the host name reduced to safe characters). */
const host = (): string => hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';
const owner = (): string => `${host()}-${process.pid}`;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The temporary name of the output file at `path` while it is written. */
export const partialOutputName = (path: string, hex: string): string =>
  join(dirname(path), `.${basename(path)}.${owner()}-${hex}.partial`);

/** The prefix `mkdtemp` completes into the parts folder of a run writing to `outputPath`. */
export const partsFolderPrefix = (outputPath: string | undefined): string =>
  outputPath
    ? join(dirname(resolve(outputPath)), `.${basename(outputPath)}.parts-${owner()}-`)
    : join(tmpdir(), `cairn-predict-parts-${owner()}-`);

/** Matches the leftovers of runs writing to `outputPath`, the owner's process id in group 1 or 2. */
function leftoverPattern(outputPath: string | undefined): RegExp {
  const h = escape(host());
  if (!outputPath) return new RegExp(`^cairn-predict-parts-${h}-(\\d+)-[A-Za-z0-9]{6}$`);
  const name = escape(basename(outputPath));
  return new RegExp(`^\\.${name}\\.(?:parts-${h}-(\\d+)-[A-Za-z0-9]{6}|${h}-(\\d+)-[0-9a-f]{12}\\.partial)$`);
}

/**
 * Removes what killed runs writing to `outputPath` (standard output when undefined) left beside
 * it, and returns the paths removed. Best effort: what cannot be listed or removed stays for a
 * later run, and never fails this one.
 */
export async function removeLeftovers(outputPath: string | undefined): Promise<string[]> {
  const dir = outputPath ? dirname(resolve(outputPath)) : tmpdir();
  const pattern = leftoverPattern(outputPath);
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = pattern.exec(name);
    if (!m || isProcessAlive(Number(m[1] ?? m[2]))) continue;
    const path = join(dir, name);
    if (
      await rm(path, { recursive: true, force: true }).then(
        () => true,
        () => false,
      )
    )
      removed.push(path);
  }
  return removed;
}
