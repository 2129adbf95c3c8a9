import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Root of the environment cache: CAIRN_ENV_CACHE, else ~/.cairn/envs. */
export function envCacheRoot(): string {
  return process.env.CAIRN_ENV_CACHE ?? join(homedir(), '.cairn', 'envs');
}

export function specHash(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 20);
}

const READY = '.cairn-ready';

/**
 * Returns the cached environment folder for `key`, creating it with `create` the first time.
 * A folder is used only once its creation finished (a marker file); a failed creation is removed.
 * `reused` tells whether the cache was hit.
 */
export async function cachedEnvironment(
  key: string,
  create: (dir: string) => Promise<void>,
  log: (line: string) => void,
): Promise<{ dir: string; reused: boolean }> {
  const dir = join(envCacheRoot(), key);
  if (existsSync(join(dir, READY))) {
    log(`Using cached environment ${dir}`);
    return { dir, reused: true };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  log(`Creating environment ${dir}`);
  try {
    await create(dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  await writeFile(join(dir, READY), new Date().toISOString());
  return { dir, reused: false };
}
