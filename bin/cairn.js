#!/usr/bin/env node
// The `cairn` command. In a source checkout it runs the TypeScript sources through tsx (so it is
// never out of date with them); an installed package without sources runs the compiled files.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'src', 'cli', 'main.js');

let useSource = existsSync(source);
if (useSource) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    useSource = false;
  }
}
if (!useSource && !existsSync(compiled)) {
  process.stderr.write('cairn: the package is not built; run `npm run build` first.\n');
  process.exit(1);
}
await import(pathToFileURL(useSource ? source : compiled).href);
