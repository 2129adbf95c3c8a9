/** REST endpoints of the model registry (MLflow API §5) plus Cairn's registry webhooks. */
import { invalidParam } from '../../errors.js';
import {
  optBool,
  optInt,
  optKeyValueList,
  optString,
  optStringList,
  optText,
  reqString,
  reqText,
} from '../decode.js';
import { endpoint, type Endpoint, type Fields } from '../endpoint.js';
import { registryWebhookEndpoints } from './registry-webhooks.js';

const EMPTY = {};

/** A version given as a number or a string; kept as text so the service reports bad values. */
function reqVersion(fields: Fields): string {
  return reqString(fields, 'version');
}

/** `order_by` may be repeated, or (from some clients) one comma-free string. */
const orderBy = (f: Fields): string[] | undefined => optStringList(f, 'order_by');

export const registryEndpoints: Endpoint[] = [
  // ---- registered models ----
  endpoint('POST', 'registered-models/create', async ({ fields, ctx }) => ({
    registered_model: await ctx.registry.createRegisteredModel(
      reqText(fields, 'name'),
      optText(fields, 'description'),
      optKeyValueList(fields, 'tags') ?? [],
    ),
  })),
  endpoint('GET', 'registered-models/get', async ({ fields, ctx }) => ({
    registered_model: await ctx.registry.getRegisteredModel(reqText(fields, 'name')),
  })),
  endpoint('POST', 'registered-models/rename', async ({ fields, ctx }) => ({
    registered_model: await ctx.registry.renameRegisteredModel(
      reqText(fields, 'name'),
      reqText(fields, 'new_name'),
    ),
  })),
  endpoint('PATCH', 'registered-models/update', async ({ fields, ctx }) => ({
    registered_model: await ctx.registry.updateRegisteredModel(
      reqText(fields, 'name'),
      optText(fields, 'description'),
    ),
  })),
  endpoint('DELETE', 'registered-models/delete', async ({ fields, ctx }) => {
    await ctx.registry.deleteRegisteredModel(reqText(fields, 'name'));
    return EMPTY;
  }),
  endpoint('GET', 'registered-models/search', async ({ fields, ctx }) =>
    ctx.registry.searchRegisteredModels({
      filter: optText(fields, 'filter'),
      maxResults: optInt(fields, 'max_results'),
      orderBy: orderBy(fields),
      pageToken: optText(fields, 'page_token'),
    }),
  ),
  endpoint(['POST', 'GET'], 'registered-models/get-latest-versions', async ({ fields, ctx }) => {
    const versions = await ctx.registry.getLatestVersions(
      reqText(fields, 'name'),
      optStringList(fields, 'stages') ?? [],
    );
    return versions.length ? { model_versions: versions } : EMPTY;
  }),
  endpoint('POST', 'registered-models/set-tag', async ({ fields, ctx }) => {
    const value = optText(fields, 'value');
    if (value === undefined) throw invalidParam(`Missing value for required parameter 'value'.`);
    await ctx.registry.setRegisteredModelTag(reqText(fields, 'name'), reqText(fields, 'key'), value);
    return EMPTY;
  }),
  endpoint('DELETE', 'registered-models/delete-tag', async ({ fields, ctx }) => {
    await ctx.registry.deleteRegisteredModelTag(reqText(fields, 'name'), reqText(fields, 'key'));
    return EMPTY;
  }),
  endpoint(['POST', 'DELETE', 'GET'], 'registered-models/alias', async ({ fields, ctx, request }) => {
    const name = reqText(fields, 'name');
    const alias = reqText(fields, 'alias');
    if (request.method === 'GET') {
      return { model_version: await ctx.registry.getModelVersionByAlias(name, alias) };
    }
    if (request.method === 'DELETE') {
      await ctx.registry.deleteAlias(name, alias);
      return EMPTY;
    }
    await ctx.registry.setAlias(name, alias, reqVersion(fields));
    return EMPTY;
  }),

  // ---- model versions ----
  endpoint('POST', 'model-versions/create', async ({ fields, ctx }) => ({
    model_version: await ctx.registry.createModelVersion({
      name: reqText(fields, 'name'),
      source: reqText(fields, 'source'),
      runId: optString(fields, 'run_id') || undefined,
      modelId: optString(fields, 'model_id') || undefined,
      runLink: optText(fields, 'run_link'),
      description: optText(fields, 'description'),
      tags: optKeyValueList(fields, 'tags') ?? [],
    }),
  })),
  endpoint('GET', 'model-versions/get', async ({ fields, ctx }) => ({
    model_version: await ctx.registry.getModelVersion(reqText(fields, 'name'), reqVersion(fields)),
  })),
  endpoint('PATCH', 'model-versions/update', async ({ fields, ctx }) => ({
    model_version: await ctx.registry.updateModelVersion(
      reqText(fields, 'name'),
      reqVersion(fields),
      optText(fields, 'description'),
    ),
  })),
  endpoint('DELETE', 'model-versions/delete', async ({ fields, ctx }) => {
    await ctx.registry.deleteModelVersion(reqText(fields, 'name'), reqVersion(fields));
    return EMPTY;
  }),
  endpoint('POST', 'model-versions/transition-stage', async ({ fields, ctx }) => ({
    model_version: await ctx.registry.transitionStage(
      reqText(fields, 'name'),
      reqVersion(fields),
      reqText(fields, 'stage'),
      optBool(fields, 'archive_existing_versions') ?? false,
    ),
  })),
  endpoint('GET', 'model-versions/search', async ({ fields, ctx }) =>
    ctx.registry.searchModelVersions({
      filter: optText(fields, 'filter'),
      maxResults: optInt(fields, 'max_results'),
      orderBy: orderBy(fields),
      pageToken: optText(fields, 'page_token'),
    }),
  ),
  endpoint('GET', 'model-versions/get-download-uri', async ({ fields, ctx }) => ({
    artifact_uri: await ctx.registry.getModelVersionDownloadUri(reqText(fields, 'name'), reqVersion(fields)),
  })),
  endpoint('POST', 'model-versions/set-tag', async ({ fields, ctx }) => {
    const value = optText(fields, 'value');
    if (value === undefined) throw invalidParam(`Missing value for required parameter 'value'.`);
    await ctx.registry.setModelVersionTag(
      reqText(fields, 'name'),
      reqVersion(fields),
      reqText(fields, 'key'),
      value,
    );
    return EMPTY;
  }),
  endpoint('DELETE', 'model-versions/delete-tag', async ({ fields, ctx }) => {
    await ctx.registry.deleteModelVersionTag(
      reqText(fields, 'name'),
      reqVersion(fields),
      reqText(fields, 'key'),
    );
    return EMPTY;
  }),
  ...registryWebhookEndpoints,
];
