/**
 * Where the key that encrypts stored secrets comes from:
 * - `CAIRN_SECRET_KEY` (and, during a rotation, `CAIRN_SECRET_KEY_PREVIOUS`, comma-separated);
 * - otherwise, for the embedded SQLite default only, a key file next to the database
 *   (`<db file>.secret-key`, mode 0600), created on first start;
 * - otherwise none: secrets cannot be stored (a server database is shared by several instances,
 *   which must all be given the same key explicitly).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { SecretBox, SecretKeyError } from './secret-box.js';

export const SECRET_KEY_ENV = 'CAIRN_SECRET_KEY';
export const PREVIOUS_SECRET_KEY_ENV = 'CAIRN_SECRET_KEY_PREVIOUS';

/** The key file used for an SQLite database file (none for in-memory databases). */
export function keyFileFor(sqliteFile: string): string | null {
  return sqliteFile === ':memory:' ? null : `${sqliteFile}.secret-key`;
}

function readOrCreateKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32).toString('base64');
  try {
    // 'wx': two processes starting at once never overwrite each other's key.
    writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
}

/** The configured SecretBox, or null when no key is available. Throws on a malformed key. */
export function loadSecretBox(env: NodeJS.ProcessEnv, keyFile: string | null): SecretBox | null {
  const previous = (env[PREVIOUS_SECRET_KEY_ENV] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const current = env[SECRET_KEY_ENV]?.trim();
  if (current) return new SecretBox(current, previous);
  if (previous.length) {
    throw new SecretKeyError(`${PREVIOUS_SECRET_KEY_ENV} is set but ${SECRET_KEY_ENV} is not.`);
  }
  return keyFile ? new SecretBox(readOrCreateKeyFile(keyFile)) : null;
}
