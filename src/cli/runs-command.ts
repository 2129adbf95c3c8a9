/** `cairn runs list|get|describe|delete|restore`. */
import { Command } from 'commander';
import type { Run } from '../entities/tracking.js';
import { invalidParam, isErrorCode, MlflowError } from '../errors.js';
import {
  VIEWS,
  addDeleteRestoreCommands,
  collect,
  positiveIntOption,
  trackingSubcommand as sub,
  viewOption,
  withClient,
  type TrackingCliOptions,
} from './cli-client.js';
import { formatDuration, formatTimestamp, printJson, printKeyValues, printTable } from './output.js';

const duration = (run: Run): string =>
  run.info.end_time
    ? formatDuration(run.info.end_time - run.info.start_time)
    : run.info.status === 'RUNNING'
      ? 'running'
      : '';

const formatMetric = (value: number): string =>
  Number.isInteger(value)
    ? String(value)
    : Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6
      ? value.toFixed(4)
      : value.toExponential(3);

function summary(run: Run): string {
  return (run.data.metrics ?? [])
    .slice(0, 4)
    .map((m) => `${m.key}=${formatMetric(m.value)}`)
    .join(' ');
}

function describe(run: Run): void {
  const { info, data } = run;
  printKeyValues({
    run_id: info.run_id,
    run_name: info.run_name,
    experiment_id: info.experiment_id,
    status: info.status,
    lifecycle_stage: info.lifecycle_stage,
    start_time: formatTimestamp(info.start_time),
    end_time: formatTimestamp(info.end_time),
    duration: duration(run),
    artifact_uri: info.artifact_uri,
  });
  const section = (title: string, rows: { key: string; value: unknown }[]): void => {
    if (rows.length === 0) return;
    process.stdout.write(`\n${title}:\n`);
    printTable(rows, [
      { key: 'key', header: 'KEY' },
      { key: 'value', header: 'VALUE', maxWidth: 80 },
    ]);
  };
  section('Params', data.params ?? []);
  section(
    'Metrics (latest)',
    (data.metrics ?? []).map((m) => ({ key: m.key, value: `${formatMetric(m.value)} (step ${m.step})` })),
  );
  section('Tags', data.tags ?? []);
  const datasets = run.inputs?.dataset_inputs ?? [];
  section(
    'Datasets',
    datasets.map((d) => ({
      key: d.dataset.name,
      value: `${d.dataset.digest} ${d.dataset.source_type} ${d.dataset.source}`,
    })),
  );
}

export function runsCommand(): Command {
  const group = new Command('runs').description('List, inspect, delete and restore runs.');
  group.addHelpText(
    'after',
    '\nExample:\n  $ cairn runs list --experiment-id 1 --order-by "metrics.loss ASC"',
  );

  sub(
    group,
    'list',
    'Search the runs of one or more experiments.',
    'cairn runs list --experiment-id 1 --filter "metrics.loss < 0.1 and params.lr = \'0.01\'" --max-results 20',
  )
    .requiredOption('--experiment-id <id>', 'experiment id (repeatable, or comma-separated)', collect)
    .option('--filter <filter>', 'search filter, e.g. "metrics.rmse < 1 and tags.team = \'risk\'"')
    .option('--order-by <clause>', "order, e.g. 'metrics.loss ASC' (repeatable)", collect)
    .option('--max-results <n>', 'show at most n runs (default 100)', positiveIntOption, 100)
    .addOption(viewOption('runs'))
    .option('--json', 'print JSON instead of a table')
    .action(
      async (
        opts: TrackingCliOptions & {
          experimentId: string[];
          filter?: string;
          orderBy?: string[];
          maxResults: number;
          view: string;
        },
      ) => {
        const experimentIds = opts.experimentId
          .flatMap((s) => s.split(','))
          .map((s) => s.trim())
          .filter(Boolean);
        if (experimentIds.length === 0) throw invalidParam('--experiment-id is required.');
        await withClient(opts, async (client) => {
          const runs: Run[] = [];
          for await (const run of client.iterRuns({
            experiment_ids: experimentIds,
            filter: opts.filter,
            order_by: opts.orderBy?.length ? opts.orderBy : undefined,
            run_view_type: VIEWS[opts.view],
            max_results: Math.min(opts.maxResults, 1000),
          })) {
            runs.push(run);
            if (runs.length >= opts.maxResults) break;
          }
          if (opts.json) return printJson({ runs });
          printTable(
            runs,
            [
              { key: 'run_id', header: 'RUN ID', format: (r) => r.info.run_id },
              { key: 'name', header: 'NAME', format: (r) => r.info.run_name, maxWidth: 30 },
              { key: 'status', header: 'STATUS', format: (r) => r.info.status },
              { key: 'start', header: 'STARTED', format: (r) => formatTimestamp(r.info.start_time) },
              { key: 'duration', header: 'DURATION', format: duration, align: 'right' },
              { key: 'metrics', header: 'METRICS', format: summary, maxWidth: 60 },
            ],
            { emptyMessage: 'No runs found.' },
          );
        });
      },
    );

  sub(
    group,
    'get',
    'Show a run: info and latest metrics, params and tags (JSON with --json).',
    'cairn runs get 3f2a9c0d6b7e4e1f9a8b7c6d5e4f3a2b --json',
  )
    .argument('<run-id>', 'run id')
    .option('--json', 'print the run as JSON')
    .action(async (runId: string, opts: TrackingCliOptions) => {
      await withClient(opts, async (client) => {
        const run = await client.getRun(runId);
        if (opts.json) printJson({ run });
        else describe(run);
      });
    });

  sub(
    group,
    'describe',
    'Describe a run in detail, including its artifacts.',
    'cairn runs describe 3f2a9c0d6b7e4e1f9a8b7c6d5e4f3a2b',
  )
    .argument('<run-id>', 'run id')
    .option('--json', 'print the run and its top-level artifacts as JSON')
    .action(async (runId: string, opts: TrackingCliOptions) => {
      await withClient(opts, async (client) => {
        const run = await client.getRun(runId);
        // The run is shown even when its artifacts cannot be listed (unreachable storage, no
        // permission); the listing error is then reported and the command fails.
        const listing = await client.artifacts.list(runId).then(
          (files) => ({ files }),
          (err: unknown) => ({ error: err }),
        );
        if (opts.json) {
          if ('files' in listing) return printJson({ run, artifacts: listing.files });
          printJson({ run, artifacts: null, artifacts_error: errorSummary(listing.error) });
        } else {
          describe(run);
          if ('files' in listing && listing.files.length) {
            process.stdout.write('\nArtifacts:\n');
            for (const a of listing.files) process.stdout.write(`  ${a.path}${a.is_dir ? '/' : ''}\n`);
          }
        }
        if ('error' in listing) throw artifactListingError(runId, listing.error);
      });
    });

  addDeleteRestoreCommands(group, {
    noun: 'run',
    exampleId: '3f2a9c0d6b7e4e1f9a8b7c6d5e4f3a2b',
    deleteDescription: 'Delete a run (it can be restored).',
    remove: (client, id) => client.deleteRun(id),
    restore: (client, id) => client.restoreRun(id),
  });

  return group;
}

function errorSummary(err: unknown): { error_code: string; message: string } {
  if (err instanceof MlflowError) return { error_code: err.errorCode, message: err.message };
  return { error_code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) };
}

/** The error of a failed artifact listing, saying what could not be done. */
function artifactListingError(runId: string, err: unknown): MlflowError {
  const { error_code, message } = errorSummary(err);
  return new MlflowError(
    `Cannot list the artifacts of run ${runId}: ${message}`,
    isErrorCode(error_code) ? error_code : 'INTERNAL_ERROR',
  );
}
