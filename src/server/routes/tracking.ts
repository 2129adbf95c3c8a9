/** REST endpoints of experiments, runs and metric histories (MLflow tracking API §1.1–§1.3). */
import { RUN_STATUSES, VIEW_TYPES, type DatasetInput, type Metric } from '../../entities/tracking.js';
import { invalidParam } from '../../errors.js';
import { rawBodyLength } from '../body.js';
import {
  optEnum,
  optInt,
  optKeyValueList,
  optObject,
  optObjectList,
  optStringList,
  optText,
  reqDouble,
  reqInt,
  reqRunId,
  reqString,
  reqText,
} from '../decode.js';
import { endpoint, type Endpoint, type Fields } from '../endpoint.js';
import { validateBatchBodySize } from '../../tracking/validation.js';
import {
  wireExperiment,
  wireMetric,
  wireMetricColumns,
  wirePage,
  wireRun,
  wireRunInfo,
} from './tracking-wire.js';

const EMPTY = {};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * A metric object of log-batch (`index` names it in errors, e.g. `metrics[3]`; none for the
 * fields of log-metric). Well-formed metrics (what clients send) take a direct path: a log-batch
 * holds up to 1000 of them.
 */
function decodeMetric(f: Fields, index?: number): Metric {
  const { key, value, timestamp, step } = f;
  if (
    typeof key === 'string' &&
    key !== '' &&
    typeof value === 'number' &&
    isInt(timestamp) &&
    (step === undefined || step === null || isInt(step)) &&
    f.model_id === undefined &&
    f.dataset_name === undefined &&
    f.dataset_digest === undefined
  ) {
    return { key, value, timestamp, step: step ?? 0 };
  }
  return decodeMetricFields(f, index === undefined ? '' : `metrics[${index}]`);
}

/** The general path: every field through the decoders, with errors naming the field. */
function decodeMetricFields(f: Fields, prefix: string): Metric {
  const name = (n: string) => (prefix ? `${prefix}.${n}` : n);
  const at = (n: string): Fields => (prefix ? { [name(n)]: f[n] } : f);
  const key = optText(at('key'), name('key'));
  if (key === undefined || key === '')
    throw invalidParam(`Missing value for required parameter '${name('key')}'.`);
  const metric: Metric = {
    key,
    value: reqDouble(at('value'), name('value')),
    timestamp: reqInt(at('timestamp'), name('timestamp')),
    step: optInt(at('step'), name('step')) ?? 0,
  };
  const modelId = optText(at('model_id'), name('model_id'));
  const datasetName = optText(at('dataset_name'), name('dataset_name'));
  const datasetDigest = optText(at('dataset_digest'), name('dataset_digest'));
  if (modelId) metric.model_id = modelId;
  if (datasetName) metric.dataset_name = datasetName;
  if (datasetDigest) metric.dataset_digest = datasetDigest;
  return metric;
}

function decodeDatasetInputs(fields: Fields): DatasetInput[] {
  return (optObjectList(fields, 'datasets') ?? []).map((item, i) => {
    const d = optObject(item, 'dataset');
    if (!d) throw invalidParam(`Missing value for required parameter 'datasets[${i}].dataset'.`);
    const text = (n: string) => optText(d, n);
    const dataset = {
      name: text('name') ?? '',
      digest: text('digest') ?? '',
      source_type: text('source_type') ?? '',
      source: text('source') as string,
      schema: text('schema'),
      profile: text('profile'),
    };
    const tags = optKeyValueList(item, 'tags');
    return tags?.length ? { tags, dataset } : { dataset };
  });
}

const experiments: Endpoint[] = [
  endpoint('POST', 'experiments/create', async ({ fields, ctx }) => {
    const location = optText(fields, 'artifact_location');
    if (location) ctx.artifacts.assertAllowedLocation(location);
    const id = await ctx.tracking.createExperiment(
      reqText(fields, 'name'),
      location,
      optKeyValueList(fields, 'tags') ?? [],
    );
    return { experiment_id: id };
  }),
  endpoint('GET', 'experiments/get', async ({ fields, ctx }) => ({
    experiment: wireExperiment(await ctx.tracking.getExperiment(reqString(fields, 'experiment_id'))),
  })),
  endpoint('GET', 'experiments/get-by-name', async ({ fields, ctx }) => ({
    experiment: wireExperiment(await ctx.tracking.getExperimentByName(reqText(fields, 'experiment_name'))),
  })),
  endpoint('POST', 'experiments/update', async ({ fields, ctx }) => {
    const id = reqString(fields, 'experiment_id');
    await ctx.tracking.renameExperiment(id, reqText(fields, 'new_name'));
    return EMPTY;
  }),
  endpoint('POST', 'experiments/delete', async ({ fields, ctx }) => {
    await ctx.tracking.deleteExperiment(reqString(fields, 'experiment_id'));
    return EMPTY;
  }),
  endpoint('POST', 'experiments/restore', async ({ fields, ctx }) => {
    await ctx.tracking.restoreExperiment(reqString(fields, 'experiment_id'));
    return EMPTY;
  }),
  endpoint(['GET', 'POST'], 'experiments/search', async ({ fields, ctx }) => {
    const page = await ctx.tracking.searchExperiments({
      maxResults: optInt(fields, 'max_results'),
      pageToken: optText(fields, 'page_token'),
      filter: optText(fields, 'filter'),
      orderBy: optStringList(fields, 'order_by'),
      viewType: optEnum(fields, 'view_type', VIEW_TYPES),
    });
    return wirePage(page, 'experiments', wireExperiment);
  }),
  endpoint('POST', 'experiments/set-experiment-tag', async ({ fields, ctx }) => {
    const id = reqString(fields, 'experiment_id');
    const tag = { key: reqText(fields, 'key'), value: optText(fields, 'value') ?? '' };
    await ctx.tracking.setExperimentTag(id, tag);
    return EMPTY;
  }),
  endpoint('POST', 'experiments/delete-experiment-tag', async ({ fields, ctx }) => {
    await ctx.tracking.deleteExperimentTag(reqString(fields, 'experiment_id'), reqText(fields, 'key'));
    return EMPTY;
  }),
];

const runs: Endpoint[] = [
  endpoint('POST', 'runs/create', async ({ fields, ctx }) => {
    const run = await ctx.tracking.createRun({
      // MLflow clients always send it; a run silently landing in experiment "0" would hide the mistake.
      experimentId: reqString(fields, 'experiment_id'),
      userId: optText(fields, 'user_id'),
      runName: optText(fields, 'run_name'),
      startTime: optInt(fields, 'start_time'),
      tags: optKeyValueList(fields, 'tags'),
    });
    return { run: wireRun(run, false) };
  }),
  endpoint('POST', 'runs/update', async ({ fields, ctx }) => {
    const info = await ctx.tracking.updateRun(reqRunId(fields), {
      status: optEnum(fields, 'status', RUN_STATUSES),
      endTime: optInt(fields, 'end_time'),
      runName: optText(fields, 'run_name'),
    });
    return { run_info: wireRunInfo(info) };
  }),
  endpoint('POST', 'runs/delete', async ({ fields, ctx }) => {
    await ctx.tracking.deleteRun(reqRunId(fields));
    return EMPTY;
  }),
  endpoint('POST', 'runs/restore', async ({ fields, ctx }) => {
    await ctx.tracking.restoreRun(reqRunId(fields));
    return EMPTY;
  }),
  endpoint('GET', 'runs/get', async ({ fields, ctx }) => ({
    run: wireRun(await ctx.tracking.getRun(reqRunId(fields))),
  })),
  endpoint('POST', 'runs/search', async ({ fields, ctx }) => {
    const page = await ctx.tracking.searchRuns({
      experimentIds: optStringList(fields, 'experiment_ids') ?? [],
      filter: optText(fields, 'filter'),
      viewType: optEnum(fields, 'run_view_type', VIEW_TYPES),
      maxResults: optInt(fields, 'max_results'),
      orderBy: optStringList(fields, 'order_by'),
      pageToken: optText(fields, 'page_token'),
    });
    return wirePage(page, 'runs', (r) => wireRun(r));
  }),
  endpoint('POST', 'runs/log-metric', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    await ctx.tracking.logMetric(runId, decodeMetric(fields));
    return EMPTY;
  }),
  endpoint('POST', 'runs/log-parameter', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    await ctx.tracking.logParam(runId, {
      key: reqText(fields, 'key'),
      value: optText(fields, 'value') ?? '',
    });
    return EMPTY;
  }),
  endpoint('POST', 'runs/log-batch', async ({ fields, ctx, request }) => {
    validateBatchBodySize(rawBodyLength(request));
    const runId = reqRunId(fields);
    const metrics = (optObjectList(fields, 'metrics') ?? []).map(decodeMetric);
    await ctx.tracking.logBatch(
      runId,
      metrics,
      optKeyValueList(fields, 'params') ?? [],
      optKeyValueList(fields, 'tags') ?? [],
    );
    return EMPTY;
  }),
  endpoint('POST', 'runs/log-inputs', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    const models = (optObjectList(fields, 'models') ?? []).map((m) => ({ model_id: reqText(m, 'model_id') }));
    await ctx.tracking.logInputs(runId, decodeDatasetInputs(fields), models);
    return EMPTY;
  }),
  endpoint('POST', 'runs/outputs', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    const list = optObjectList(fields, 'models');
    if (!list) throw invalidParam(`Missing value for required parameter 'models'.`);
    const models = list.map((m) => ({ model_id: reqText(m, 'model_id'), step: optInt(m, 'step') ?? 0 }));
    await ctx.tracking.logOutputs(runId, models);
    return EMPTY;
  }),
  endpoint('POST', 'runs/set-tag', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    await ctx.tracking.setTag(runId, { key: reqText(fields, 'key'), value: optText(fields, 'value') ?? '' });
    return EMPTY;
  }),
  endpoint('POST', 'runs/delete-tag', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    await ctx.tracking.deleteTag(runId, reqText(fields, 'key'));
    return EMPTY;
  }),
  endpoint('POST', 'runs/log-model', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    await ctx.tracking.logModel(runId, reqText(fields, 'model_json'));
    return EMPTY;
  }),
];

/** Answer shapes of get-history-sampled: a list of point objects (default) or columns per run. */
const HISTORY_FORMATS = ['points', 'columns'] as const;

const histories: Endpoint[] = [
  endpoint('GET', 'metrics/get-history', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    const page = await ctx.tracking.getMetricHistory(
      runId,
      reqText(fields, 'metric_key'),
      optInt(fields, 'max_results'),
      optText(fields, 'page_token'),
    );
    return wirePage(page, 'metrics', wireMetric);
  }),
  endpoint('GET', 'metrics/get-history-bulk-interval', async ({ fields, ctx }) => {
    const runIds = optStringList(fields, 'run_ids') ?? [];
    if (!runIds.length) throw invalidParam(`Missing value for required parameter 'run_ids'.`);
    const metrics = await ctx.tracking.getMetricHistoryBulkInterval(
      runIds,
      reqText(fields, 'metric_key'),
      optInt(fields, 'max_results'),
      optInt(fields, 'start_step'),
      optInt(fields, 'end_step'),
    );
    return metrics.length ? { metrics: metrics.map(wireMetric) } : EMPTY;
  }),
  // The web UI's comparison charts (MLflow serves it under /ajax-api only; harmless elsewhere).
  endpoint('GET', 'metrics/get-history-bulk', async ({ fields, ctx }) => {
    const runIds = optStringList(fields, 'run_id') ?? [];
    if (!runIds.length) throw invalidParam(`Missing value for required parameter 'run_id'.`);
    const metrics = await ctx.tracking.getMetricHistoryBulk(
      runIds,
      reqText(fields, 'metric_key'),
      optInt(fields, 'max_results'),
    );
    return { metrics: metrics.map(wireMetric) };
  }),
  // Cairn's own: exact active-run counts for the experiments list (the search API has no count).
  endpoint('GET', 'experiments/count-runs', async ({ fields, ctx }) => ({
    counts: await ctx.tracking.countRuns(optStringList(fields, 'experiment_ids') ?? []),
  })),
  // Cairn's own: downsampled histories so charts of million-point metrics stay fast. `format=columns`
  // answers the same points as one series of columns per run (no object per point: a fraction of
  // the bytes and of the time to build and parse).
  endpoint('GET', 'metrics/get-history-sampled', async ({ fields, ctx }) => {
    const runIds = optStringList(fields, 'run_ids') ?? [];
    if (!runIds.length) throw invalidParam(`Missing value for required parameter 'run_ids'.`);
    const format = optEnum(fields, 'format', HISTORY_FORMATS) ?? 'points';
    const metrics = await ctx.tracking.getSampledMetricHistory(
      runIds,
      reqText(fields, 'metric_key'),
      optInt(fields, 'max_points'),
      optInt(fields, 'start_step'),
      optInt(fields, 'end_step'),
    );
    return format === 'columns' ? wireMetricColumns(metrics) : { metrics: metrics.map(wireMetric) };
  }),
];

export const trackingEndpoints: Endpoint[] = [...experiments, ...runs, ...histories];
