/** `cairn import` and `cairn export`: move everything between MLflow, Cairn exports and Cairn stores. */
import { Command } from 'commander';
import { resolveServerConfig } from '../config/resolve-server-config.js';
import { openCairnStores } from '../migrate/cairn-stores.js';
import { exportDump } from '../migrate/dump-writer.js';
import { runImport } from '../migrate/importer.js';
import { openSource } from '../migrate/open-source.js';
import { Progress } from '../migrate/report.js';
import { redactUri } from './server-command.js';

interface StoreOptions {
  backendStoreUri?: string;
  defaultArtifactRoot?: string;
  artifactsDestination?: string;
  progress?: boolean;
}

function storeSettings(o: StoreOptions) {
  const config = resolveServerConfig({
    backendStoreUri: o.backendStoreUri,
    defaultArtifactRoot: o.defaultArtifactRoot,
    artifactsDestination: o.artifactsDestination,
  });
  return {
    backendStoreUri: config.backendStoreUri,
    defaultArtifactRoot: config.defaultArtifactRoot,
    artifactsDestination: config.artifactsDestination,
    label: redactUri(config.backendStoreUri),
  };
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--backend-store-uri <uri>',
      "Cairn's database, as for `cairn server` (default sqlite:///mlruns.db)",
    )
    .option('--default-artifact-root <uri>', 'artifact root of new experiments, as for `cairn server`')
    .option(
      '--artifacts-destination <path|uri>',
      "where the server's artifact proxy keeps files (default ./mlartifacts)",
    )
    .option('--no-progress', 'no progress bar on stderr');
}

export function importCommand(): Command {
  const cmd = new Command('import')
    .description(
      'Import experiments, runs (params, tags, every metric point, datasets, artifacts), logged models and the model registry from MLflow or a Cairn export. Ids are kept; nothing present is overwritten; re-running continues an interrupted import.',
    )
    .requiredOption(
      '--from <source>',
      'http(s)://server, sqlite:///mlflow.db, postgresql://..., mysql://..., an MLflow file store folder (./mlruns) or a Cairn export folder',
    )
    .option(
      '--artifacts-from <path|s3://...>',
      'the MLflow artifact root, when importing from an MLflow database',
    )
    .option('--no-artifacts', 'do not copy artifact files')
    .option('--dry-run', 'read everything and report what would be imported, without writing');
  storeOptions(cmd).addHelpText(
    'after',
    `
The target is Cairn's store, chosen like the server's (options or CAIRN_/MLFLOW_ environment variables).
Loopback and private addresses are allowed in --from: you name the server to read from.

Examples:
  $ cairn import --from http://mlflow.internal:5000
  $ cairn import --from sqlite:///mlflow.db --artifacts-from ./mlartifacts --dry-run
  $ cairn import --from postgresql://mlflow@db/mlflow --artifacts-from s3://ml-bucket/mlflow
  $ cairn import --from ./mlruns --backend-store-uri postgresql://cairn@db/cairn
  $ cairn import --from ./backup-2026-01 --backend-store-uri mysql://cairn:secret@db/cairn`,
  );
  cmd.action(
    async (
      o: StoreOptions & { from: string; artifactsFrom?: string; artifacts: boolean; dryRun?: boolean },
    ) => {
      const source = await openSource(o.from, { artifactsFrom: o.artifactsFrom });
      try {
        const stores = await openCairnStores(storeSettings(o));
        try {
          const totals = await source.totals();
          const progress = new Progress(o.progress === false ? null : process.stderr, totals.runs);
          const report = await runImport(source, stores.target, {
            dryRun: o.dryRun ?? false,
            copyArtifacts: o.artifacts,
            progress,
          });
          process.stdout.write(report.format());
          if (report.failures.length) process.exitCode = 1;
        } finally {
          await stores.close();
        }
      } finally {
        await source.close();
      }
    },
  );
  return cmd;
}

export function exportCommand(): Command {
  const cmd = new Command('export')
    .description(
      'Export everything in a Cairn store to a folder: versioned JSON Lines, artifact files and a manifest with counts and checksums. `cairn import --from DIR` restores it into any backend.',
    )
    .requiredOption('--to <dir>', 'a new or empty folder');
  storeOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ cairn export --to ./backup-2026-01
  $ cairn export --backend-store-uri sqlite:///mlruns.db --to ./move
  $ cairn import --from ./move --backend-store-uri postgresql://cairn@db/cairn`,
  );
  cmd.action(async (o: StoreOptions & { to: string }) => {
    const stores = await openCairnStores(storeSettings(o));
    try {
      const report = await exportDump(
        stores.source,
        o.to,
        new Progress(o.progress === false ? null : process.stderr),
      );
      process.stdout.write(report.format());
    } finally {
      await stores.close();
    }
  });
  return cmd;
}
