/**
 * Encoders from tracking entities to MLflow's JSON shape: unset fields and empty lists omitted,
 * NaN as the string "NaN", ±Infinity as ±1.7976931348623157e308, int64 as JSON numbers.
 */
import type { Experiment, LoggedModel, Metric, Page, Run, RunInfo, Tag } from '../../entities/tracking.js';
import { DOUBLE_MAX } from '../../tracking/validation.js';

type Json = Record<string, unknown>;

const has = (v: unknown): boolean => v !== undefined && v !== null;

/** Copies the set fields of `obj`; lists are kept only when non-empty. */
function compact(obj: object): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) {
    if (!has(v)) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

export function wireDouble(value: unknown): number | string {
  if (typeof value === 'string') return value === 'NaN' ? 'NaN' : Number(value);
  const n = Number(value);
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return DOUBLE_MAX;
  if (n === -Infinity) return -DOUBLE_MAX;
  return n;
}

export function wireMetric(m: Metric): Json {
  const out: Json = {
    key: m.key,
    value: wireDouble(m.value),
    timestamp: Number(m.timestamp),
    step: Number(m.step ?? 0),
  };
  if (m.dataset_name) out.dataset_name = m.dataset_name;
  if (m.dataset_digest) out.dataset_digest = m.dataset_digest;
  if (m.model_id) out.model_id = m.model_id;
  if (m.run_id) out.run_id = m.run_id;
  return out;
}

/**
 * Metric points as columns: one series per stretch of consecutive points of the same run and key,
 * each field a list, e.g. `{"series": [{"run_id", "key", "steps", "timestamps", "values"}]}`.
 * Concatenating the series gives exactly the points of `metrics.map(wireMetric)`, in their order,
 * values encoded the same way (dataset and model fields are not carried).
 */
export function wireMetricColumns(metrics: readonly Metric[]): { series: Json[] } {
  const series: Json[] = [];
  let steps: number[] = [];
  let timestamps: number[] = [];
  let values: (number | string)[] = [];
  let runId: string | undefined;
  let key: string | undefined;
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i]!;
    if (i === 0 || m.run_id !== runId || m.key !== key) {
      runId = m.run_id;
      key = m.key;
      steps = [];
      timestamps = [];
      values = [];
      series.push(
        runId ? { run_id: runId, key, steps, timestamps, values } : { key, steps, timestamps, values },
      );
    }
    steps.push(Number(m.step ?? 0));
    timestamps.push(Number(m.timestamp));
    values.push(wireDouble(m.value));
  }
  return { series };
}

const wireTags = (tags: Tag[] | undefined): Tag[] | undefined =>
  tags?.map((t) => ({ key: t.key, value: t.value ?? '' }));

export function wireRunInfo(info: RunInfo): Json {
  return compact({
    ...info,
    run_uuid: info.run_id,
    end_time: has(info.end_time) ? Number(info.end_time) : undefined,
  });
}

/** A run; `withOutputs` adds the 3.x `outputs` message (MLflow omits it from runs/create only). */
export function wireRun(run: Run, withOutputs = true): Json {
  const data = compact({
    metrics: run.data.metrics?.map(wireMetric),
    params: wireTags(run.data.params),
    tags: wireTags(run.data.tags),
  });
  const inputs = compact({
    dataset_inputs: run.inputs?.dataset_inputs?.map((d) =>
      compact({ tags: wireTags(d.tags), dataset: compact(d.dataset) }),
    ),
    model_inputs: run.inputs?.model_inputs,
  });
  const out: Json = { info: wireRunInfo(run.info), data, inputs };
  if (withOutputs) out.outputs = compact({ model_outputs: run.outputs?.model_outputs });
  return out;
}

export function wireExperiment(e: Experiment): Json {
  return compact({ ...e, tags: wireTags(e.tags) });
}

export function wireLoggedModel(m: LoggedModel): Json {
  return {
    info: compact({ ...m.info, tags: wireTags(m.info.tags) }),
    data: compact({ params: wireTags(m.data?.params), metrics: m.data?.metrics?.map(wireMetric) }),
  };
}

/** `{<listName>: [...], next_page_token}` with both omitted when empty. */
export function wirePage<T>(page: Page<T>, listName: string, encode: (item: T) => Json): Json {
  return compact({ [listName]: page.items.map(encode), next_page_token: page.next_page_token || undefined });
}
