/**
 * Child process of bench/migrate.ts: imports one export folder into a fresh SQLite store and
 * prints one JSON line: seconds, counts and this process's peak RSS (kernel VmHWM).
 */
import { readFile } from 'node:fs/promises';
import { openCairnStores } from '../src/migrate/cairn-stores.js';
import { DumpSource } from '../src/migrate/dump-source.js';
import { runImport } from '../src/migrate/importer.js';

const [dir, dbUri, artifacts] = process.argv.slice(2) as [string, string, string];
const stores = await openCairnStores({
  backendStoreUri: dbUri,
  defaultArtifactRoot: 'mlflow-artifacts:/',
  artifactsDestination: artifacts,
  label: 'bench',
});
const source = await DumpSource.open(dir);
const started = performance.now();
const report = await runImport(source, stores.target);
const seconds = (performance.now() - started) / 1000;
await stores.close();
const status = await readFile('/proc/self/status', 'utf8');
process.stdout.write(
  JSON.stringify({
    seconds,
    runs: report.count('runs'),
    points: report.count('metric points'),
    failures: report.failures.length,
    peakRssMb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024,
  }) + '\n',
);
