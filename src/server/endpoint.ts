import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from './context.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';

/**
 * Decoded request fields: the query string for GET (a repeated key becomes an array), the JSON
 * body otherwise. Values are untrusted: read them through the helpers in `decode.ts`.
 */
export type Fields = Record<string, unknown>;

export interface ApiCall {
  fields: Fields;
  /** Path parameters, e.g. `{ model_id }` for `logged-models/:model_id`. */
  params: Record<string, string>;
  ctx: ServerContext;
  request: FastifyRequest;
  reply: FastifyReply;
}

/**
 * One REST endpoint of the MLflow API. `path` is relative to the API mount (e.g.
 * `experiments/create`); the server mounts it under `/api/2.0/mlflow/`, `/ajax-api/2.0/mlflow/`
 * and `/api/2.0/preview/mlflow/`. The handler returns the JSON response object.
 */
export interface Endpoint {
  methods: HttpMethod[];
  path: string;
  handler(call: ApiCall): Promise<unknown>;
}

export const endpoint = (
  methods: HttpMethod | HttpMethod[],
  path: string,
  handler: Endpoint['handler'],
): Endpoint => ({
  methods: Array.isArray(methods) ? methods : [methods],
  path,
  handler,
});
