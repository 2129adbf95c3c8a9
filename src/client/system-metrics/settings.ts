/** Whether and how a run samples system metrics, from its options and the environment. */
import { parseBoolean, type Env } from '../../config/env-values.js';
import { invalidParam } from '../../errors.js';
import type { SystemMetricsOptions } from './sampler.js';

function envValue(name: string, env: Env): string | undefined {
  return env[`CAIRN_${name}`] || env[`MLFLOW_${name}`] || undefined;
}

function positive(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw invalidParam(`${what} must be a positive number, got '${raw}'.`);
  return n;
}

/**
 * The sampler settings for a new run, or undefined when system metrics are off. `requested` is the
 * run's `logSystemMetrics` option; when absent, CAIRN_/MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING decides.
 */
export function systemMetricsSettings(
  requested: boolean | SystemMetricsOptions | undefined,
  env: Env = process.env,
): SystemMetricsOptions | undefined {
  const enabled =
    requested !== undefined
      ? requested !== false
      : (parseBoolean(envValue('ENABLE_SYSTEM_METRICS_LOGGING', env), 'ENABLE_SYSTEM_METRICS_LOGGING') ??
        false);
  if (!enabled) return undefined;
  const given = typeof requested === 'object' ? requested : {};
  return {
    samplingIntervalSeconds:
      given.samplingIntervalSeconds ??
      positive(envValue('SYSTEM_METRICS_SAMPLING_INTERVAL', env), 'SYSTEM_METRICS_SAMPLING_INTERVAL'),
    samplesBeforeLogging:
      given.samplesBeforeLogging ??
      positive(
        envValue('SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING', env),
        'SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING',
      ),
    nodeId: given.nodeId ?? envValue('SYSTEM_METRICS_NODE_ID', env),
  };
}
