/**
 * A run being logged to. Metric, param and tag calls return at once (they are batched and
 * delivered in the background, surviving server outages); artifact and dataset calls are awaited.
 *
 * @example
 * const run = await cairn.startRun({ runName: 'baseline' });
 * run.logParams({ lr: 0.01 });
 * run.logMetric('loss', 0.42, { step: 3 });
 * await run.logDict({ classes: ['a', 'b'] }, 'meta/classes.json');
 * await run.end();
 */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { Dataset, RunInfo, RunStatus, Tag } from '../entities/tracking.js';
import { invalidParam } from '../errors.js';
import type { TransferOptions } from './artifacts.js';
import { RunLogger, type LoggerStatus, type RunLoggerOptions } from './run-logger.js';
import type { TrackingClient } from './tracking-client.js';
import { BackgroundWork } from './background-work.js';
import { SystemMetricsSampler, type SystemMetricsOptions } from './system-metrics/sampler.js';
import { hostSource, nvidiaSource } from './system-metrics/sources.js';

export type ParamValue = string | number | boolean | bigint;

export interface MetricOptions {
  step?: number;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number;
}

/** A dataset as given to `logInput`: the digest is computed from the rest when omitted. */
export interface DatasetSpec {
  name: string;
  source: string;
  sourceType?: string;
  digest?: string;
  schema?: string | object;
  profile?: string | object;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

export class ActiveRun {
  readonly client: TrackingClient;
  readonly info: RunInfo;
  readonly logger: RunLogger;
  /** Set by the fluent API so ending the run also pops it from the active-run stack. */
  onEnd?: (run: ActiveRun) => void;
  private ended = false;
  private systemMetrics?: SystemMetricsSampler;
  /** Logging that finishes in the background (autologging); `flush()` and `end()` wait for it. */
  readonly background = new BackgroundWork();

  constructor(client: TrackingClient, info: RunInfo, options: RunLoggerOptions = {}) {
    this.client = client;
    this.info = info;
    this.logger = new RunLogger(client, info.run_id, options);
  }

  get runId(): string {
    return this.info.run_id;
  }

  get experimentId(): string {
    return this.info.experiment_id;
  }

  logParam(key: string, value: ParamValue): void {
    this.logger.logParam(key, String(value));
  }

  logParams(params: Record<string, ParamValue>): void {
    for (const [key, value] of Object.entries(params)) this.logParam(key, value);
  }

  logMetric(key: string, value: number, options: MetricOptions = {}): void {
    this.logger.logMetric(key, value, options.step ?? 0, options.timestamp ?? Date.now());
  }

  logMetrics(metrics: Record<string, number>, options: MetricOptions = {}): void {
    const timestamp = options.timestamp ?? Date.now();
    for (const [key, value] of Object.entries(metrics)) this.logMetric(key, value, { ...options, timestamp });
  }

  setTag(key: string, value: ParamValue): void {
    this.logger.setTag(key, String(value));
  }

  setTags(tags: Record<string, ParamValue>): void {
    for (const [key, value] of Object.entries(tags)) this.setTag(key, value);
  }

  /** Uploads a local file or directory into the run's artifacts (under `artifactPath` if given). */
  async logArtifact(localPath: string, artifactPath?: string, options?: TransferOptions): Promise<void> {
    await this.client.artifacts.upload(this.runId, localPath, artifactPath, options);
  }

  /** Uploads every file under a local directory, keeping its layout. */
  async logArtifacts(localDir: string, artifactPath?: string, options?: TransferOptions): Promise<void> {
    await this.client.artifacts.upload(this.runId, localDir, artifactPath, options);
  }

  /** Saves text as the artifact `artifactFile`, e.g. `notes/summary.md`. */
  async logText(text: string, artifactFile: string): Promise<void> {
    await this.client.artifacts.uploadBytes(this.runId, artifactFile, text);
  }

  /** Saves an object as JSON, or YAML when `artifactFile` ends in `.yaml`/`.yml`. */
  async logDict(value: unknown, artifactFile: string): Promise<void> {
    const ext = extname(artifactFile).toLowerCase();
    const text = ext === '.yaml' || ext === '.yml' ? toYaml(value) : `${JSON.stringify(value, null, 2)}\n`;
    await this.client.artifacts.uploadBytes(this.runId, artifactFile, text);
  }

  /** Saves PNG or JPEG bytes as an image artifact (e.g. `plots/loss.png`). */
  async logImage(image: Uint8Array, artifactFile: string): Promise<void> {
    const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
    const isPng = bytes.subarray(0, 8).equals(PNG_MAGIC);
    const isJpeg = bytes.subarray(0, 3).equals(JPEG_MAGIC);
    if (!isPng && !isJpeg) throw invalidParam('logImage expects PNG or JPEG bytes.');
    const ext = extname(artifactFile).toLowerCase();
    const expected = isPng ? ['.png'] : ['.jpg', '.jpeg'];
    if (!expected.includes(ext)) {
      throw invalidParam(
        `Image is ${isPng ? 'PNG' : 'JPEG'} but the file name '${artifactFile}' ends in '${ext}'.`,
      );
    }
    await this.client.artifacts.uploadBytes(this.runId, artifactFile, bytes);
  }

  /** Records a dataset used by the run; `context` becomes the `mlflow.data.context` input tag. */
  async logInput(
    dataset: DatasetSpec,
    context?: string,
    tags: Record<string, string> = {},
  ): Promise<Dataset> {
    const schema = typeof dataset.schema === 'object' ? JSON.stringify(dataset.schema) : dataset.schema;
    const profile = typeof dataset.profile === 'object' ? JSON.stringify(dataset.profile) : dataset.profile;
    const sourceType = dataset.sourceType ?? 'local';
    const digest =
      dataset.digest ??
      createHash('sha256')
        .update(JSON.stringify([dataset.name, sourceType, dataset.source, schema ?? '', profile ?? '']))
        .digest('hex')
        .slice(0, 8);
    const wire: Dataset = { name: dataset.name, digest, source_type: sourceType, source: dataset.source };
    if (schema !== undefined) wire.schema = schema;
    if (profile !== undefined) wire.profile = profile;
    const inputTags: Tag[] = Object.entries(tags).map(([key, value]) => ({ key, value }));
    if (context) inputTags.push({ key: 'mlflow.data.context', value: context });
    await this.client.logInputs(this.runId, [{ dataset: wire, tags: inputTags }]);
    return wire;
  }

  /** Downloads an artifact file or directory of this run into `dst`; returns the local path. */
  async downloadArtifacts(path: string, dst: string, options?: TransferOptions): Promise<string> {
    return this.client.artifacts.download(this.runId, path, dst, options);
  }

  /** Waits until everything logged so far is delivered, or spooled while the server is away. */
  async flush(options?: { delivered?: boolean; timeoutMs?: number }): Promise<void> {
    await this.background.settled();
    await this.logger.flush(options);
  }

  /** Records logged but not yet acknowledged by the server. */
  pendingRecords(): number {
    return this.logger.pendingRecords();
  }

  loggingStatus(): LoggerStatus {
    return this.logger.status();
  }

  /**
   * Logs CPU, memory, disk, network and (where `nvidia-smi` answers) GPU use as `system/…`
   * metrics in the background until the run ends. `startRun({ logSystemMetrics: true })` calls it.
   */
  async startSystemMetrics(options: SystemMetricsOptions = {}): Promise<void> {
    if (this.systemMetrics || this.ended) return;
    const gpu = await nvidiaSource();
    this.systemMetrics = new SystemMetricsSampler(
      gpu ? [hostSource(), gpu] : [hostSource()],
      (metrics, step, timestamp) => this.logMetrics(metrics, { step, timestamp }),
      options,
    );
    this.systemMetrics.start();
  }

  /** Flushes and ends the run (FINISHED by default). Safe to call twice. */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.onEnd?.(this);
    await this.background.settled();
    await this.systemMetrics?.stop();
    await this.logger.end(status);
  }
}
