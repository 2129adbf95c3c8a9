/**
 * Size and shape limits of JSON request bodies, per route. The default (`maxBodyBytes`, 1 MiB)
 * holds the largest MLflow request in ordinary use: a full log-batch (1,000 metrics, 100 params and
 * tags) is capped at 1,000,000 bytes by MLflow's own rule. Routes that legitimately carry more are
 * listed here. Small limits keep one request from holding the event loop while it is parsed.
 */
import type { JsonShapeLimits } from './request-body.js';

const MiB = 1024 * 1024;

/** Nesting depth and member count of any JSON body (MLflow's messages nest about five deep). */
export const JSON_SHAPE_LIMITS: JsonShapeLimits = { maxDepth: 64, maxMembers: 50_000 };

/** Endpoints (paths relative to the API mount) whose bodies may exceed the default. */
const LARGER_BODIES: Record<string, number> = {
  // Dataset schemas and profiles travel inline.
  'runs/log-inputs': 4 * MiB,
};

/**
 * The byte limit of a JSON body sent to `endpointPath`: the operator's per-route setting
 * (`--json-body-limits`) when there is one, else the larger of the route's own need and the
 * general limit (`--max-json-body`).
 */
export function jsonBodyLimit(
  endpointPath: string,
  defaultLimit: number,
  perRoute: Readonly<Record<string, number>> = {},
): number {
  return perRoute[endpointPath] ?? Math.max(LARGER_BODIES[endpointPath] ?? 0, defaultLimit);
}
