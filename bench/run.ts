/**
 * `npm run bench [-- name ...]`: runs the benchmarks in this folder (all, or the named ones) and
 * writes each one's markdown section into bench/RESULTS.md, replacing the previous section of the
 * same heading. Each benchmark module exports `run(): Promise<string>` returning a section that
 * starts with `## <Heading>`.
 */
import { readFile, writeFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, 'RESULTS.md');

interface BenchModule {
  run(): Promise<string>;
}

/** A benchmark is a module here that exports `run`; the others (machine facts, seeding, the
 * compiled-CLI check) are helpers of the benchmarks and are never run on their own. */
const EXPORTS_RUN = /^export (async )?function run\(/m;

async function available(): Promise<string[]> {
  const files = (await readdir(here)).filter(
    (f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'),
  );
  const benchmarks: string[] = [];
  for (const f of files) {
    if (EXPORTS_RUN.test(await readFile(join(here, f), 'utf8'))) benchmarks.push(f.slice(0, -3));
  }
  return benchmarks.sort();
}

export function replaceSection(doc: string, section: string): string {
  const heading = section.split('\n', 1)[0]!.trim();
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) return `${doc.trimEnd()}\n\n${section.trim()}\n`;
  let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  if (end < 0) end = lines.length;
  return [...lines.slice(0, start), section.trim(), '', ...lines.slice(end)].join('\n').trimEnd() + '\n';
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const all = await available();
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length) {
    process.stderr.write(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${all.join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  for (const name of names.length ? names : all) {
    process.stderr.write(`\n▶ bench/${name}.ts\n`);
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as BenchModule;
    const section = await mod.run();
    process.stdout.write(`${section}\n`);
    let doc = '# Benchmark results\n';
    try {
      doc = await readFile(resultsPath, 'utf8');
    } catch {
      // first run: start a new file
    }
    await writeFile(resultsPath, replaceSection(doc, section));
  }
}

await main();
