/**
 * The `mlflow.log-model.history` run tag: a JSON list of the MLmodel descriptions logged with
 * `runs/log-model`, kept valid JSON within the run-tag length limit.
 */
import { invalidParam } from '../errors.js';
import { LIMITS } from './validation.js';

export const LOG_MODEL_HISTORY_TAG = 'mlflow.log-model.history';

const REQUIRED_FIELDS = ['artifact_path', 'flavors', 'utc_time_created', 'run_id'];

/** Parses and checks a `model_json` field: a JSON object with MLmodel's mandatory fields. */
export function parseModelJson(modelJson: string): Record<string, unknown> {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    throw invalidParam(`Malformed model info: 'model_json' is not valid JSON (${modelJson.slice(0, 100)}).`);
  }
  if (model === null || typeof model !== 'object' || Array.isArray(model)) {
    throw invalidParam(`Malformed model info: 'model_json' must hold a JSON object.`);
  }
  const missing = REQUIRED_FIELDS.filter((k) => !(k in model));
  if (missing.length) {
    throw invalidParam(
      `Model json is missing mandatory fields: [${missing.map((k) => `'${k}'`).join(', ')}]`,
    );
  }
  return model as Record<string, unknown>;
}

/**
 * The new tag value after appending `model` to the `previous` one. When the list outgrows the
 * run-tag limit the oldest entries give way, so the tag always stays a valid JSON list.
 */
export function appendLogModelHistory(previous: string | undefined, model: Record<string, unknown>): string {
  let history: unknown[] = [];
  if (previous) {
    try {
      const parsed: unknown = JSON.parse(previous);
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      history = [];
    }
  }
  history.push(model);
  let value = JSON.stringify(history);
  while (value.length > LIMITS.runTagValue && history.length > 1) {
    history.shift();
    value = JSON.stringify(history);
  }
  if (value.length > LIMITS.runTagValue) {
    throw invalidParam(
      `The model description is too large to record (${value.length} characters; the limit is ${LIMITS.runTagValue}).`,
    );
  }
  return value;
}
