/**
 * The compiled `cairn` command (`dist/`), as an installed package runs it. Benchmarks start the
 * server and the CLI from it rather than from the sources through tsx: the loader's rewriting
 * (e.g. naming every closure as it is made) is not what users run, and it costs per request.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const COMPILED_CLI = join(root, 'dist', 'src', 'cli', 'main.js');

async function newestSourceChange(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? await newestSourceChange(path) : (await stat(path)).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** The compiled CLI's path; refuses a missing build or one older than the sources. */
export async function compiledCli(): Promise<string> {
  const built = await stat(COMPILED_CLI).catch(() => undefined);
  if (!built) throw new Error(`${COMPILED_CLI} is missing: run \`npm run build\` first.`);
  if ((await newestSourceChange(join(root, 'src'))) > built.mtimeMs) {
    throw new Error('dist/ is older than src/: run `npm run build` first.');
  }
  return COMPILED_CLI;
}
