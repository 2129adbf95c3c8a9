/** `cairn sync`: delivers records spooled while the tracking server was unreachable. */
import { Command } from 'commander';
import { defaultSpoolDir } from '../client/spool.js';
import { listSpools, syncSpools } from '../client/sync.js';
import { printJson, printTable } from './output.js';

interface SyncOptions {
  spoolDir?: string;
  trackingUri?: string;
  runId?: string;
  list?: boolean;
  json?: boolean;
}

export function syncCommand(): Command {
  const cmd = new Command('sync')
    .description(
      'Send metrics, params, tags and run ends that the SDK spooled to disk while the tracking server was unreachable. ' +
        'Each record is delivered exactly once, in order; delivered spool files are removed.',
    )
    .option('--spool-dir <dir>', 'spool directory (env CAIRN_SPOOL_DIR, default ~/.cairn/spool)')
    .option('--tracking-uri <uri>', 'send to this server instead of the one each spool was written for')
    .option('--run-id <id>', 'only this run')
    .option('--list', 'only show what is pending')
    .option('--json', 'print JSON');
  cmd.addHelpText(
    'after',
    '\nExamples:\n  $ cairn sync --list\n  $ cairn sync --tracking-uri http://127.0.0.1:5000',
  );
  cmd.action(async (opts: SyncOptions) => {
    const dir = opts.spoolDir ?? defaultSpoolDir();
    if (opts.list) {
      const spools = listSpools(dir).filter((s) => !opts.runId || s.runId === opts.runId);
      if (opts.json) return printJson({ spool_dir: dir, spools });
      return printTable(
        spools,
        [
          { key: 'runId', header: 'RUN ID' },
          { key: 'pendingRecords', header: 'PENDING', align: 'right' },
          { key: 'rejected', header: 'REJECTED', align: 'right' },
          { key: 'trackingUri', header: 'SERVER' },
          { key: 'lockedBy', header: 'IN USE BY' },
          { key: 'error', header: 'PROBLEM', maxWidth: 60 },
        ],
        { emptyMessage: `Nothing pending in ${dir}.` },
      );
    }
    const report = await syncSpools({ dir, trackingUri: opts.trackingUri, runId: opts.runId });
    if (opts.json) printJson({ spool_dir: dir, ...report });
    else if (report.spools.length === 0) process.stdout.write(`Nothing pending in ${dir}.\n`);
    else {
      printTable(report.spools, [
        { key: 'runId', header: 'RUN ID' },
        { key: 'delivered', header: 'SENT BATCHES', align: 'right' },
        { key: 'skippedAsDelivered', header: 'ALREADY THERE', align: 'right' },
        { key: 'pendingRecords', header: 'STILL PENDING', align: 'right' },
        { key: 'rejected', header: 'REJECTED', align: 'right' },
        { key: 'error', header: 'PROBLEM', maxWidth: 60 },
      ]);
    }
    if (report.spools.some((s) => s.pendingEntries > 0)) process.exitCode = 1;
  });
  return cmd;
}
