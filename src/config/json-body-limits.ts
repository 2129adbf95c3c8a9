/**
 * `--max-json-body` and `--json-body-limits`: the byte limit of JSON API request bodies, for every
 * route and per route. A per-route entry names an endpoint by its path under the API mount
 * (`runs/log-batch`, `logged-models/:model_id/params`), the way the route table writes it.
 */
import { invalidParam } from '../errors.js';
import { integer } from './env-values.js';

/** Largest limit accepted for one JSON body (parsing more would hold the event loop too long). */
export const MAX_JSON_BODY_LIMIT = 256 * 1024 * 1024;
/** Smallest limit: below this not even a small MLflow request fits. */
export const MIN_JSON_BODY_LIMIT = 1024;

const ROUTE = /^[a-z][a-z0-9-]*(\/(:[a-z_]+|\*|[a-z0-9-]+))*$/;

/** A byte limit given on the command line or in the environment. */
export function jsonBodyBytes(raw: string | undefined, what: string): number | undefined {
  return integer(raw, what, MIN_JSON_BODY_LIMIT, MAX_JSON_BODY_LIMIT);
}

/**
 * Parses `route=bytes,route=bytes` (spaces allowed around entries). An empty or missing value is
 * no override.
 */
export function parseJsonBodyLimits(raw: string | undefined, what: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (!raw?.trim()) return out;
  for (const entry of raw.split(',')) {
    const text = entry.trim();
    if (!text) continue;
    const i = text.indexOf('=');
    const route = (i < 0 ? text : text.slice(0, i)).trim().replace(/^\/+/, '');
    if (i < 0 || !ROUTE.test(route)) {
      throw invalidParam(
        `${what}: expected entries like 'runs/log-batch=4194304' (an API path, '=', a size in bytes), got '${text.slice(0, 100)}'.`,
      );
    }
    out[route] = jsonBodyBytes(text.slice(i + 1), `${what} for ${route}`)!;
  }
  return out;
}
