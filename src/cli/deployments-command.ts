/**
 * `cairn deployments`: deploy models to targets that plugins provide, as `mlflow deployments` does
 * with MLflow's deployment plugins. The target (`-t NAME` or `-t NAME:URI`) comes from a plugin
 * named in CAIRN_PLUGINS or in the project's package.json `cairn.plugins`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { invalidParam } from '../errors.js';
import { resolveModelDir } from '../client/models.js';
import { loadModelFromDir } from '../models/model.js';
import {
  deploymentTargetFor,
  deploymentTargetNames,
  type DeploymentClient,
  type DeploymentHost,
  type DeploymentModel,
} from '../plugins/deployment-target.js';
import { trackingSubcommand } from './cli-client.js';
import { printJson, printKeyValues, printTable } from './output.js';

interface TargetOptions {
  target: string;
  trackingUri?: string;
  json?: boolean;
}

const host: DeploymentHost = { loadModel: (dir) => loadModelFromDir(dir) };

function clientFor(opts: TargetOptions): DeploymentClient {
  return deploymentTargetFor(opts.target).client(opts.target, host);
}

/** `-C key=value`, repeatable. */
function collectConfig(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw invalidParam(`-C expects key=value, got '${value}'.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Gives the target a local copy of the model for the duration of `fn`. */
async function withModel<T>(
  uri: string,
  trackingUri: string | undefined,
  fn: (m: DeploymentModel) => Promise<T>,
) {
  const { dir, cleanup } = await resolveModelDir(uri, { trackingUri });
  try {
    return await fn({ uri, dir });
  } finally {
    await cleanup();
  }
}

function sub(parent: Command, name: string, description: string, example: string): Command {
  return trackingSubcommand(parent, name, description, example).requiredOption(
    '-t, --target <target>',
    'deployment target: NAME or NAME:URI (see `cairn deployments help`)',
  );
}

function printDeployment(deployment: Record<string, unknown>, json: boolean | undefined): void {
  if (json) printJson(deployment);
  else printKeyValues(deployment);
}

export function deploymentsCommand(): Command {
  const cmd = new Command('deployments').description(
    'Deploy models to targets provided by plugins (CAIRN_PLUGINS or package.json "cairn.plugins").',
  );
  cmd.addHelpText(
    'after',
    `
Examples:
  $ npm install cairn-plugin-local-folder && export CAIRN_PLUGINS=cairn-plugin-local-folder
  $ cairn deployments create -t local-folder:/srv/models --name fraud -m models:/fraud@champion
  $ cairn deployments predict -t local-folder:/srv/models --name fraud -I input.json`,
  );

  sub(
    cmd,
    'create',
    'Deploy a model under a new name.',
    'cairn deployments create -t local-folder --name fraud -m ./model',
  )
    .requiredOption('--name <name>', 'deployment name')
    .requiredOption('-m, --model-uri <uri>', 'model: local path, runs:/, models:/ URI')
    .option('-f, --flavor <flavor>', 'flavor the target should serve the model with')
    .option('-C, --config <key=value>', 'target-specific setting (repeatable)', collectConfig, {})
    .option('--json', 'print the deployment as JSON')
    .action(
      async (
        opts: TargetOptions & {
          name: string;
          modelUri: string;
          flavor?: string;
          config: Record<string, string>;
        },
      ) => {
        const client = clientFor(opts);
        const deployment = await withModel(opts.modelUri, opts.trackingUri, (model) =>
          client.create(opts.name, { model, flavor: opts.flavor, config: opts.config }),
        );
        printDeployment(deployment, opts.json);
      },
    );

  sub(
    cmd,
    'update',
    'Change the model or settings of a deployment.',
    'cairn deployments update -t local-folder --name fraud -m ./model-v2',
  )
    .requiredOption('--name <name>', 'deployment name')
    .option('-m, --model-uri <uri>', 'new model (default: keep the current one)')
    .option('-f, --flavor <flavor>', 'flavor the target should serve the model with')
    .option('-C, --config <key=value>', 'target-specific setting (repeatable)', collectConfig, {})
    .option('--json', 'print the deployment as JSON')
    .action(
      async (
        opts: TargetOptions & {
          name: string;
          modelUri?: string;
          flavor?: string;
          config: Record<string, string>;
        },
      ) => {
        const client = clientFor(opts);
        const change = { flavor: opts.flavor, config: opts.config };
        const deployment = opts.modelUri
          ? await withModel(opts.modelUri, opts.trackingUri, (model) =>
              client.update(opts.name, { ...change, model }),
            )
          : await client.update(opts.name, change);
        printDeployment(deployment, opts.json);
      },
    );

  sub(cmd, 'delete', 'Delete a deployment.', 'cairn deployments delete -t local-folder --name fraud')
    .requiredOption('--name <name>', 'deployment name')
    .option('-C, --config <key=value>', 'target-specific setting (repeatable)', collectConfig, {})
    .action(async (opts: TargetOptions & { name: string; config: Record<string, string> }) => {
      await clientFor(opts).delete(opts.name, opts.config);
      process.stdout.write(`Deleted deployment ${opts.name}.\n`);
    });

  sub(cmd, 'list', 'List the deployments of a target.', 'cairn deployments list -t local-folder')
    .option('--json', 'print the deployments as JSON')
    .action(async (opts: TargetOptions) => {
      const deployments = await clientFor(opts).list();
      if (opts.json) printJson(deployments);
      else printTable(deployments, ['name'], { emptyMessage: 'No deployments.' });
    });

  sub(cmd, 'get', 'Describe one deployment.', 'cairn deployments get -t local-folder --name fraud')
    .requiredOption('--name <name>', 'deployment name')
    .option('--json', 'print the deployment as JSON')
    .action(async (opts: TargetOptions & { name: string }) => {
      printDeployment(await clientFor(opts).get(opts.name), opts.json);
    });

  sub(
    cmd,
    'predict',
    'Score a JSON input file with a deployment.',
    'cairn deployments predict -t local-folder --name fraud -I input.json',
  )
    .requiredOption('--name <name>', 'deployment name')
    .requiredOption('-I, --input-path <path>', 'JSON file with the model input')
    .option('-O, --output-path <path>', 'write the predictions here (default: standard output)')
    .action(async (opts: TargetOptions & { name: string; inputPath: string; outputPath?: string }) => {
      const text = await readFile(opts.inputPath, 'utf8').catch((err: Error) => {
        throw invalidParam(`Cannot read ${opts.inputPath}: ${err.message}`);
      });
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (err) {
        throw invalidParam(`${opts.inputPath} is not JSON: ${(err as Error).message}`);
      }
      const out = `${JSON.stringify(await clientFor(opts).predict(opts.name, input))}\n`;
      if (opts.outputPath) await writeFile(opts.outputPath, out);
      else process.stdout.write(out);
    });

  cmd
    .command('help')
    .description('Show the registered targets, or what one target accepts.')
    .option('-t, --target <target>', 'deployment target')
    .action((opts: { target?: string }) => {
      if (!opts.target) {
        const names = deploymentTargetNames();
        process.stdout.write(
          names.length
            ? `Deployment targets: ${names.join(', ')}\n`
            : 'No deployment targets; install a plugin and name it in CAIRN_PLUGINS.\n',
        );
        return;
      }
      const target = deploymentTargetFor(opts.target);
      process.stdout.write(`${target.help ?? `Deployment target '${target.name}' (no help given).`}\n`);
    });
  return cmd;
}
