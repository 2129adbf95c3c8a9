/** `cairn artifacts list|download|upload`: a run's artifacts, with a progress bar for transfers. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { checkedArtifactPath, type TransferProgress } from '../client/artifacts.js';
import type { ArtifactFileInfo, TrackingClient } from '../client/tracking-client.js';
import { parseRunsUri } from '../entities/artifacts.js';
import { invalidParam } from '../errors.js';
import { trackingSubcommand, withClient, type TrackingCliOptions } from './cli-client.js';
import { createProgressBar, formatBytes, printJson, printTable, type ProgressBar } from './output.js';

interface TargetOptions extends TrackingCliOptions {
  runId?: string;
  artifactPath?: string;
  artifactUri?: string;
}

/** `--run-id` + `--artifact-path`, or `--artifact-uri runs:/<run-id>/<path>`. */
function target(opts: TargetOptions): { runId: string; path: string } {
  if (opts.artifactUri) {
    const parts = parseRunsUri(opts.artifactUri);
    if (!parts)
      throw invalidParam(`--artifact-uri must look like runs:/<run-id>/<path>, got '${opts.artifactUri}'.`);
    return { runId: parts.runId, path: checkedArtifactPath(parts.path) };
  }
  if (!opts.runId) throw invalidParam('Give --run-id (or --artifact-uri runs:/<run-id>/<path>).');
  return { runId: opts.runId, path: checkedArtifactPath(opts.artifactPath) };
}

function sub(parent: Command, name: string, description: string, example: string): Command {
  return trackingSubcommand(parent, name, description, example)
    .option('-r, --run-id <id>', 'run id')
    .option('-a, --artifact-path <path>', 'path inside the run artifacts (default: the root)');
}

/** Feeds per-file progress callbacks into one bar counting bytes over all files. */
function progressFeeder(bar: ProgressBar): (p: TransferProgress) => void {
  const seen = new Map<string, number>();
  return (p) => {
    bar.tick(p.bytes - (seen.get(p.path) ?? 0));
    seen.set(p.path, p.bytes);
  };
}

async function localSize(path: string): Promise<number> {
  const info = await stat(path);
  if (info.isFile()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await localSize(join(path, entry));
  return total;
}

async function remoteFiles(client: TrackingClient, runId: string, path: string): Promise<ArtifactFileInfo[]> {
  if (!path) return client.artifacts.listAll(runId);
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  const entry = (await client.artifacts.list(runId, parent)).find((f) => f.path === path);
  if (!entry) return [];
  return entry.is_dir ? client.artifacts.listAll(runId, path) : [entry];
}

export function artifactsCommand(): Command {
  const group = new Command('artifacts').description("List, download and upload a run's artifacts.");
  group.addHelpText(
    'after',
    '\nExample:\n  $ cairn artifacts download --run-id 3f2a9c0d6b7e4e1f9a8b7c6d5e4f3a2b --dst-path ./out',
  );

  sub(
    group,
    'list',
    'List artifacts of a run.',
    'cairn artifacts list --run-id 3f2a9c0d6b7e4e1f9a8b7c6d5e4f3a2b --artifact-path model',
  )
    .option('-u, --artifact-uri <uri>', 'runs:/<run-id>/<path> instead of --run-id/--artifact-path')
    .option('-R, --recursive', 'list every file under the path')
    .option('--json', 'print JSON')
    .action(async (opts: TargetOptions & { recursive?: boolean }) => {
      const { runId, path } = target(opts);
      await withClient(opts, async (client) => {
        const files = opts.recursive
          ? await client.artifacts.listAll(runId, path)
          : await client.artifacts.list(runId, path);
        if (opts.json) return printJson({ files });
        printTable(
          files,
          [
            { key: 'path', header: 'PATH', format: (f) => (f.is_dir ? `${f.path}/` : f.path) },
            {
              key: 'file_size',
              header: 'SIZE',
              align: 'right',
              format: (f) => (f.is_dir ? '' : formatBytes(f.file_size ?? 0)),
            },
          ],
          { emptyMessage: 'No artifacts.' },
        );
      });
    });

  sub(
    group,
    'download',
    'Download an artifact file or directory (default: everything).',
    'cairn artifacts download -u runs:/3f2a9c0d6b7e4e1f9a8b7c6d5e4f3a2b/model -d ./model',
  )
    .option('-u, --artifact-uri <uri>', 'runs:/<run-id>/<path> instead of --run-id/--artifact-path')
    .option('-d, --dst-path <dir>', 'local directory to download into', '.')
    .action(async (opts: TargetOptions & { dstPath: string }) => {
      const { runId, path } = target(opts);
      await withClient(opts, async (client) => {
        const files = await remoteFiles(client, runId, path);
        const total = files.reduce((n, f) => n + (f.file_size ?? 0), 0);
        const bar = createProgressBar('Downloading', total);
        const local = await client.artifacts.download(runId, path, opts.dstPath, {
          onProgress: progressFeeder(bar),
        });
        bar.done();
        process.stdout.write(`${local}\n`);
      });
    });

  sub(
    group,
    'upload',
    'Upload a local file or directory into a run.',
    'cairn artifacts upload --run-id 3f2a9c0d6b7e4e1f9a8b7c6d5e4f3a2b --local-path ./plots --artifact-path figures',
  )
    .requiredOption('-l, --local-path <path>', 'local file or directory')
    .action(async (opts: TargetOptions & { localPath: string }) => {
      const { runId, path } = target(opts);
      await withClient(opts, async (client) => {
        const bar = createProgressBar('Uploading', await localSize(opts.localPath));
        await client.artifacts.upload(runId, opts.localPath, path, { onProgress: progressFeeder(bar) });
        bar.done();
        process.stdout.write(`Uploaded ${opts.localPath} to run ${runId}${path ? ` under ${path}` : ''}\n`);
      });
    });

  return group;
}
