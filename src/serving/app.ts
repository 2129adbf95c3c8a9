/**
 * The scoring server app: `/ping`, `/health`, `/version`, `/metrics` and `/invocations`
 * (MLflow's pyfunc scoring protocol). Bad input always answers a JSON error with status 400 (415
 * for an unsupported content type, 413 past the size limit), never a 500; a failure of Cairn's
 * own code answers 500 with a generic message and is logged (the one mapping of src/errors.ts).
 */
import type { IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { LOG_DEFAULTS, NETWORK_DEFAULTS, type LogConfig } from '../config/network-config.js';
import { MlflowError, httpErrorOf } from '../errors.js';
import { loggerOptions } from '../logging/logger.js';
import { registerRequestLog } from '../logging/request-log.js';
import {
  capConnectionsPerClient,
  connectionTimeoutOptions,
  endConnectionsOnClose,
} from '../security/connection-guard.js';
import { discardRest, isClientAbort } from '../security/request-body.js';
import { JSON_SHAPE_LIMITS } from '../security/body-limits.js';
import { VERSION } from '../version.js';
import type { Model } from '../models/model.js';
import { MicroBatcher, type BatcherOptions } from './batcher.js';
import { readScoringJson } from './json-body.js';
import { ScoringMetrics } from './metrics.js';
import { DEFAULT_MAX_REQUEST_ROWS, logInternalError, registerInvocations, sendError } from './invocations.js';

export interface ScoringAppOptions {
  /** Largest accepted request body in bytes (default 64 MiB). */
  maxRequestBytes?: number;
  /** Most input rows per request (default 100,000); more answers 413 before the model runs. */
  maxRequestRows?: number;
  /** Log level and format (default: info, json), as for the tracking server. */
  log?: LogConfig;
  /** Where log lines go (default: standard output). */
  logDestination?: NodeJS.WritableStream;
  /** Micro-batching of concurrent requests; omit or set `maxSize` ≤ 1 to score each request alone. */
  batch?: BatcherOptions;
  /** Seconds a prediction may take before the request fails with 504 (default 60). */
  timeoutSeconds?: number;
  /** Extra labels on every metric (e.g. the worker id). */
  metricLabels?: Record<string, string>;
  /** Gathers the metrics of every worker process (set in cluster workers); default: this process only. */
  collectMetrics?: () => Promise<string>;
}

export function buildScoringApp(
  model: Model,
  opts: ScoringAppOptions = {},
): { app: FastifyInstance; metrics: ScoringMetrics } {
  const maxBytes = opts.maxRequestBytes ?? 64 * 1024 * 1024;
  const timeoutMs = (opts.timeoutSeconds ?? 60) * 1000;
  const app = Fastify({
    ...loggerOptions(opts.log ?? LOG_DEFAULTS, opts.logDestination),
    // A connection waiting for a slow prediction is silent: it must outlive the prediction timeout.
    ...connectionTimeoutOptions({
      ...NETWORK_DEFAULTS,
      idleTimeoutMs: Math.max(NETWORK_DEFAULTS.idleTimeoutMs, timeoutMs + 10_000),
    }),
    bodyLimit: maxBytes,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  registerRequestLog(app);
  endConnectionsOnClose(app);
  capConnectionsPerClient(app.server, NETWORK_DEFAULTS.maxConnectionsPerClient, app.log);
  const metrics = new ScoringMetrics(opts.metricLabels);
  const batcher =
    opts.batch && opts.batch.maxSize > 1 && model.rowWise
      ? new MicroBatcher((input) => model.predictPrepared(input), opts.batch)
      : undefined;
  if (batcher) batcher.onBatch = (requests) => metrics.recordBatch(requests);

  const maxRows = opts.maxRequestRows ?? DEFAULT_MAX_REQUEST_ROWS;
  app.removeAllContentTypeParsers();
  // JSON is parsed as it arrives (rows counted on the way); other types are read as text.
  app.addContentTypeParser('application/json', (req: FastifyRequest, payload: IncomingMessage) =>
    readScoringJson(payload, Number(req.headers['content-length']), {
      maxBytes,
      maxRows,
      maxDepth: JSON_SHAPE_LIMITS.maxDepth,
    }),
  );
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler(async (err, req, reply) => {
    if (isClientAbort(req.raw, err)) {
      req.log.info('the client closed the connection mid-request');
      reply.hijack();
      return;
    }
    const answer = httpErrorOf(err);
    if (answer.internal) logInternalError(err);
    if (answer.status === 413) {
      // Read what is left (within a bound) so the client sees the 413, then close.
      reply.header('Connection', 'close');
      await discardRest(req.raw);
    }
    return sendError(reply, answer.error, answer.status);
  });
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new MlflowError(`No route for ${req.method} ${req.url}.`, 'ENDPOINT_NOT_FOUND')),
  );

  const ping = async (_req: unknown, reply: FastifyReply): Promise<FastifyReply> =>
    reply.code(200).header('content-type', 'application/json').send('\n');
  app.get('/ping', ping);
  app.get('/health', ping);
  app.get('/version', async (_req, reply) =>
    reply.header('content-type', 'text/plain; charset=utf-8').send(VERSION),
  );
  app.get('/metrics', async (_req, reply) => {
    const text = opts.collectMetrics
      ? await opts.collectMetrics().catch(() => metrics.render())
      : metrics.render();
    return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  registerInvocations(app, {
    model,
    metrics,
    batcher,
    timeoutMs,
    maxRows,
  });

  return { app, metrics };
}
