/** `cairn experiments create|list|get|rename|delete|restore`. */
import { Command } from 'commander';
import type { Experiment } from '../entities/tracking.js';
import { invalidParam } from '../errors.js';
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
import { formatTimestamp, printJson, printKeyValues, printTable } from './output.js';

function parseTags(pairs: string[]): { key: string; value: string }[] {
  return pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw invalidParam(`--tag expects KEY=VALUE, got '${pair}'.`);
    return { key: pair.slice(0, at), value: pair.slice(at + 1) };
  });
}

function printExperiment(exp: Experiment, json: boolean | undefined): void {
  if (json) return printJson(exp);
  printKeyValues({
    experiment_id: exp.experiment_id,
    name: exp.name,
    artifact_location: exp.artifact_location,
    lifecycle_stage: exp.lifecycle_stage,
    creation_time: formatTimestamp(exp.creation_time),
    last_update_time: formatTimestamp(exp.last_update_time),
    ...Object.fromEntries((exp.tags ?? []).map((t) => [`tag ${t.key}`, t.value])),
  });
}

export function experimentsCommand(): Command {
  const group = new Command('experiments').description('Create, list and manage experiments.');
  group.addHelpText('after', '\nExample:\n  $ cairn experiments list --tracking-uri http://127.0.0.1:5000');

  sub(
    group,
    'create',
    'Create an experiment and print its id.',
    'cairn experiments create fraud-model --tag team=risk',
  )
    .argument('<name>', 'experiment name')
    .option('--artifact-location <uri>', 'where its runs store artifacts (default: chosen by the server)')
    .option('--tag <key=value>', 'experiment tag (repeatable)', collect)
    .option('--json', 'print {"experiment_id": ...}')
    .action(
      async (name: string, opts: TrackingCliOptions & { artifactLocation?: string; tag?: string[] }) => {
        await withClient(opts, async (client) => {
          const id = await client.createExperiment(name, {
            artifact_location: opts.artifactLocation,
            tags: opts.tag?.length ? parseTags(opts.tag) : undefined,
          });
          if (opts.json) printJson({ experiment_id: id });
          else process.stdout.write(`Created experiment '${name}' with id ${id}\n`);
        });
      },
    );

  sub(group, 'list', 'List experiments.', `cairn experiments list --filter "name LIKE 'fraud%'" --json`)
    .addOption(viewOption('experiments'))
    .option('--filter <filter>', 'search filter, e.g. "tags.team = \'risk\'"')
    .option('--order-by <clause>', "order, e.g. 'name ASC' (repeatable)", collect)
    .option('--max-results <n>', 'show at most n experiments', positiveIntOption)
    .option('--json', 'print JSON instead of a table')
    .action(
      async (
        opts: TrackingCliOptions & { view: string; filter?: string; orderBy?: string[]; maxResults?: number },
      ) => {
        await withClient(opts, async (client) => {
          const experiments: Experiment[] = [];
          for await (const e of client.iterExperiments({
            view_type: VIEWS[opts.view],
            filter: opts.filter,
            order_by: opts.orderBy?.length ? opts.orderBy : undefined,
            max_results: Math.min(opts.maxResults ?? 1000, 1000),
          })) {
            experiments.push(e);
            if (opts.maxResults && experiments.length >= opts.maxResults) break;
          }
          if (opts.json) return printJson({ experiments });
          printTable(
            experiments,
            [
              { key: 'experiment_id', header: 'ID', align: 'right' },
              { key: 'name', header: 'NAME', maxWidth: 40 },
              { key: 'lifecycle_stage', header: 'STAGE' },
              { key: 'creation_time', header: 'CREATED', format: (e) => formatTimestamp(e.creation_time) },
              { key: 'artifact_location', header: 'ARTIFACT LOCATION', maxWidth: 50 },
            ],
            { emptyMessage: 'No experiments found.' },
          );
        });
      },
    );

  sub(
    group,
    'get',
    'Show one experiment, by id or by --name.',
    'cairn experiments get 1   (or: cairn experiments get --name fraud-model)',
  )
    .argument('[experiment-id]', 'experiment id')
    .option('--name <name>', 'look the experiment up by name instead')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, opts: TrackingCliOptions & { name?: string }) => {
      if (!id && !opts.name) throw invalidParam('Give an experiment id or --name.');
      await withClient(opts, async (client) => {
        const exp = id ? await client.getExperiment(id) : await client.getExperimentByName(opts.name!);
        printExperiment(exp, opts.json);
      });
    });

  sub(group, 'rename', 'Rename an experiment.', 'cairn experiments rename 1 fraud-model-v2')
    .argument('<experiment-id>', 'experiment id')
    .argument('<new-name>', 'new name')
    .action(async (id: string, newName: string, opts: TrackingCliOptions) => {
      await withClient(opts, (client) => client.renameExperiment(id, newName));
      process.stdout.write(`Renamed experiment ${id} to '${newName}'\n`);
    });

  addDeleteRestoreCommands(group, {
    noun: 'experiment',
    exampleId: '1',
    deleteDescription: 'Delete an experiment (and its runs); it can be restored.',
    remove: (client, id) => client.deleteExperiment(id),
    restore: (client, id) => client.restoreExperiment(id),
  });

  return group;
}
