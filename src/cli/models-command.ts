/** `cairn models`: batch prediction, the scoring server, container images, and registry commands. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { integer, setting } from '../config/env-values.js';
import { readLogConfig } from '../config/network-config.js';
import { SERVER_DEFAULTS } from '../config/server-config.js';
import { DEFAULT_MAX_REQUEST_ROWS } from '../serving/invocations.js';
import { positiveInt, withTrackingUri } from './cli-client.js';
import { MODEL_URI_HELP, predictCommand, predictShardCommand } from './models-predict-commands.js';
import { addRegistryCommands } from './models-registry-commands.js';
import { logOptions } from './network-options.js';

interface RemoteCliOptions {
  modelUri: string;
  trackingUri?: string;
}

/** Adds the options of the commands that build a container image (generate-dockerfile, build-docker). */
function withImageOptions(cmd: Command): Command {
  return cmd
    .option(
      '--cairn-package <spec>',
      'npm spec or local .tgz (npm pack) of the Cairn package to install in the image',
    )
    .option('--base-image <image>', 'base image', 'node:20-slim');
}

const nonNegativeNumber = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`expected a non-negative number, got '${value}'`);
  return n;
};

function serveCommand(): Command {
  const cmd = new Command('serve')
    .description(
      'Serve a model over HTTP with the MLflow scoring protocol (/invocations, /ping, /health, /version, /metrics).',
    )
    .helpOption('--help', 'display help for command')
    .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
    .option('-p, --port <port>', 'port to listen on (env MLFLOW_PORT; default: 5000)')
    .option('-h, --host <host>', 'address to bind (env MLFLOW_HOST; default: 127.0.0.1)')
    .option('-t, --timeout <seconds>', 'longest a prediction may take', positiveInt, 60)
    .option('-w, --workers <n>', 'worker processes sharing the port (env CAIRN_MODELS_WORKERS; default: 1)')
    .option(
      '--batch-max-size <rows>',
      'largest micro-batch of concurrent requests (1 disables batching)',
      positiveInt,
      256,
    )
    .option(
      '--batch-max-delay-ms <ms>',
      'how long a request may wait for others to batch with (0: same event-loop turn)',
      nonNegativeNumber,
      0,
    )
    .option('--max-request-bytes <bytes>', 'largest accepted request body', positiveInt, 64 * 1024 * 1024)
    .option(
      '--max-request-rows <rows>',
      'most input rows per request; more answers 413',
      positiveInt,
      DEFAULT_MAX_REQUEST_ROWS,
    )
    .addOption(
      new Option(
        '--env-manager <manager>',
        'accepted for MLflow compatibility; models run in this Node process',
      ).choices(['local', 'virtualenv', 'uv', 'conda']),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ cairn models serve -m models:/fraud@champion -p 5001
  $ cairn models serve -m ./model --workers 2 --batch-max-delay-ms 1
  $ curl -d '{"dataframe_split": {"columns": ["amount","age"], "data": [[12.5, 31]]}}' \\
      -H 'Content-Type: application/json' http://127.0.0.1:5001/invocations`,
    );
  withTrackingUri(cmd);
  for (const option of logOptions()) cmd.addOption(option);
  cmd.action(
    async (
      opts: RemoteCliOptions & {
        logLevel?: string;
        logFormat?: string;
        maxRequestRows: number;
        port?: string;
        host?: string;
        timeout: number;
        workers?: string;
        batchMaxSize: number;
        batchMaxDelayMs: number;
        maxRequestBytes: number;
      },
    ) => {
      const env = process.env;
      const port = integer(setting(opts.port, 'PORT', env), 'Port', 0, 65535) ?? SERVER_DEFAULTS.port;
      const host = setting(opts.host, 'HOST', env) ?? SERVER_DEFAULTS.host;
      const workers = integer(setting(opts.workers, 'MODELS_WORKERS', env), 'Workers', 1, 64) ?? 1;
      const [{ resolveModelDir }, { serveModelDir }] = await Promise.all([
        import('../client/models.js'),
        import('../serving/server.js'),
      ]);
      const { dir, cleanup } = await resolveModelDir(opts.modelUri, { trackingUri: opts.trackingUri });
      process.once('exit', () => void cleanup());
      await serveModelDir(dir, {
        host,
        port,
        workers,
        timeoutSeconds: opts.timeout,
        maxRequestBytes: opts.maxRequestBytes,
        maxRequestRows: opts.maxRequestRows,
        log: readLogConfig(opts, env),
        batch: { maxSize: opts.batchMaxSize, maxDelayMs: opts.batchMaxDelayMs },
        onListening: (url) =>
          process.stderr.write(
            `Serving ${opts.modelUri} at ${url} (${workers} worker${workers > 1 ? 's' : ''}); POST ${url}/invocations\n`,
          ),
      });
    },
  );
  return cmd;
}

function generateDockerfileCommand(): Command {
  const cmd = withImageOptions(
    new Command('generate-dockerfile')
      .description(
        'Write a Docker build context (Dockerfile, model, package.json) whose image serves the model on port 8080.',
      )
      .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
      .option('-d, --output-directory <dir>', 'where to write the context', 'cairn-dockerfile'),
  ).addHelpText(
    'after',
    `
Examples:
  $ cairn models generate-dockerfile -m models:/fraud@champion -d ./fraud-image
  $ docker build -t fraud ./fraud-image && docker run -p 8080:8080 fraud`,
  );
  withTrackingUri(cmd);
  cmd.action(
    async (
      opts: RemoteCliOptions & { outputDirectory: string; cairnPackage?: string; baseImage: string },
    ) => {
      const [{ resolveModelDir }, { generateDockerfile }] = await Promise.all([
        import('../client/models.js'),
        import('../serving/dockerfile.js'),
      ]);
      const { dir, cleanup } = await resolveModelDir(opts.modelUri, { trackingUri: opts.trackingUri });
      try {
        const out = await generateDockerfile({
          modelDir: dir,
          outputDir: opts.outputDirectory,
          cairnPackage: opts.cairnPackage,
          baseImage: opts.baseImage,
        });
        process.stdout.write(`Wrote a Docker build context to ${out}\n`);
      } finally {
        await cleanup();
      }
    },
  );
  return cmd;
}

function buildDockerCommand(): Command {
  const cmd = withImageOptions(
    new Command('build-docker')
      .description('Build a container image serving the model (needs a running Docker or Podman).')
      .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
      .option('-n, --name <image>', 'image name', 'cairn-model'),
  ).addHelpText(
    'after',
    `
Examples:
  $ cairn models build-docker -m models:/fraud@champion -n fraud
  $ docker run -p 8080:8080 fraud`,
  );
  withTrackingUri(cmd);
  cmd.action(async (opts: RemoteCliOptions & { name: string; cairnPackage?: string; baseImage: string }) => {
    const [{ resolveModelDir }, { buildDocker, generateDockerfile }] = await Promise.all([
      import('../client/models.js'),
      import('../serving/dockerfile.js'),
    ]);
    const { dir, cleanup } = await resolveModelDir(opts.modelUri, { trackingUri: opts.trackingUri });
    const ctx = await mkdtemp(join(tmpdir(), 'cairn-docker-'));
    try {
      const context = await generateDockerfile({
        modelDir: dir,
        outputDir: join(ctx, 'context'),
        cairnPackage: opts.cairnPackage,
        baseImage: opts.baseImage,
      });
      await buildDocker(context, opts.name);
      process.stdout.write(`Built image ${opts.name}\n`);
    } finally {
      await rm(ctx, { recursive: true, force: true });
      await cleanup();
    }
  });
  return cmd;
}

export function modelsCommand(): Command {
  const models = new Command('models')
    .description('Score, serve and package models; manage registered models.')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn models predict -m models:/fraud@champion -i transactions.csv -o scores.jsonl
  $ cairn models serve -m models:/fraud@champion -p 5001
  $ cairn models generate-dockerfile -m ./model -d ./image`,
    );
  models.addCommand(predictCommand());
  models.addCommand(predictShardCommand());
  models.addCommand(serveCommand());
  models.addCommand(generateDockerfileCommand());
  models.addCommand(buildDockerCommand());
  addRegistryCommands(models);
  return models;
}
