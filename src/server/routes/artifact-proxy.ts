/**
 * The artifact proxy (`/api/2.0/mlflow-artifacts/...`, also under `/ajax-api/`) and the UI's
 * artifact routes. Bodies are streams in both directions: an upload goes from the socket straight
 * to the destination, a download from the storage straight to the socket.
 *
 * Artifacts are user content: they are always sent as attachments with `nosniff` and a
 * `sandbox` CSP, so an uploaded HTML or SVG file can never run script in the server's origin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { ArtifactDownload } from '../../artifacts/artifact-service.js';
import type { MultipartPart } from '../../artifacts/artifact-repository.js';
import { downloadMimeType } from '../../artifacts/mime.js';
import { safeArtifactPath } from '../../artifacts/safe-path.js';
import { invalidParam } from '../../errors.js';
import { JSON_SHAPE_LIMITS } from '../../security/body-limits.js';
import { PayloadTooLargeError, readLimitedBody } from '../../security/request-body.js';
import { parseJsonBody, parseQuery } from '../body.js';
import type { ServerContext } from '../context.js';
import { optString, reqInt, reqRunId, reqString } from '../decode.js';

export const PROXY_BASES = ['/api/2.0/mlflow-artifacts', '/ajax-api/2.0/mlflow-artifacts'] as const;

/** The UI uploads small files (previews, notes) through the server; larger ones use the proxy. */
export const UI_UPLOAD_LIMIT = 10 * 1024 * 1024;

const NOT_SERVING =
  'Artifact serving is disabled: this server runs with --no-serve-artifacts. ' +
  'Start it with --serve-artifacts to use the /api/2.0/mlflow-artifacts endpoints.';
const ARTIFACTS_ONLY = 'This server runs with --artifacts-only: tracking endpoints are disabled.';

/** `attachment` with a plain ASCII name plus the exact UTF-8 name (RFC 6266). */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** Sends an artifact file as a download. */
export function sendArtifact(reply: FastifyReply, download: ArtifactDownload): FastifyReply {
  const type = downloadMimeType(download.fileName);
  reply
    .header('Content-Type', type.startsWith('text/') ? `${type}; charset=utf-8` : type)
    .header('Content-Disposition', contentDisposition(download.fileName))
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', 'sandbox')
    .header('Cache-Control', 'no-store');
  if (download.size !== undefined) reply.header('Content-Length', download.size);
  return reply.send(download.stream);
}

const wildcard = (request: FastifyRequest): string => (request.params as { '*'?: string })['*'] ?? '';

export async function registerArtifactProxy(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  for (const base of PROXY_BASES) {
    if (!ctx.config.serveArtifacts) {
      const disabled = async (_req: FastifyRequest, reply: FastifyReply) =>
        reply.code(503).type('text/plain; charset=utf-8').send(NOT_SERVING);
      app.all(base, disabled);
      app.all(`${base}/*`, disabled);
      continue;
    }
    registerProxyRoutes(app, ctx, base);
  }
  registerUiArtifactRoutes(app, ctx);
}

function registerProxyRoutes(app: FastifyInstance, ctx: ServerContext, base: string): void {
  app.get(`${base}/artifacts`, async (request) => {
    const fields = parseQuery(request.url);
    const files = await ctx.artifacts.proxyList(optString(fields, 'path'));
    return files.length ? { files } : {};
  });

  app.get(`${base}/artifacts/*`, async (request, reply) =>
    sendArtifact(reply, await ctx.artifacts.proxyDownload(wildcard(request))),
  );

  // A client that hangs up mid-upload, or a full disk, is told apart by the error handler.
  app.put(`${base}/artifacts/*`, async (request, reply) => {
    await ctx.artifacts.proxyUpload(wildcard(request), request.raw);
    return reply.type('application/json').send({});
  });

  app.delete(`${base}/artifacts/*`, async (request, reply) => {
    await ctx.artifacts.proxyDelete(wildcard(request));
    return reply.type('application/json').send({});
  });

  // Client-driven multipart uploads: only where the destination supports them (501 otherwise,
  // and MLflow clients then fall back to a single streamed PUT).
  const mpuFields = async (request: FastifyRequest) =>
    parseJsonBody(await readLimitedBody(request.raw, ctx.config.maxBodyBytes, JSON_SHAPE_LIMITS));
  app.post(`${base}/mpu/create/*`, async (request) => {
    const mpu = ctx.artifacts.proxyMultipart(wildcard(request));
    const fields = await mpuFields(request);
    return mpu.create(wildcard(request), reqInt(fields, 'num_parts'));
  });
  app.post(`${base}/mpu/complete/*`, async (request) => {
    const mpu = ctx.artifacts.proxyMultipart(wildcard(request));
    const fields = await mpuFields(request);
    await mpu.complete(wildcard(request), reqString(fields, 'upload_id'), readParts(fields.parts));
    return {};
  });
  app.post(`${base}/mpu/abort/*`, async (request) => {
    const mpu = ctx.artifacts.proxyMultipart(wildcard(request));
    const fields = await mpuFields(request);
    await mpu.abort(wildcard(request), reqString(fields, 'upload_id'));
    return {};
  });
}

function readParts(value: unknown): MultipartPart[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalidParam("Missing value for required parameter 'parts'.");
  return value.map((p) => {
    const part = (p ?? {}) as Record<string, unknown>;
    const num = Number(part.part_number);
    if (!Number.isSafeInteger(num) || num < 1 || typeof part.etag !== 'string') {
      throw invalidParam('Each part needs an integer part_number and a string etag.');
    }
    return { part_number: num, etag: part.etag, url: typeof part.url === 'string' ? part.url : undefined };
  });
}

/** Reads a raw request body of at most `limit` bytes (the UI uploader's files are small). */
async function readLimited(request: FastifyRequest, limit: number): Promise<Buffer> {
  try {
    return await readLimitedBody(request.raw, limit);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) {
      throw new PayloadTooLargeError(`Artifact size is too large. Max size is ${limit / (1024 * 1024)}MB.`);
    }
    throw err;
  }
}

function registerUiArtifactRoutes(app: FastifyInstance, ctx: ServerContext): void {
  if (ctx.config.artifactsOnly) {
    // The `/ajax-api/2.0/mlflow/*` variants are already refused by the API mount.
    const disabled = async (_req: FastifyRequest, reply: FastifyReply) =>
      reply.code(503).type('text/plain; charset=utf-8').send(ARTIFACTS_ONLY);
    app.get('/get-artifact', disabled);
    app.get('/model-versions/get-artifact', disabled);
    return;
  }

  const getRunArtifact = async (request: FastifyRequest, reply: FastifyReply) => {
    const fields = parseQuery(request.url);
    const runId = reqRunId(fields);
    const path = reqString(fields, 'path');
    return sendArtifact(reply, await ctx.artifacts.downloadRunArtifact(runId, path));
  };
  app.get('/get-artifact', getRunArtifact);
  app.get('/ajax-api/2.0/mlflow/get-artifact', getRunArtifact);

  app.post('/ajax-api/2.0/mlflow/upload-artifact', async (request, reply) => {
    const fields = parseQuery(request.url);
    const runId = optString(fields, 'run_uuid') ?? optString(fields, 'run_id');
    if (!runId) throw invalidParam('Request must specify run_uuid.');
    const path = optString(fields, 'path');
    if (!path) throw invalidParam('Request must specify path.');
    safeArtifactPath(path);
    const data = await readLimited(request, UI_UPLOAD_LIMIT);
    if (data.length === 0) throw invalidParam('Request must specify data.');
    await ctx.artifacts.uploadRunArtifact(runId, path, Readable.from([data]));
    return reply.type('application/json').send({});
  });

  const getModelVersionArtifact = async (request: FastifyRequest, reply: FastifyReply) => {
    const fields = parseQuery(request.url);
    const name = reqString(fields, 'name');
    const version = reqString(fields, 'version');
    const path = reqString(fields, 'path');
    // `runs:/` sources are resolved through the run, so this is a storage URI or a proxied one.
    const uri = await ctx.registry.resolveModelVersionArtifactUri(name, version);
    return sendArtifact(reply, await ctx.artifacts.downloadArtifactAt(uri, path));
  };
  app.get('/model-versions/get-artifact', getModelVersionArtifact);
  app.get('/ajax-api/2.0/mlflow/model-versions/get-artifact', getModelVersionArtifact);
}
