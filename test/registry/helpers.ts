/** Shared helpers of the registry API suites. */
import assert from 'node:assert/strict';
import { api, type ApiResponse } from '../helpers/server.js';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function ok(base: string, method: string, path: string, payload?: Json): Promise<Json> {
  const res = await api<Json>(base, method, path, payload);
  assert.equal(res.status, 200, `${method} ${path} → ${res.status} ${res.text.slice(0, 300)}`);
  return res.json;
}

export async function fails(
  base: string,
  method: string,
  path: string,
  payload: Json | undefined,
  status: number,
  code: string,
  message?: RegExp,
): Promise<ApiResponse<Json>> {
  const res = await api<Json>(base, method, path, payload);
  assert.equal(res.status, status, `${method} ${path} → ${res.status} ${res.text.slice(0, 300)}`);
  assert.equal(res.contentType, 'application/json');
  assert.equal(res.json.error_code, code, res.text);
  if (message) assert.match(String(res.json.message), message);
  return res;
}

/** `fails` with 400 INVALID_PARAMETER_VALUE. */
export const failsInvalid = (
  base: string,
  method: string,
  path: string,
  payload: Json | undefined,
  message?: RegExp,
): Promise<ApiResponse<Json>> => fails(base, method, path, payload, 400, 'INVALID_PARAMETER_VALUE', message);

/** `fails` with 404 RESOURCE_DOES_NOT_EXIST. */
export const failsNotFound = (
  base: string,
  method: string,
  path: string,
  payload: Json | undefined,
  message?: RegExp,
): Promise<ApiResponse<Json>> => fails(base, method, path, payload, 404, 'RESOURCE_DOES_NOT_EXIST', message);

/** Creates an experiment and a run; returns the run id and its artifact root. */
export async function makeRun(base: string, experiment = `exp-${Math.random().toString(36).slice(2)}`) {
  const exp = await ok(base, 'POST', 'experiments/create', { name: experiment });
  const run = await ok(base, 'POST', 'runs/create', {
    experiment_id: exp.experiment_id,
    start_time: 1600000000000,
  });
  return {
    experimentId: String(exp.experiment_id),
    runId: String(run.run.info.run_id),
    artifactUri: String(run.run.info.artifact_uri),
  };
}
