/**
 * Sharded batch prediction on Kubernetes: one Indexed Job (`completionMode: Indexed`,
 * `completions` = shards) whose pod i runs `cairn models predict-shard --shard-index
 * $JOB_COMPLETION_INDEX`, writing part i under the output prefix. The Job is rendered from the
 * same templates, submitted and followed with the same kubectl wrapper as the projects' kubernetes
 * backend.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { uriScheme } from '../../artifacts/repository-registry.js';
import { s3EndpointFromEnv } from '../../artifacts/s3-uri.js';
import type { RunStatus } from '../../entities/tracking.js';
import { MlflowError, invalidParam } from '../../errors.js';
import {
  buildJobManifest,
  followJob,
  jobLogs,
  jobName,
  kubectlCli,
  loadJobTemplate,
  submitJob,
  type Kubectl,
  type SubmittedJob,
} from '../../projects/backends/kubernetes.js';
import { shellQuote } from '../../projects/parameters.js';
import type { InputFormat } from './readers.js';
import type { OutputFormat } from './writers.js';

/** Used without `kube-job-template-path`: one container, and no retries of a failed shard. */
const DEFAULT_TEMPLATE = `apiVersion: batch/v1
kind: Job
spec:
  backoffLimit: 0
  template:
    spec:
      containers:
        - name: cairn-predict
`;

export interface KubernetesPredictOptions {
  modelUri: string;
  inputs: string[];
  output: string;
  inputFormat?: InputFormat;
  outputFormat: OutputFormat;
  shards: number;
  /** Pods running at once (default: all shards). */
  parallelism?: number;
  chunkSize?: number;
  /** Inference params as given on the command line (a JSON object). */
  params?: string;
  /** Container image with Cairn installed. */
  image: string;
  jobTemplatePath?: string;
  kubeContext?: string;
  trackingUri?: string;
  kubectl?: Kubectl;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /** Progress lines (submitted, finished, logs of a failure). */
  log?: (line: string) => void;
}

/** A path a pod can make sense of: a URI, or an absolute path (on a volume the template mounts). */
function checkReachable(what: string, value: string): void {
  if (!uriScheme(value) && !isAbsolute(value))
    throw invalidParam(
      `${what} '${value}' is a relative local path, which the pods cannot read: use an s3:// (or models:/, runs:/) URI, or an absolute path on a volume the Job template mounts.`,
    );
}

/** The shell command of every pod; the shard index comes from the pod's completion index. */
export function shardCommand(opts: KubernetesPredictOptions): string {
  const args = ['cairn', 'models', 'predict-shard', '-m', opts.modelUri];
  for (const input of opts.inputs) args.push('-i', input);
  args.push('-o', opts.output, '--output-format', opts.outputFormat, '--shards', String(opts.shards));
  if (opts.inputFormat) args.push('--input-format', opts.inputFormat);
  if (opts.chunkSize) args.push('--chunk-size', String(opts.chunkSize));
  if (opts.params) args.push('--params', opts.params);
  return `exec ${args.map(shellQuote).join(' ')} --shard-index "$JOB_COMPLETION_INDEX"`;
}

/** The Indexed Job for the shards, from the template (or a minimal one). */
export async function buildShardJob(opts: KubernetesPredictOptions): Promise<Record<string, unknown>> {
  checkReachable('The model', opts.modelUri);
  for (const input of opts.inputs) checkReachable('The input', input);
  checkReachable('The output', opts.output);
  if (!opts.image) throw invalidParam('The kubernetes backend needs a container image with Cairn (--image).');
  const parallelism = opts.parallelism ?? opts.shards;
  if (!Number.isInteger(parallelism) || parallelism < 1)
    throw invalidParam('--parallelism must be a positive integer.');
  // Only locations travel in the manifest; credentials come from the template (e.g. envFrom a Secret).
  const env: Record<string, string> = {};
  if (opts.trackingUri) env.MLFLOW_TRACKING_URI = opts.trackingUri;
  const endpoint = s3EndpointFromEnv();
  if (endpoint) env.MLFLOW_S3_ENDPOINT_URL = endpoint;
  const template = opts.jobTemplatePath ? await loadJobTemplate(opts.jobTemplatePath) : DEFAULT_TEMPLATE;
  const job = buildJobManifest(template, {
    name: jobName('cairn-predict', randomBytes(4).toString('hex')),
    image: opts.image,
    command: shardCommand(opts),
    env,
  });
  const spec = job.spec as Record<string, unknown>;
  spec.completionMode = 'Indexed';
  spec.completions = opts.shards;
  spec.parallelism = Math.min(parallelism, opts.shards);
  return job;
}

/** Submits the Job and waits for it; a failed Job throws, after showing its pods' last log lines. */
export async function predictOnKubernetes(
  opts: KubernetesPredictOptions & { wait?: boolean },
): Promise<{ job: SubmittedJob; status: RunStatus | 'SUBMITTED' }> {
  const log = opts.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const manifest = await buildShardJob(opts);
  const kubectl = opts.kubectl ?? kubectlCli(opts.kubeContext);
  const job = await submitJob(kubectl, manifest);
  log(`Submitted Job ${job.namespace}/${job.name}: ${opts.shards} shards into ${opts.output}`);
  if (opts.wait === false) return { job, status: 'SUBMITTED' };
  const status = await followJob(kubectl, job, { intervalMs: opts.pollIntervalMs, signal: opts.signal });
  if (status === 'FINISHED') {
    log(`Job ${job.namespace}/${job.name} finished: ${opts.shards} parts under ${opts.output}`);
    return { job, status };
  }
  if (status === 'KILLED')
    throw new MlflowError(`Job ${job.namespace}/${job.name} was cancelled and deleted.`);
  const logs = (await jobLogs(kubectl, job)).trimEnd();
  if (logs) log(`Last log lines of the Job's pods:\n${logs}`);
  throw new MlflowError(
    `Job ${job.namespace}/${job.name} failed: at least one shard did not finish${logs ? ' (its log lines are above)' : ''}. ` +
      `The parts under ${opts.output} are incomplete.`,
  );
}
