/** `cairn models predict` (one process, several worker processes, or a Kubernetes Indexed Job) and `predict-shard`. */
import { Command, Option } from 'commander';
import { MlflowError, invalidParam } from '../errors.js';
import type { BatchPredictOptions, BatchPredictResult } from '../models/batch/predict.js';
import type { InputFormat } from '../models/batch/readers.js';
import type { OutputFormat } from '../models/batch/writers.js';
import { positiveInt, withTrackingUri } from './cli-client.js';

export const MODEL_URI_HELP = 'model: local path, file:, runs:/, models:/ or mlflow-artifacts: URI';

/** More processes than this would only contend for the cores and multiply the model's memory. */
const MAX_WORKERS = 64;
/** Pods of one Indexed Job (Kubernetes allows up to 100,000 completions). */
const MAX_SHARDS = 10_000;

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw invalidParam(
      `--params must be a JSON object, e.g. '{"temperature": 0.5}' (${(err as Error).message}).`,
    );
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const nonNegativeInt = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new Error(`expected a non-negative integer, got '${value}'`);
  return Number(value);
};

const inputFormatOption = (): Option =>
  new Option('--input-format <format>', 'input format (default: from the file extension)').choices([
    'csv',
    'json',
    'jsonl',
    'parquet',
  ]);
const outputFormatOption = (help: string): Option =>
  new Option('--output-format <format>', help).choices(['jsonl', 'csv', 'json']);

interface PredictCliOptions {
  modelUri: string;
  trackingUri?: string;
  inputPath?: string[];
  outputPath?: string;
  contentType?: 'json' | 'csv';
  inputFormat?: InputFormat;
  outputFormat?: OutputFormat;
  chunkSize: number;
  workers: number;
  params?: string;
  progress: boolean;
  backend: 'local' | 'kubernetes';
  shards?: number;
  parallelism?: number;
  image?: string;
  jobTemplate?: string;
  kubeContext?: string;
  wait: boolean;
}

async function predictLocally(opts: PredictCliOptions): Promise<void> {
  if (opts.workers > MAX_WORKERS) throw invalidParam(`--workers is at most ${MAX_WORKERS}.`);
  if ((opts.inputPath?.length ?? 0) > 1)
    throw invalidParam('One input file (-i) at a time; several files are for --backend kubernetes.');
  // Loaded here, not at the top: the command's process with workers never loads the model (nor
  // the flavors' native code), and starts sooner without it.
  const { resolveModelDir } = await import('../client/models.js');
  const { batchPredict, interrupted } = await import('../models/batch/predict.js');
  const { dir, cleanup } = await resolveModelDir(opts.modelUri, { trackingUri: opts.trackingUri });
  try {
    const options: BatchPredictOptions = {
      inputPath: opts.inputPath?.[0],
      inputFormat: opts.inputFormat ?? opts.contentType,
      outputPath: opts.outputPath,
      outputFormat: opts.outputFormat,
      chunkSize: opts.chunkSize,
      params: parseParams(opts.params),
      progress: opts.progress && process.stderr.isTTY === true,
    };
    // Ctrl-C (or a plain kill) stops the prediction cleanly: the workers are stopped and the
    // parts and the unfinished output file removed before the command exits.
    const abort = new AbortController();
    const signals: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
    let exitCode = 1;
    const onSignal = (signal: NodeJS.Signals): void => {
      exitCode = signals[signal] ?? 1;
      abort.abort();
    };
    for (const s of Object.keys(signals)) process.once(s, onSignal);
    let result: BatchPredictResult;
    try {
      options.signal = abort.signal;
      if (opts.workers > 1) {
        const { batchPredictInWorkers } = await import('../models/batch/parallel-predict.js');
        result = await batchPredictInWorkers(dir, { ...options, workers: opts.workers });
      } else {
        const { loadModelFromDir } = await import('../models/model.js');
        const model = await loadModelFromDir(dir);
        try {
          result = await batchPredict(model, options);
        } finally {
          await model.close();
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
      const e = err instanceof MlflowError ? err : interrupted();
      process.stderr.write(`cairn: ${e.errorCode}: ${e.message}\n`);
      process.exitCode = exitCode;
      return;
    } finally {
      for (const s of Object.keys(signals)) process.off(s, onSignal);
    }
    if (result.leftoversRemoved.length)
      process.stderr.write(
        `Removed what an earlier, killed run had left beside the output: ${result.leftoversRemoved.join(', ')}\n`,
      );
    if (opts.outputPath) {
      process.stderr.write(
        `Scored ${result.rows.toLocaleString('en-US')} rows in ${result.seconds.toFixed(2)} s ` +
          `(${Math.round(result.rows / Math.max(result.seconds, 1e-9)).toLocaleString('en-US')} rows/s) into ${opts.outputPath}` +
          (result.startupSeconds !== undefined
            ? `; starting ${opts.workers} workers took ${result.startupSeconds.toFixed(2)} s`
            : '') +
          '\n',
      );
    }
  } finally {
    await cleanup();
  }
}

async function predictWithKubernetes(opts: PredictCliOptions): Promise<void> {
  if (!opts.inputPath?.length || !opts.outputPath)
    throw invalidParam(
      '--backend kubernetes needs -i (files, folders or s3:// prefixes) and -o (an output prefix).',
    );
  if (!opts.shards) throw invalidParam('--backend kubernetes needs --shards N.');
  if (opts.shards > MAX_SHARDS) throw invalidParam(`--shards is at most ${MAX_SHARDS}.`);
  if (!opts.image)
    throw invalidParam('--backend kubernetes needs --image: a container image with Cairn installed.');
  parseParams(opts.params);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    const { predictOnKubernetes } = await import('../models/batch/kubernetes-shards.js');
    await predictOnKubernetes({
      modelUri: opts.modelUri,
      inputs: opts.inputPath,
      output: opts.outputPath,
      inputFormat: opts.inputFormat ?? opts.contentType,
      outputFormat: opts.outputFormat ?? 'jsonl',
      shards: opts.shards,
      parallelism: opts.parallelism,
      chunkSize: opts.chunkSize,
      params: opts.params,
      image: opts.image,
      jobTemplatePath: opts.jobTemplate,
      kubeContext: opts.kubeContext,
      trackingUri: opts.trackingUri ?? process.env.CAIRN_TRACKING_URI ?? process.env.MLFLOW_TRACKING_URI,
      wait: opts.wait,
      signal: abort.signal,
      ...(process.env.CAIRN_KUBE_POLL_MS ? { pollIntervalMs: Number(process.env.CAIRN_KUBE_POLL_MS) } : {}),
    });
  } finally {
    process.off('SIGINT', onSignal);
  }
}

export function predictCommand(): Command {
  const cmd = new Command('predict')
    .description(
      'Score a file with a model, streaming it in chunks (CSV, JSON, JSON Lines or Parquet in; JSON Lines, CSV or JSON out), in one process, in several (--workers) or as a Kubernetes Indexed Job (--backend kubernetes --shards N).',
    )
    .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
    .option(
      '-i, --input-path <path>',
      'input file (default: standard input); with --backend kubernetes, repeatable: files, folders, s3:// objects or prefixes',
      collect,
    )
    .option(
      '-o, --output-path <path>',
      'output file (default: standard output); with --backend kubernetes the folder or s3:// prefix of the part files',
    )
    .addOption(
      new Option('-t, --content-type <type>', 'input format, as in mlflow models predict').choices([
        'json',
        'csv',
      ]),
    )
    .addOption(inputFormatOption())
    .addOption(outputFormatOption('output format (default: from the extension, else jsonl)'))
    .option('--chunk-size <rows>', 'rows scored per model call', positiveInt, 10_000)
    .option(
      '-w, --workers <n>',
      'processes scoring chunks in parallel, each with its own copy of the model (same output, same order); their part files go to a hidden folder beside the output, removed at the end (if the command is killed outright, by the next run writing to the same output)',
      positiveInt,
      1,
    )
    .option('--params <json>', 'inference params as a JSON object')
    .option('--no-progress', 'do not draw the progress bar on stderr')
    .addOption(
      new Option('--backend <backend>', 'where to run: this machine, or a Kubernetes Indexed Job')
        .choices(['local', 'kubernetes'])
        .default('local'),
    )
    .option('--shards <n>', 'kubernetes: pods (and part files) the input is split into', positiveInt)
    .option('--parallelism <n>', 'kubernetes: pods running at once (default: all shards)', positiveInt)
    .option('--image <image>', 'kubernetes: container image with Cairn installed')
    .option('--job-template <path>', 'kubernetes: Job YAML template (volumes, resources, credentials)')
    .option('--kube-context <context>', "kubernetes: kubectl context (default: kubectl's current one)")
    .option('--no-wait', 'kubernetes: submit the Job and return without following it')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn models predict -m models:/fraud@champion -i transactions.csv -o scores.jsonl
  $ cairn models predict -m ./model -i big.parquet -o scores.csv --chunk-size 50000
  $ cairn models predict -m ./model -i big.csv -o scores.jsonl --workers 4
  $ cat request.json | cairn models predict -m runs:/4f2a.../model -t json
  $ cairn models predict -m models:/fraud@champion -i s3://data/transactions/ -o s3://data/scores/ \\
      --backend kubernetes --shards 20 --parallelism 5 --image registry.example/cairn:0.1 \\
      --job-template predict-job.yaml`,
    );
  withTrackingUri(cmd);
  cmd.action(async (opts: PredictCliOptions) => {
    if (opts.backend === 'kubernetes') return predictWithKubernetes(opts);
    if (opts.shards !== undefined)
      throw invalidParam('--shards is for --backend kubernetes; use --workers here.');
    await predictLocally(opts);
  });
  return cmd;
}

export function predictShardCommand(): Command {
  const cmd = new Command('predict-shard')
    .description(
      'Score shard i of N of the input into part-0000i.<format> under the output folder or s3:// prefix (what each pod of `predict --backend kubernetes` runs; the parts in order are the whole output).',
    )
    .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
    .requiredOption(
      '-i, --input-path <path>',
      'input: file, folder, s3:// object or prefix (repeatable; files are taken in order)',
      collect,
    )
    .requiredOption('-o, --output-path <prefix>', 'folder or s3:// prefix of the part files')
    .requiredOption('--shards <n>', 'number of shards', positiveInt)
    .requiredOption('--shard-index <i>', 'this shard, 0 to N-1', nonNegativeInt)
    .addOption(inputFormatOption())
    .addOption(outputFormatOption('format of the part').default('jsonl'))
    .option('--chunk-size <rows>', 'rows scored per model call', positiveInt, 10_000)
    .option('--params <json>', 'inference params as a JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ cairn models predict-shard -m ./model -i data/ -o scores/ --shards 4 --shard-index 0
  $ cairn models predict-shard -m models:/fraud@champion -i s3://data/big.parquet \\
      -o s3://data/scores/ --shards 8 --shard-index "$JOB_COMPLETION_INDEX" --output-format csv`,
    );
  withTrackingUri(cmd);
  cmd.action(
    async (opts: {
      modelUri: string;
      trackingUri?: string;
      inputPath: string[];
      outputPath: string;
      shards: number;
      shardIndex: number;
      inputFormat?: InputFormat;
      outputFormat: OutputFormat;
      chunkSize: number;
      params?: string;
    }) => {
      if (opts.shards > MAX_SHARDS) throw invalidParam(`--shards is at most ${MAX_SHARDS}.`);
      const params = parseParams(opts.params);
      const [{ resolveModelDir }, { loadModelFromDir }, { predictShard }] = await Promise.all([
        import('../client/models.js'),
        import('../models/model.js'),
        import('../models/batch/shards.js'),
      ]);
      const { dir, cleanup } = await resolveModelDir(opts.modelUri, { trackingUri: opts.trackingUri });
      try {
        const model = await loadModelFromDir(dir);
        try {
          const r = await predictShard(model, {
            inputs: opts.inputPath,
            inputFormat: opts.inputFormat,
            output: opts.outputPath,
            outputFormat: opts.outputFormat,
            shards: opts.shards,
            index: opts.shardIndex,
            chunkSize: opts.chunkSize,
            params,
          });
          process.stderr.write(
            `Shard ${opts.shardIndex} of ${opts.shards}: scored ${r.rows.toLocaleString('en-US')} rows in ${r.seconds.toFixed(2)} s into ${r.part}\n`,
          );
        } finally {
          await model.close();
        }
      } finally {
        await cleanup();
      }
    },
  );
  return cmd;
}
