/** Tracking-side artifact endpoints (mounted under the MLflow API prefixes). */
import { endpoint, type Endpoint } from '../endpoint.js';
import { optString, reqRunId } from '../decode.js';

export const artifactEndpoints: Endpoint[] = [
  // Files of a run's artifact root; `files[].path` is relative to the root. Listings are not
  // paged (a folder is returned whole), so `page_token` is read for validation only.
  endpoint('GET', 'artifacts/list', async ({ fields, ctx }) => {
    const runId = reqRunId(fields);
    const path = optString(fields, 'path');
    optString(fields, 'page_token');
    return ctx.artifacts.listRunArtifacts(runId, path);
  }),
];
