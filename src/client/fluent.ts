/**
 * The fluent tracking API: a process-wide tracking URI, current experiment and stack of active runs.
 *
 * @example
 * import * as cairn from 'cairn-ml';
 * cairn.setTrackingUri('http://127.0.0.1:5000');
 * cairn.setExperiment('fraud-model');
 * await cairn.withRun({ runName: 'lr-0.01' }, async (run) => {
 *   run.logParams({ lr: 0.01 });
 *   for (let epoch = 0; epoch < 20; epoch++) run.logMetric('loss', 1 / (epoch + 1), { step: epoch });
 * });
 */
import type { Experiment, RunStatus, RunTag } from '../entities/tracking.js';
import { MlflowError } from '../errors.js';
import { HttpError } from './http.js';
import { ActiveRun, type MetricOptions, type ParamValue } from './active-run.js';
import type { LoggerStatus, RunLoggerOptions } from './run-logger.js';
import { systemTags } from './system-tags.js';
import { detachedWork } from './background-work.js';
import type { SystemMetricsOptions } from './system-metrics/sampler.js';
import { systemMetricsSettings } from './system-metrics/settings.js';
import { TrackingClient } from './tracking-client.js';

const DEFAULT_TRACKING_URI = 'http://127.0.0.1:5000';

let trackingUri: string | undefined;
let client: TrackingClient | undefined;
let experimentId: string | undefined;
let loggerOptions: RunLoggerOptions = {};
const runStack: ActiveRun[] = [];

/** Sets the tracking server for the fluent API; `undefined` goes back to the default: env CAIRN_TRACKING_URI, MLFLOW_TRACKING_URI, then http://127.0.0.1:5000. */
export function setTrackingUri(uri: string | undefined): void {
  trackingUri = uri;
  client?.close();
  client = undefined;
}

export function getTrackingUri(): string {
  return (
    trackingUri ?? process.env.CAIRN_TRACKING_URI ?? process.env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI
  );
}

/** The low-level client the fluent API uses. */
export function getClient(): TrackingClient {
  client ??= new TrackingClient(getTrackingUri());
  return client;
}

/** Options for the background logger of runs started from now on (in-flight bound, spool dir). */
export function configureLogging(options: RunLoggerOptions): void {
  loggerOptions = { ...options };
}

/**
 * Makes `name` the experiment new runs go to, creating it if needed.
 * @example await cairn.setExperiment('fraud-model');
 */
export async function setExperiment(name: string): Promise<Experiment>;
export async function setExperiment(selector: { experimentId: string }): Promise<Experiment>;
export async function setExperiment(selector: string | { experimentId: string }): Promise<Experiment> {
  const c = getClient();
  if (typeof selector !== 'string') {
    const exp = await c.getExperiment(selector.experimentId);
    experimentId = exp.experiment_id;
    return exp;
  }
  let exp: Experiment;
  try {
    exp = await c.getExperimentByName(selector);
    if (exp.lifecycle_stage === 'deleted') {
      throw new MlflowError(
        `Experiment '${selector}' is deleted; restore it with 'cairn experiments restore ${exp.experiment_id}'.`,
        'INVALID_PARAMETER_VALUE',
      );
    }
  } catch (err) {
    if (!(err instanceof HttpError) || err.errorCode !== 'RESOURCE_DOES_NOT_EXIST') throw err;
    try {
      await c.createExperiment(selector);
    } catch (createErr) {
      // Another process may have created it meanwhile.
      if (!(createErr instanceof HttpError) || createErr.errorCode !== 'RESOURCE_ALREADY_EXISTS')
        throw createErr;
    }
    exp = await c.getExperimentByName(selector);
  }
  experimentId = exp.experiment_id;
  return exp;
}

async function resolveExperimentId(explicit?: string): Promise<string> {
  if (explicit) return explicit;
  if (experimentId) return experimentId;
  if (process.env.MLFLOW_EXPERIMENT_ID) return process.env.MLFLOW_EXPERIMENT_ID;
  if (process.env.MLFLOW_EXPERIMENT_NAME)
    return (await setExperiment(process.env.MLFLOW_EXPERIMENT_NAME)).experiment_id;
  return '0';
}

export interface StartRunOptions {
  runName?: string;
  experimentId?: string;
  tags?: Record<string, ParamValue>;
  /** Markdown description (tag `mlflow.note.content`). */
  description?: string;
  /** Start a child of the current active run (tag `mlflow.parentRunId`). */
  nested?: boolean;
  /** Attach to an existing run instead of creating one (also taken from env MLFLOW_RUN_ID). */
  runId?: string;
  /**
   * Sample system metrics (`system/cpu_utilization_percentage`, memory, disk, network, GPU) while
   * the run is active. Default: env CAIRN_ENABLE_SYSTEM_METRICS_LOGGING or
   * MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING.
   * @example await cairn.startRun({ logSystemMetrics: { samplingIntervalSeconds: 5 } });
   */
  logSystemMetrics?: boolean | SystemMetricsOptions;
}

/**
 * Starts a run (or attaches to `runId` / env MLFLOW_RUN_ID, as set by `cairn run`) and makes it
 * the active run.
 */
export async function startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
  const c = getClient();
  // Settings are checked before a run exists, so a bad environment value creates nothing.
  const sampling = systemMetricsSettings(options.logSystemMetrics);
  const parent = runStack[runStack.length - 1];
  if (parent && !options.nested) {
    throw new MlflowError(
      `Run ${parent.runId} is already active. End it first, or pass { nested: true } to start a child run.`,
      'INVALID_STATE',
    );
  }
  const attachId = options.runId ?? (runStack.length === 0 ? process.env.MLFLOW_RUN_ID : undefined);
  let run: ActiveRun;
  if (attachId) {
    const existing = await c.getRun(attachId);
    if (existing.info.status !== 'RUNNING') await c.updateRun(attachId, { status: 'RUNNING' });
    run = new ActiveRun(c, { ...existing.info, status: 'RUNNING' }, loggerOptions);
    if (options.tags) run.setTags(options.tags);
  } else {
    const tags = new Map<string, string>(systemTags().map((t) => [t.key, t.value]));
    for (const [key, value] of Object.entries(options.tags ?? {})) tags.set(key, String(value));
    if (options.description) tags.set('mlflow.note.content', options.description);
    if (parent) tags.set('mlflow.parentRunId', parent.runId);
    if (options.runName) tags.set('mlflow.runName', options.runName);
    const created = await c.createRun({
      experiment_id: await resolveExperimentId(options.experimentId),
      run_name: options.runName,
      start_time: Date.now(),
      tags: [...tags].map(([key, value]): RunTag => ({ key, value })),
    });
    run = new ActiveRun(c, created.info, loggerOptions);
  }
  run.onEnd = (ended) => {
    const at = runStack.lastIndexOf(ended);
    if (at >= 0) runStack.splice(at, 1);
  };
  runStack.push(run);
  if (sampling) await run.startSystemMetrics(sampling);
  return run;
}

/** Ends the active run (FINISHED by default), after delivering (or spooling) its pending records. */
export async function endRun(status: RunStatus = 'FINISHED'): Promise<void> {
  const run = runStack[runStack.length - 1];
  if (run) await run.end(status);
}

/**
 * Runs `fn` inside a new run: FINISHED when it returns, FAILED when it throws (the error is rethrown).
 * @example await cairn.withRun({ runName: 'trial-1' }, async (run) => run.logMetric('acc', 0.9));
 */
export async function withRun<T>(
  options: StartRunOptions,
  fn: (run: ActiveRun) => Promise<T> | T,
): Promise<T> {
  const run = await startRun(options);
  let result: T;
  try {
    result = await fn(run);
  } catch (err) {
    await run.end('FAILED');
    throw err;
  }
  await run.end('FINISHED');
  return result;
}

/** The innermost active run, if any. */
export function activeRun(): ActiveRun | undefined {
  return runStack[runStack.length - 1];
}

function requireRun(): ActiveRun {
  const run = activeRun();
  if (!run) throw new MlflowError('No active run: call startRun() or withRun() first.', 'INVALID_STATE');
  return run;
}

export const logParam = (key: string, value: ParamValue): void => requireRun().logParam(key, value);
export const logParams = (params: Record<string, ParamValue>): void => requireRun().logParams(params);
export const logMetric = (key: string, value: number, options?: MetricOptions): void =>
  requireRun().logMetric(key, value, options);
export const logMetrics = (metrics: Record<string, number>, options?: MetricOptions): void =>
  requireRun().logMetrics(metrics, options);
export const setTag = (key: string, value: ParamValue): void => requireRun().setTag(key, value);
export const setTags = (tags: Record<string, ParamValue>): void => requireRun().setTags(tags);
export const logArtifact = (localPath: string, artifactPath?: string): Promise<void> =>
  requireRun().logArtifact(localPath, artifactPath);
export const logArtifacts = (localDir: string, artifactPath?: string): Promise<void> =>
  requireRun().logArtifacts(localDir, artifactPath);
export const logText = (text: string, artifactFile: string): Promise<void> =>
  requireRun().logText(text, artifactFile);
export const logDict = (value: unknown, artifactFile: string): Promise<void> =>
  requireRun().logDict(value, artifactFile);
export const logImage = (image: Uint8Array, artifactFile: string): Promise<void> =>
  requireRun().logImage(image, artifactFile);
export const logInput: ActiveRun['logInput'] = (dataset, context, tags) =>
  requireRun().logInput(dataset, context, tags);

/** Downloads artifacts of any run into `dst`; returns the local path. */
export function downloadArtifacts(runId: string, path: string, dst: string): Promise<string> {
  return getClient().artifacts.download(runId, path, dst);
}

/** Waits until the active runs' records are delivered (or spooled while the server is away). */
export async function flush(options?: { delivered?: boolean; timeoutMs?: number }): Promise<void> {
  await detachedWork.settled();
  for (const run of runStack) await run.flush(options);
}

/** Records of the active runs not yet acknowledged by the server. */
export function pendingRecords(): number {
  return runStack.reduce((n, run) => n + run.pendingRecords(), 0);
}

/** Delivery state of the active run's logger (mode, queued, in flight, spooled, rejected). */
export function loggingStatus(): LoggerStatus | undefined {
  return activeRun()?.loggingStatus();
}
