/**
 * Samples system metrics in the background while a run is active and logs the average of every
 * `samplesBeforeLogging` readings as one step of `system/<name>` metrics, as MLflow does. It never
 * keeps the process alive and never fails the run: a reading that fails is skipped.
 */
import type { Sample, SystemMetricsSource } from './sources.js';

export interface SystemMetricsOptions {
  /** Seconds between readings (env CAIRN_/MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL; default 10). */
  samplingIntervalSeconds?: number;
  /** Readings averaged into one logged step (env …_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING; default 1). */
  samplesBeforeLogging?: number;
  /** Inserted into the names (`system/<node>/…`) to tell machines of one run apart (env …_SYSTEM_METRICS_NODE_ID). */
  nodeId?: string;
}

export type MetricSink = (metrics: Record<string, number>, step: number, timestamp: number) => void;

export class SystemMetricsSampler {
  private readonly intervalMs: number;
  private readonly samplesBeforeLogging: number;
  private readonly prefix: string;
  private readings: Sample[] = [];
  private step = 0;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly sources: SystemMetricsSource[],
    private readonly sink: MetricSink,
    options: SystemMetricsOptions = {},
  ) {
    this.intervalMs = Math.max(0.05, options.samplingIntervalSeconds ?? 10) * 1000;
    this.samplesBeforeLogging = Math.max(1, Math.trunc(options.samplesBeforeLogging ?? 1));
    this.prefix = `system/${options.nodeId ? `${options.nodeId}/` : ''}`;
  }

  start(): void {
    this.schedule();
  }

  /** Stops sampling; a reading under way finishes first. Nothing is logged after this resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const parts = await Promise.all(this.sources.map((s) => s.sample().catch(() => ({}) as Sample)));
    if (this.stopped) return;
    this.readings.push(Object.assign({}, ...parts) as Sample);
    if (this.readings.length < this.samplesBeforeLogging) return;
    this.sink(this.average(), this.step++, Date.now());
    this.readings = [];
  }

  private average(): Record<string, number> {
    const sums = new Map<string, { total: number; n: number }>();
    for (const reading of this.readings) {
      for (const [key, value] of Object.entries(reading)) {
        const s = sums.get(key) ?? { total: 0, n: 0 };
        s.total += value;
        s.n += 1;
        sums.set(key, s);
      }
    }
    const out: Record<string, number> = {};
    for (const [key, { total, n }] of sums) out[this.prefix + key] = Math.round((total / n) * 10) / 10;
    return out;
  }
}
