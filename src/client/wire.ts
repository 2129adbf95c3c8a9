/**
 * Normalization of server answers: int64 fields may arrive as strings (old servers) and metric
 * values as the strings "NaN"/"Infinity"; the SDK hands out plain numbers.
 */
import type { Experiment, LoggedModel, Metric, Run, RunInfo } from '../entities/tracking.js';

export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    return Number(value);
  }
  return value === undefined || value === null ? 0 : Number(value);
}

/** JSON cannot carry NaN/±Infinity; MLflow accepts them as strings in double fields. */
export function wireDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export function normalizeMetric(m: Metric): Metric {
  return { ...m, value: toNumber(m.value), timestamp: toNumber(m.timestamp), step: toNumber(m.step ?? 0) };
}

export function normalizeRunInfo(info: RunInfo): RunInfo {
  const out: RunInfo = { ...info, start_time: toNumber(info.start_time) };
  if (info.end_time !== undefined && info.end_time !== null) out.end_time = toNumber(info.end_time);
  return out;
}

export function normalizeRun(run: Run): Run {
  return {
    ...run,
    info: normalizeRunInfo(run.info),
    data: { ...run.data, metrics: run.data?.metrics?.map(normalizeMetric) },
    inputs: run.inputs ?? {},
  };
}

export function normalizeExperiment(e: Experiment): Experiment {
  return { ...e, creation_time: toNumber(e.creation_time), last_update_time: toNumber(e.last_update_time) };
}

export function normalizeLoggedModel(m: LoggedModel): LoggedModel {
  return {
    ...m,
    info: {
      ...m.info,
      creation_timestamp_ms: toNumber(m.info.creation_timestamp_ms),
      last_updated_timestamp_ms: toNumber(m.info.last_updated_timestamp_ms),
    },
    data: { ...m.data, metrics: m.data?.metrics?.map(normalizeMetric) },
  };
}
