/** `cairn gc`: permanently remove deleted runs and experiments with their artifacts. */
import { Command } from 'commander';
import { invalidParam } from '../errors.js';
import { ArtifactService } from '../artifacts/artifact-service.js';
import { openDatabase } from '../store/sql/open-database.js';
import { SqlGarbageStore } from '../store/sql/tracking/gc-sql.js';
import { collectGarbage, parseOlderThan } from '../tracking/garbage-collector.js';
import { resolveServerConfig } from '../config/resolve-server-config.js';
import { redactUri } from './server-command.js';

interface GcCliOptions {
  backendStoreUri?: string;
  registryStoreUri?: string;
  artifactsDestination?: string;
  olderThan?: string;
  dryRun?: boolean;
  batchSize?: string;
}

export function gcCommand(): Command {
  return new Command('gc')
    .description(
      'Permanently remove runs and experiments that were deleted (longer ago than --older-than), with their artifacts.',
    )
    .option(
      '--backend-store-uri <uri>',
      'backend store URI, as given to cairn server (default: sqlite:///mlruns.db)',
    )
    .option('--registry-store-uri <uri>', 'registry store URI when it differs from the backend store')
    .option(
      '--artifacts-destination <uri>',
      'the artifact proxy destination of the server, to find mlflow-artifacts:/ files (default: ./mlartifacts)',
    )
    .option(
      '--older-than <age>',
      'only items deleted at least this long ago: 30d, 1d2h3m4s, 90m (default: all)',
    )
    .option('--dry-run', 'list what would be removed and change nothing')
    .option('--batch-size <n>', 'runs handled per batch and transaction (default: 100)')
    .addHelpText(
      'after',
      `
Never removed: runs that were restored, runs whose artifacts a registered model version still
uses (and their experiments), and folders that are not the run's or experiment's own. Safe to
run while servers are running and safe to interrupt: the next run finishes what was started.

Examples:
  $ cairn gc --older-than 30d --dry-run
  $ cairn gc --backend-store-uri postgresql://cairn@db/cairn --artifacts-destination s3://ml/artifacts --older-than 7d`,
    )
    .action(async (opts: GcCliOptions) => {
      const config = resolveServerConfig({
        backendStoreUri: opts.backendStoreUri,
        registryStoreUri: opts.registryStoreUri,
        artifactsDestination: opts.artifactsDestination,
      });
      let olderThanMs = 0;
      try {
        olderThanMs = opts.olderThan === undefined ? 0 : parseOlderThan(opts.olderThan);
      } catch (err) {
        throw invalidParam((err as Error).message);
      }
      const batchSize = opts.batchSize === undefined ? 100 : Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
        throw invalidParam(`--batch-size must be an integer between 1 and 10000, got '${opts.batchSize}'.`);
      }
      const db = openDatabase(config.backendStoreUri);
      const registry =
        config.registryStoreUri === config.backendStoreUri ? db : openDatabase(config.registryStoreUri);
      // Only repositoryFor is used: it maps proxied URIs onto the destination.
      const artifacts = new ArtifactService(config.artifactsDestination, {
        getRun: () => Promise.reject(new Error('not used by gc')),
      });
      try {
        process.stdout.write(
          `${opts.dryRun ? 'Dry run: nothing is changed. ' : ''}Collecting deleted items of ${redactUri(config.backendStoreUri)}\n`,
        );
        const report = await collectGarbage(
          new SqlGarbageStore(db, registry),
          (folder) => {
            // Deleted from its parent, so the folder itself goes too (a repository keeps its root).
            const cut = folder.lastIndexOf('/');
            const parent = folder.slice(0, cut);
            return artifacts
              .repositoryFor(parent.endsWith(':') ? `${parent}/` : parent || '/')
              .delete(folder.slice(cut + 1));
          },
          {
            olderThanMs,
            dryRun: Boolean(opts.dryRun),
            batchSize,
            log: (line) => process.stdout.write(`${line}\n`),
          },
        );
        const verb = opts.dryRun ? 'would remove' : 'removed';
        process.stdout.write(
          `${verb} ${report.runsRemoved.length} run(s) and ${report.experimentsRemoved.length} experiment(s); kept ${report.runsKept.length} run(s) and ${report.experimentsKept.length} experiment(s).\n`,
        );
      } finally {
        if (registry !== db) await registry.close();
        await db.close();
      }
    });
}
