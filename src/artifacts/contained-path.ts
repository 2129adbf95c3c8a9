/**
 * Symbolic links inside an artifact root must not lead out of it: a link `out -> /etc` would
 * otherwise let `out/passwd` be read, overwritten or deleted. The path is resolved as far as it
 * exists (the rest does not exist yet, so cannot be a link) and compared with the root's own real
 * path. The root itself may be a link: where it points is the operator's choice.
 */
import { realpath } from 'node:fs/promises';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { invalidParam } from '../errors.js';

/** The real path of `path`, resolving its longest existing prefix. */
async function realPathOfPrefix(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(current.slice(parent.length + (parent.endsWith('/') ? 0 : 1)));
      current = parent;
    }
  }
}

/** Throws 400 "Invalid path" when `path` (inside `root` by name) leaves `root` through a link. */
export async function assertRealPathInside(root: string, path: string): Promise<void> {
  const [realRoot, real] = await Promise.all([realPathOfPrefix(root), realPathOfPrefix(path)]);
  const rel = relative(realRoot, real);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return;
  throw invalidParam('Invalid path: it leads outside the artifact root through a symbolic link.');
}
