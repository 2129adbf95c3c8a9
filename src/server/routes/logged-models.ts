/**
 * MLflow 3 logged-model endpoints (§1.5). The model id in the path is authoritative; a copy in
 * the body (sent by MLflow's clients) must match it.
 */
import { LOGGED_MODEL_STATUSES, type LoggedModelStatus } from '../../entities/tracking.js';
import { invalidParam } from '../../errors.js';
import {
  optInt,
  optKeyValueList,
  optObjectList,
  optString,
  optStringList,
  optText,
  reqString,
} from '../decode.js';
import { endpoint, type ApiCall, type Endpoint, type Fields } from '../endpoint.js';
import { wireLoggedModel, wirePage } from './tracking-wire.js';
import { sendArtifact } from './artifact-proxy.js';

const EMPTY = {};

/** The path's model id; a different `model_id` in the body is a client mistake. */
function modelIdOf({ params, fields }: Pick<ApiCall, 'params' | 'fields'>): string {
  const id = params.model_id ?? '';
  const inBody = optString(fields, 'model_id');
  if (inBody !== undefined && inBody !== '' && inBody !== id) {
    throw invalidParam(`The model_id in the request body ('${inBody}') does not match the URL ('${id}').`);
  }
  return id;
}

/** A status by name (with or without the `LOGGED_MODEL_` prefix) or by proto number (0-based). */
function decodeStatus(fields: Fields): LoggedModelStatus {
  const v = fields.status;
  if (v === undefined || v === null || v === '') {
    throw invalidParam(`Missing value for required parameter 'status'.`);
  }
  if (typeof v === 'number' && Number.isInteger(v) && LOGGED_MODEL_STATUSES[v])
    return LOGGED_MODEL_STATUSES[v];
  if (typeof v === 'string') {
    const upper = v.toUpperCase();
    const found = LOGGED_MODEL_STATUSES.find((s) => s === upper || s === `LOGGED_MODEL_${upper}`);
    if (found) return found;
    if (/^\d$/.test(v) && LOGGED_MODEL_STATUSES[Number(v)]) return LOGGED_MODEL_STATUSES[Number(v)]!;
  }
  throw invalidParam(
    `Invalid value ${JSON.stringify(v)} for parameter 'status': expected one of ${LOGGED_MODEL_STATUSES.join(', ')}.`,
  );
}

function decodeOrderBy(fields: Fields) {
  return optObjectList(fields, 'order_by')?.map((o, i) => {
    const fieldName = optText(o, 'field_name');
    if (!fieldName) throw invalidParam(`Missing value for required parameter 'order_by[${i}].field_name'.`);
    const ascending = o.ascending;
    if (ascending !== undefined && ascending !== null && typeof ascending !== 'boolean') {
      throw invalidParam(`Invalid value for 'order_by[${i}].ascending': expected true or false.`);
    }
    return {
      field_name: fieldName,
      ascending: ascending ?? true,
      dataset_name: optText(o, 'dataset_name'),
      dataset_digest: optText(o, 'dataset_digest'),
    };
  });
}

export const loggedModelEndpoints: Endpoint[] = [
  endpoint('POST', 'logged-models', async ({ fields, ctx }) => {
    const model = await ctx.tracking.createLoggedModel({
      experimentId: reqString(fields, 'experiment_id'),
      name: optText(fields, 'name'),
      modelType: optText(fields, 'model_type'),
      sourceRunId: optText(fields, 'source_run_id'),
      params: optKeyValueList(fields, 'params'),
      tags: optKeyValueList(fields, 'tags'),
    });
    return { model: wireLoggedModel(model) };
  }),
  endpoint('POST', 'logged-models/search', async ({ fields, ctx }) => {
    const experimentIds = optStringList(fields, 'experiment_ids') ?? [];
    if (!experimentIds.length) throw invalidParam(`Missing value for required parameter 'experiment_ids'.`);
    const datasets = optObjectList(fields, 'datasets')?.map((d, i) => {
      const name = optText(d, 'dataset_name');
      if (!name) throw invalidParam(`Missing value for required parameter 'datasets[${i}].dataset_name'.`);
      return { dataset_name: name, dataset_digest: optText(d, 'dataset_digest') };
    });
    const page = await ctx.tracking.searchLoggedModels({
      experimentIds,
      filter: optText(fields, 'filter') || undefined,
      datasets,
      maxResults: optInt(fields, 'max_results'),
      orderBy: decodeOrderBy(fields),
      pageToken: optText(fields, 'page_token'),
    });
    return wirePage(page, 'models', wireLoggedModel);
  }),
  endpoint('GET', 'logged-models/:model_id', async (call) => ({
    model: wireLoggedModel(await call.ctx.tracking.getLoggedModel(modelIdOf(call))),
  })),
  endpoint('DELETE', 'logged-models/:model_id', async (call) => {
    await call.ctx.tracking.deleteLoggedModel(modelIdOf(call));
    return EMPTY;
  }),
  endpoint('PATCH', 'logged-models/:model_id', async (call) => {
    const id = modelIdOf(call);
    const model = await call.ctx.tracking.finalizeLoggedModel(id, decodeStatus(call.fields));
    return { model: wireLoggedModel(model) };
  }),
  endpoint('PATCH', 'logged-models/:model_id/tags', async (call) => {
    const id = modelIdOf(call);
    await call.ctx.tracking.setLoggedModelTags(id, optKeyValueList(call.fields, 'tags') ?? []);
    return EMPTY;
  }),
  endpoint('DELETE', 'logged-models/:model_id/tags/*', async (call) => {
    const id = modelIdOf(call);
    const key = call.params['*'] ?? '';
    if (!key) throw invalidParam(`Missing value for required parameter 'tag_key'.`);
    await call.ctx.tracking.deleteLoggedModelTag(id, key);
    return EMPTY;
  }),
  endpoint('POST', 'logged-models/:model_id/params', async (call) => {
    const id = modelIdOf(call);
    await call.ctx.tracking.logLoggedModelParams(id, optKeyValueList(call.fields, 'params') ?? []);
    return EMPTY;
  }),
  endpoint('GET', 'logged-models/:model_id/artifacts/directories', async (call) => {
    const model = await call.ctx.tracking.getLoggedModel(modelIdOf(call));
    const root = model.info.artifact_uri;
    const files = await call.ctx.artifacts.listArtifactsAt(
      root,
      optText(call.fields, 'artifact_directory_path'),
    );
    return files.length ? { root_uri: root, files } : { root_uri: root };
  }),
  // The UI's download of one file of a logged model.
  endpoint('GET', 'logged-models/:model_id/artifacts/files', async (call) => {
    const model = await call.ctx.tracking.getLoggedModel(modelIdOf(call));
    const path = optText(call.fields, 'artifact_file_path');
    if (!path) throw invalidParam(`Missing value for required parameter 'artifact_file_path'.`);
    return sendArtifact(
      call.reply,
      await call.ctx.artifacts.downloadArtifactAt(model.info.artifact_uri, path),
    );
  }),
];
